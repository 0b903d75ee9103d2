"""``python -m companydata.api --store PATH|postgresql://... [--host H] [--port N] [--auth MODE]``.

The container entry point on Cloud Run / Azure (``company-mcp api`` is the developer's one).
``--auth``: ``loopback`` (default; loopback host only), ``shared-secret`` (the secret comes from
the environment variable ``COMPANY_API_SHARED_SECRET``, never the command line) or ``platform``
(the platform in front verified the caller; ``--platform-header`` names a header it must set).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from companydata.api.identity import AllowLoopback, ServiceAuth, SharedSecretAuth, TrustPlatformAuth
from companydata.api.run import DEFAULT_HOST, DEFAULT_PORT, run_api
from core.errors import ConfigError
from core.telemetry import configure_logging

SECRET_ENV = "COMPANY_API_SHARED_SECRET"


def service_auth_from(mode: str, platform_header: str | None) -> ServiceAuth:
    if mode == "shared-secret":
        secret = os.environ.get(SECRET_ENV, "")
        if not secret:
            raise ConfigError(f"--auth shared-secret needs the secret in {SECRET_ENV}.")
        try:
            return SharedSecretAuth(secret.encode())
        except ValueError as exc:
            raise ConfigError(f"{SECRET_ENV}: {exc}.") from None
    if mode == "platform":
        return TrustPlatformAuth(platform_header)
    return AllowLoopback()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m companydata.api", description="Run the company GraphQL API.")
    parser.add_argument("--store", required=True, help="sqlite:<path>, a store file, or postgresql://...")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--auth", choices=["loopback", "shared-secret", "platform"], default="loopback")
    parser.add_argument("--platform-header", help="with --auth platform: a header the platform always sets")
    args = parser.parse_args(argv)
    configure_logging("json")
    try:
        auth = service_auth_from(args.auth, args.platform_header)
        if args.auth == "loopback":
            auth = None  # run_api's default, which also refuses a non-loopback host
        run_api(args.store, args.host, args.port, service_auth=auth)
    except ConfigError as exc:
        print(f"company-api: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
