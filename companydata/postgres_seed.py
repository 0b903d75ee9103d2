"""Load the deterministic companies into PostgreSQL, fast and atomically.

``seed_postgres`` migrates the schema, then replaces the company set in one
transaction: drop the company indexes, ``TRUNCATE``, ``COPY ... FREEZE`` the
generated rows (text format, built here in large batches), build the indexes
again, and commit; ``ANALYZE`` follows. Readers wait for the commit and then
see the whole new set, never half of one. Collections and email-discovery
requests are kept; entries that point at a company which no longer exists (a
smaller seed) are removed in the same transaction.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from contextlib import aclosing

import anyio
import psycopg
from psycopg import sql
from tqdm import tqdm

from companydata.generator import GeneratedCompany, company_at
from companydata.postgres_pool import connect_options
from companydata.postgres_schema import check_schema_name, migrate, migrate_postgres
from companydata.seed import SeedReport
from companydata.store_rules import DEFAULT_RETENTION_DAYS
from companydata.text import search_document

__all__ = ["migrate_postgres", "purge_postgres_discoveries", "seed_postgres"]

_BATCH = 20_000
_COLUMNS = (
    "seq, id, name, domain, industry, country, city, employee_count, founded_year, "
    "description, website, tags, updated_at, search"
)
# Characters with a meaning in COPY text format or in an array literal; generated rows have none of them.
_SPECIAL = ("\\", "\t", "\n", "\r", '"')
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Company indexes that do not back a constraint: dropped before the load, built again after it.
_PLAIN_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = %s AND i.tablename = 'companies'
  AND NOT EXISTS (
      SELECT 1 FROM pg_constraint k JOIN pg_class x ON x.oid = k.conindid JOIN pg_namespace s ON s.oid = x.relnamespace
      WHERE x.relname = i.indexname AND s.nspname = i.schemaname
  )
ORDER BY i.indexname
"""
_DANGLING = (
    "DELETE FROM collection_items i WHERE NOT EXISTS (SELECT 1 FROM companies c WHERE c.id = i.company_id)",
    "DELETE FROM email_discovery_requests r WHERE NOT EXISTS (SELECT 1 FROM companies c WHERE c.id = r.company_id)",
)


def _array(items: Iterable[str]) -> str:
    """A text[] literal with every element quoted (so spaces and commas need nothing else)."""
    return "{" + ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items) + "}"


def _line(seq: int, c: GeneratedCompany, escape: bool) -> str:
    document = search_document(c.name, c.domain, c.description, c.tags)
    texts = (c.id, c.name, c.domain, c.industry, c.country, c.city)
    tail = (c.description, c.website, _array(c.tags), c.updated_at, document)
    if escape:
        texts = tuple(t.translate(_COPY_ESCAPES) for t in texts)
        tail = tuple(t.translate(_COPY_ESCAPES) for t in tail)
    return "\t".join((str(seq), *texts, str(c.employee_count), str(c.founded_year), *tail))


def copy_text(batch: list[GeneratedCompany], first: int) -> str:
    """The COPY text-format lines of ``batch`` (``seq`` from ``first``)."""
    raw = "".join(
        f"{c.id}{c.name}{c.domain}{c.industry}{c.country}{c.city}{c.description}{c.website}{''.join(c.tags)}{c.updated_at}"
        for c in batch
    )
    escape = any(ch in raw for ch in _SPECIAL)  # one scan per batch instead of one per field
    return "".join(_line(first + k, c, escape) + "\n" for k, c in enumerate(batch))


def seed_postgres(
    dsn: str,
    n: int,
    *,
    schema: str = "public",
    progress: bool = True,
    maintenance_work_mem: str = "512MB",
) -> SeedReport:
    """Migrate ``schema`` and replace its companies with the ``n`` generated ones (see the module docstring)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    check_schema_name(schema)
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True, **connect_options(schema, None)) as conn:
        migrate(conn, schema)
        conn.execute("SELECT set_config('maintenance_work_mem', %s, false)", (maintenance_work_mem,))
        conn.execute("SET synchronous_commit = off")  # one commit; a crash before it leaves the old set
        with tqdm(total=n, file=sys.stderr, disable=not progress, unit=" companies", desc="seeding") as bar:
            with conn.transaction():
                conn.execute("LOCK TABLE companies IN ACCESS EXCLUSIVE MODE")  # a concurrent seeder waits here
                indexes = conn.execute(_PLAIN_INDEXES, (schema,)).fetchall()
                for name, _ in indexes:
                    conn.execute(sql.SQL("DROP INDEX {}.{}").format(sql.Identifier(schema), sql.Identifier(name)))
                conn.execute("TRUNCATE companies")
                with conn.cursor().copy(f"COPY companies ({_COLUMNS}) FROM STDIN WITH (FREEZE)") as copy:
                    for first in range(0, n, _BATCH):
                        batch = [company_at(i) for i in range(first, min(first + _BATCH, n))]
                        copy.write(copy_text(batch, first))
                        bar.update(len(batch))
                bar.set_description("indexing")
                for _, definition in indexes:
                    conn.execute(definition)
                for statement in _DANGLING:
                    conn.execute(statement)
            bar.set_description("analyzing")
            conn.execute("ANALYZE companies")
            bar.set_description("done")
        row = conn.execute("SELECT pg_total_relation_size('companies')").fetchone()
    size = int(row[0]) if row else 0
    return SeedReport(None, n, time.perf_counter() - started, size, schema)


def purge_postgres_discoveries(
    dsn: str, *, schema: str = "public", older_than_days: float = DEFAULT_RETENTION_DAYS
) -> int:
    """Delete email-discovery requests older than ``older_than_days`` (for a CLI command); returns how many."""
    from companydata.postgres_store import PostgresStore  # the store is async; this entry point is not

    async def purge() -> int:
        store = PostgresStore(dsn, schema=schema, migrate=False, min_size=0, max_size=1)
        async with aclosing(store):
            return await store.purge_expired_discoveries(older_than_days)

    return anyio.run(purge)
