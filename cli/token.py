"""``company-mcp token``: mint a local dev token for HTTP clients (stdio clients need none)."""

from __future__ import annotations

import argparse
import getpass
from urllib.parse import urlsplit

from cli.options import settings_from
from core.auth.settings import DEV_MAX_TOKEN_LIFETIME_S
from core.errors import ConfigError
from core.model import READ_SCOPE, WRITE_SCOPE


def mint_token(args: argparse.Namespace) -> int:
    from adapters.fake.dev_issuer import DevIssuer, parse_ttl

    settings = settings_from(args)
    resource = args.url or settings.public_url
    parts = urlsplit(resource)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--url {resource!r} is not an http(s) URL")
    try:
        ttl_s = parse_ttl(args.ttl)
    except ValueError as exc:
        raise ConfigError(f"--ttl: {exc}") from None
    if ttl_s > DEV_MAX_TOKEN_LIFETIME_S:
        raise ConfigError(
            f"--ttl: at most {int(DEV_MAX_TOKEN_LIFETIME_S // 86_400)}d (the server refuses longer tokens)"
        )
    scopes = args.scopes.split()
    unknown = sorted(set(scopes) - {READ_SCOPE, WRITE_SCOPE})
    if unknown:
        raise ConfigError(f"--scopes: unknown scope(s) {', '.join(unknown)}; use {READ_SCOPE} and/or {WRITE_SCOPE}")
    issuer = f"{parts.scheme}://{parts.netloc}"
    token = DevIssuer(settings.data_dir).mint(issuer, resource, args.sub or getpass.getuser(), scopes, ttl_s)
    print(token)  # the command's output: the caller asked for this token (never logged)
    return 0
