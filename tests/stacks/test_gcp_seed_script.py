"""The seed job's script, run as a process against the local PostgreSQL: after it, the API's database user can
serve every store operation but cannot change the schema (what the job grants is enough, and no more).

The API must open its store without migrating (``COMPANY_API_DB_MIGRATE=false`` on the service): even
``CREATE TABLE IF NOT EXISTS`` needs the CREATE privilege its user does not have, which the last assertion shows."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import psycopg
import pytest
from psycopg import errors, sql

from companydata.postgres_store import PostgresStore
from core.model import CompanyFilters, PageRequest
from stacks.components.gcp.seed import SEED_SCRIPT

ROOT = Path(__file__).resolve().parents[2]
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def api_role() -> Iterator[tuple[str, str]]:
    """A login role standing in for the API's IAM user, and a schema of this test's own."""
    suffix = secrets.token_hex(4)
    role, schema = f"gcp_stack_api_{suffix}", f"gcp_seed_{suffix}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    yield role, schema
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_after_the_seed_script_the_api_user_serves_reads_and_writes_but_cannot_alter_the_schema(
    api_role: tuple[str, str],
) -> None:
    role, schema = api_role
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PGPASSWORD": "unused-with-trust-auth",  # locally: no IAM token to fetch
        "SEED_STORE": ADMIN_DSN,
        "SEED_SCHEMA": schema,
        "SEED_COMPANIES": "120",
        "API_DB_USER": role,
    }
    done = subprocess.run(
        [sys.executable, "-c", SEED_SCRIPT], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "seeded and granted" in done.stdout

    api_dsn = f"postgresql://{role}@127.0.0.1:5432/test"

    async def serve() -> None:
        # As the API on Cloud Run opens it (COMPANY_API_DB_MIGRATE=false): the seed job owns the migrations.
        store = PostgresStore(api_dsn, schema=schema, migrate=False)
        try:
            with anyio.fail_after(30):
                page = await store.search_companies(CompanyFilters(), PageRequest(limit=5))
                assert len(page.items) == 5
                company = await store.get_company(company_id=page.items[0].id)
                collection, created = await store.create_collection("owner-1", "prospects", None)
                assert created
                added = await store.add_to_collection("owner-1", collection.id, [company.id])
                assert added is not None
                discovery, started = await store.request_email_discovery("owner-1", company.id, ["sales"])
                assert started and (await store.get_email_discovery("owner-1", discovery.request_id)).request_id
        finally:
            await store.aclose()

    anyio.run(serve)
    for statement in ("CREATE TABLE {}.intruder (x int)", "DROP TABLE {}.companies"):
        with psycopg.connect(api_dsn, autocommit=True) as conn, pytest.raises(errors.InsufficientPrivilege):
            conn.execute(sql.SQL(statement).format(sql.Identifier(schema)))
