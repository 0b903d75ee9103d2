"""``company-mcp api``: run the reference company GraphQL API locally (and ``migrate`` its PostgreSQL schema)."""

from __future__ import annotations

import argparse

from cli.options import settings_from
from core.errors import ConfigError
from core.telemetry import configure_logging


def store_spec(args: argparse.Namespace) -> str:
    """``sqlite`` (the data dir's store, built on first use), a store file, or a postgresql:// URL."""
    from adapters.fake.main import DataDir, ensure_default_store

    if args.store == "sqlite":
        settings = settings_from(args)
        ensure_default_store(settings)
        return f"sqlite:{DataDir(settings.data_dir).store}"
    return str(args.store)


def api(args: argparse.Namespace) -> int:
    """Shared-secret auth by default, with the data dir's key (or COMPANY_MCP_API_SHARED_SECRET): the graphql
    adapter of ``company-mcp serve`` on the same data dir signs with the same key, so nothing to configure."""
    from companydata.api.__main__ import public_hosts_from, service_auth_from
    from companydata.api.run import run_api
    from core.service_key import service_secret

    settings = settings_from(args)
    configure_logging(settings.log_format)
    secret = None
    if args.auth == "shared-secret":  # before the store: a bad secret must not cost a first-run seed
        configured = settings.api_shared_secret.get_secret_value() if settings.api_shared_secret else None
        secret = service_secret(settings.data_dir, configured)
    auth = service_auth_from(args.auth, secret=secret)
    run_api(
        store_spec(args),
        host=args.host,
        port=args.port,
        service_auth=auth,
        public_hosts=public_hosts_from(args.public_host),
        unsigned_loopback_reads=args.allow_unsigned_loopback_reads,
    )
    return 0


def migrate(args: argparse.Namespace) -> int:
    from companydata.postgres_schema import migrate_postgres

    if not args.store.startswith(("postgresql://", "postgres://")):
        raise ConfigError("--store must be a postgresql:// URL (the SQLite store migrates itself)")
    applied = migrate_postgres(args.store, args.schema)
    print(f"schema {args.schema!r} is at migration {max(applied) if applied else 0} ({len(applied)} applied)")
    return 0
