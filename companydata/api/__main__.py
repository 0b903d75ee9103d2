"""``python -m companydata.api --store PATH|postgresql://... [--host H] [--port N] [--auth MODE]``.

The container entry point on Cloud Run / Azure (``company-mcp api`` is the developer's one).
``--auth``: ``shared-secret`` (default: every request is HMAC-signed; the secret comes from the
environment variable ``COMPANY_API_SHARED_SECRET``, never the command line, or from
``--key-file``, created 0600 on first use) or ``platform`` (the platform in front verified the
caller; ``--platform-header`` names a header it must set) or ``google`` (a Google ID token of an
allowed service account: ``COMPANY_API_GOOGLE_AUDIENCE``, ``COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS``).
``--public-host`` (repeatable, or ``COMPANY_API_PUBLIC_HOSTS`` comma-separated) names the ``Host`` values
callers use besides loopback and the bind address; any other Host is refused with 421.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from companydata.api.identity import ServiceAuth, SharedSecretAuth, TrustPlatformAuth
from companydata.api.run import DEFAULT_HOST, DEFAULT_PORT, run_api
from core.errors import ConfigError
from core.service_key import SECRET_ENV, load_or_create_key
from core.telemetry import configure_logging

AUTH_MODES = ("shared-secret", "platform", "google")
PUBLIC_HOSTS_ENV = "COMPANY_API_PUBLIC_HOSTS"


def service_auth_from(mode: str, *, secret: bytes | None = None, platform_header: str | None = None) -> ServiceAuth:
    if mode == "google":  # the caller's Google ID token, verified here (companydata.api.google_auth)
        from companydata.api.google_auth import google_auth_from_environment

        return google_auth_from_environment(dict(os.environ))
    if mode == "platform":
        return TrustPlatformAuth(platform_header)
    if mode != "shared-secret":
        raise ConfigError(f"unknown --auth {mode!r}: expected one of {', '.join(AUTH_MODES)}")
    if not secret:
        raise ConfigError(f"--auth shared-secret needs the secret in {SECRET_ENV} (or --key-file).")
    try:
        return SharedSecretAuth(secret)
    except ValueError as exc:
        raise ConfigError(f"{SECRET_ENV}: {exc}.") from None


def public_hosts_from(values: Sequence[str] | None) -> tuple[str, ...]:
    listed = values if values else os.environ.get(PUBLIC_HOSTS_ENV, "").split(",")
    return tuple(host.strip().lower() for host in listed if host.strip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m companydata.api", description="Run the company GraphQL API.")
    parser.add_argument("--store", required=True, help="sqlite:<path>, a store file, or postgresql://...")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--auth", choices=AUTH_MODES, default="shared-secret")
    parser.add_argument("--key-file", type=Path, help=f"with --auth shared-secret and no {SECRET_ENV}: the key file")
    parser.add_argument("--platform-header", help="with --auth platform: a header the platform always sets")
    parser.add_argument("--public-host", action="append", help=f"a Host callers use (repeatable; {PUBLIC_HOSTS_ENV})")
    parser.add_argument(
        "--allow-unsigned-loopback-reads",
        action="store_true",
        help="also admit unsigned queries (no end user, no mutations) from this machine",
    )
    args = parser.parse_args(argv)
    configure_logging("json")
    try:
        secret = None
        if args.auth == "shared-secret":
            configured = os.environ.get(SECRET_ENV, "")
            secret = configured.encode() if configured else load_or_create_key(args.key_file) if args.key_file else None
        auth = service_auth_from(args.auth, secret=secret, platform_header=args.platform_header)
        run_api(
            args.store,
            args.host,
            args.port,
            service_auth=auth,
            public_hosts=public_hosts_from(args.public_host),
            unsigned_loopback_reads=args.allow_unsigned_loopback_reads,
        )
    except ConfigError as exc:
        print(f"company-api: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
