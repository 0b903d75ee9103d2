"""The company API on Cloud Run: ``python -m adapters.gcp.cloud_run_api`` (the API image's command).

Configured from the environment the stack sets (gcp-contract.md), on ``0.0.0.0:$PORT``:

- ``COMPANY_API_DATABASE_URL``: ``postgresql://<iam-user>@<private-ip>:5432/<db>?sslmode=require``. Without
  a password in it, Cloud SQL IAM database authentication is used: each new connection's password is an
  access token of the service's account (``cloud_sql.py``); ``COMPANY_API_DB_IAM_AUTH=false`` turns it off.
  ``COMPANY_API_DB_SCHEMA`` (default ``public``). The API's database user may not change the schema (the stack's
  seed job migrates it), so the store does not migrate at start unless ``COMPANY_API_DB_MIGRATE=true``.
- ``COMPANY_API_AUTH``: ``google`` (default: the caller's Google ID token is verified here, audience
  ``COMPANY_API_GOOGLE_AUDIENCE``, email in ``COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS``), or
  ``platform`` (trust Cloud Run's IAM invoker check alone).
- ``COMPANY_API_PUBLIC_HOSTS``: the service's host name(s), the only ``Host`` values accepted besides loopback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

from adapters.gcp.cloud_sql import CloudSqlIamPassword
from companydata.api.google_auth import google_auth_from_environment
from companydata.api.identity import ServiceAuth, TrustPlatformAuth
from companydata.api.run import run_api
from companydata.postgres_pool import blocking_password
from companydata.postgres_store import PostgresStore
from core.errors import ConfigError
from core.telemetry import configure_logging

DEFAULT_PORT = 8080


def service_auth(env: Mapping[str, str]) -> ServiceAuth:
    mode = env.get("COMPANY_API_AUTH", "google")
    if mode == "google":
        return google_auth_from_environment(dict(env))
    if mode == "platform":
        return TrustPlatformAuth(env.get("COMPANY_API_PLATFORM_HEADER") or None)
    raise ConfigError(f"COMPANY_API_AUTH must be google or platform on Cloud Run, not {mode[:40]!r}")


def uses_iam_auth(dsn: str, env: Mapping[str, str]) -> bool:
    setting = env.get("COMPANY_API_DB_IAM_AUTH", "").strip().lower()
    if setting in ("true", "1", "yes"):
        return True
    if setting in ("false", "0", "no"):
        return False
    return urlsplit(dsn).password is None and "password=" not in dsn


def build_store(env: Mapping[str, str]) -> tuple[str, PostgresStore]:
    dsn = env.get("COMPANY_API_DATABASE_URL", "")
    if not dsn.startswith(("postgresql://", "postgres://")):
        raise ConfigError("COMPANY_API_DATABASE_URL must be a postgresql:// URL (Cloud SQL's private IP)")
    if "@" in urlsplit(dsn).netloc.rpartition("@")[0]:
        # libpq would read "user@project.iam@host" as user "user" at host "project.iam@host".
        raise ConfigError(
            "COMPANY_API_DATABASE_URL: percent-encode the '@' of the IAM database user as %40 "
            "(postgresql://name%40project.iam@host:5432/db)"
        )
    provider = CloudSqlIamPassword() if uses_iam_auth(dsn, env) else None
    migrate = env.get("COMPANY_API_DB_MIGRATE", "").strip().lower() in ("true", "1", "yes")
    schema = env.get("COMPANY_API_DB_SCHEMA", "public")
    password = blocking_password(provider) if provider is not None else None
    store = PostgresStore(dsn, schema=schema, password=password, migrate=migrate)
    return dsn, store


def main() -> int:
    configure_logging("json")
    env = os.environ
    try:
        port = int(env.get("PORT") or DEFAULT_PORT)
        dsn, store = build_store(env)
        hosts = tuple(h.strip().lower() for h in env.get("COMPANY_API_PUBLIC_HOSTS", "").split(",") if h.strip())
        run_api(dsn, "0.0.0.0", port, service_auth=service_auth(env), public_hosts=hosts, store=store)
    except (ConfigError, ValueError) as exc:
        print(f"company-api: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
