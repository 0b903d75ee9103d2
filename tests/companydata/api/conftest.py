"""Fixtures: the reference API under real uvicorn over a seeded store: SQLite always, PostgreSQL when it answers.

PostgreSQL (``postgresql://postgres@127.0.0.1:5432/test``, or ``COMPANY_MCP_TEST_POSTGRES_DSN``) is seeded into
a schema of its own, dropped at the end. Unavailable, its tests are skipped locally and fail when ``CI=true``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from companydata.api.server import create_api_app
from companydata.seed import seed_sqlite
from companydata.sqlite_store import SqliteStore
from core.ports import Backend
from tests.support import PG_DSN, seeded_postgres_schema

from .support import ApiClient, LiveServer, service_auth, signed_client

API_STORE_SIZE = 2_000
STORE_KINDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def api_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the API tests; each test writes only as its own principals, so they do not interfere."""
    path = tmp_path_factory.mktemp("api-store") / "companies.sqlite"
    seed_sqlite(path, API_STORE_SIZE, progress=False)
    return path


@pytest.fixture(scope="session")
def sqlite_api(api_store_path: Path) -> Iterator[LiveServer]:
    app = create_api_app(SqliteStore(api_store_path, discovery_delay_s=0), service_auth=service_auth())
    with LiveServer(app) as server:
        yield server


@pytest.fixture
async def api(sqlite_api: LiveServer) -> AsyncIterator[ApiClient]:
    async with signed_client(timeout=30) as http:
        yield ApiClient(http, sqlite_api.url)


@pytest.fixture
def alice() -> str:
    return f"https://issuer.test|alice-{uuid.uuid4()}"


@pytest.fixture
def bob() -> str:
    return f"https://issuer.test|bob-{uuid.uuid4()}"


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A schema of our own, seeded with the same companies as the SQLite store."""
    with seeded_postgres_schema("api_test", API_STORE_SIZE) as schema:
        yield schema


def postgres_store(schema: str, **options: Any) -> Backend:
    from companydata.postgres_store import PostgresStore

    store: Backend = PostgresStore(PG_DSN, schema=schema, **options)
    return store


@pytest.fixture(scope="session")
def postgresql_api(postgres_schema: str) -> Iterator[LiveServer]:
    app = create_api_app(postgres_store(postgres_schema, discovery_delay_s=0), service_auth=service_auth())
    with LiveServer(app) as server:
        yield server


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def any_api(store_kind: str, request: pytest.FixtureRequest) -> AsyncIterator[ApiClient]:
    """The API over each store kind in turn (``sqlite_api`` / ``postgresql_api``)."""
    server: LiveServer = request.getfixturevalue(f"{store_kind}_api")
    async with signed_client(timeout=30) as http:
        yield ApiClient(http, server.url)


@pytest.fixture
async def any_store(store_kind: str, request: pytest.FixtureRequest, api_store_path: Path) -> AsyncIterator[Backend]:
    """The store behind ``any_api``, read directly: what the API should answer."""
    if store_kind == "sqlite":
        direct: Backend = SqliteStore(api_store_path)
    else:
        direct = postgres_store(request.getfixturevalue("postgres_schema"), migrate=False)
    try:
        yield direct
    finally:
        await direct.aclose()
