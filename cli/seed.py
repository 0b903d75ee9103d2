"""``company-mcp seed`` and the default store built on first start."""

from __future__ import annotations

import argparse
import sys
import time

from cli.options import settings_from
from core.errors import ConfigError


def seed(args: argparse.Namespace) -> int:
    from adapters.fake.main import DataDir
    from companydata.seed import seed_sqlite

    if args.companies < 1:
        raise ConfigError("--companies must be at least 1")
    if args.store.startswith(("postgresql://", "postgres://")):
        from companydata.postgres_seed import seed_postgres

        report = seed_postgres(args.store, args.companies, schema=args.schema, progress=not args.quiet)
        print(
            f"seeded {args.companies:,} companies into PostgreSQL schema {args.schema!r} in {report.seconds:.1f} s",
            file=sys.stderr,
        )
        return 0
    if args.store != "sqlite":
        raise ConfigError(f"--store {args.store!r}: use sqlite or a postgresql:// URL")
    settings = settings_from(args)
    data = DataDir(settings.data_dir)
    data.ensure()
    started = time.perf_counter()
    seed_sqlite(data.store, args.companies, progress=not args.quiet)
    print(
        f"seeded {args.companies:,} companies into {data.store} in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0
