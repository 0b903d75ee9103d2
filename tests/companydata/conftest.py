from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from companydata.postgres_schema import drop_schema
from companydata.postgres_seed import seed_postgres
from companydata.seed import seed_sqlite

STORE_SIZE = 2_000
PG_DSN = os.environ.get("COMPANY_MCP_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def seeded_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small seeded store for the session; tests isolate their writes by using their own owner ids."""
    path = tmp_path_factory.mktemp("store") / "companies.sqlite"
    seed_sqlite(path, STORE_SIZE, progress=False)
    return path


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """The local PostgreSQL; its tests are skipped when it does not answer, and fail then when ``CI=true``."""
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    return PG_DSN


def new_schema_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def drop_schema_at(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        drop_schema(conn, schema)


@pytest.fixture(scope="module")
def pg_seeded(pg_dsn: str) -> Iterator[str]:
    """A schema of this test module's own, seeded like ``seeded_path``; dropped afterwards."""
    schema = new_schema_name("test_companies")
    try:
        seed_postgres(pg_dsn, STORE_SIZE, schema=schema, progress=False)
        yield schema
    finally:
        drop_schema_at(pg_dsn, schema)
