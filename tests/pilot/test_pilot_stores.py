"""Pilots across stores: the fake adapter against the GraphQL adapter over SQLite, and SQLite against PostgreSQL
behind the reference API. Same deterministic data on every side, so parity must be 100 %."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from companydata.api.identity import SharedSecretAuth
from companydata.api.server import create_api_app
from companydata.sqlite_store import SqliteStore
from core.service_key import service_secret
from tests.pilot.helpers import copy_store, read_report, run_command
from tests.support import PG_DSN, SMALL_STORE_COMPANIES, ThreadedServer, seeded_postgres_schema


def api_over(store: object, data_dir: Path) -> ThreadedServer:
    """The API over ``store``, verifying callers with ``data_dir``'s key (the pilot's graphql targets sign with it)."""
    auth = SharedSecretAuth(service_secret(data_dir))
    return ThreadedServer(app=create_api_app(store, service_auth=auth))  # type: ignore[arg-type]


def pilot(data_dir: Path, out: Path, baseline: str, candidate: str) -> dict:  # type: ignore[type-arg]
    done = run_command(
        "pilot",
        "--baseline",
        baseline,
        "--candidate",
        candidate,
        "--calls",
        "80",
        "--concurrency",
        "2",
        "--no-progress",
        "--out",
        str(out),
        "--fail-on",
        "parity<100",
        data_dir=data_dir,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = read_report(out)
    assert (out / "report.html").exists() and (out / "report.md").exists()
    return report


def test_fake_against_graphql_over_sqlite(seeded_store: Path, tmp_path: Path) -> None:
    fake_dir = copy_store(seeded_store, tmp_path / "fake")
    api_dir = copy_store(seeded_store, tmp_path / "api")
    with api_over(SqliteStore(api_dir / "companies.sqlite"), fake_dir) as api:
        report = pilot(fake_dir, tmp_path / "out", "local:fake", f"local:graphql={api.url}/graphql")
    assert report["parity"]["overall_pct"] == 100.0 and report["parity"]["compared"] >= 80


@pytest.fixture
def pg_schema() -> Iterator[str]:
    with seeded_postgres_schema("pilot", SMALL_STORE_COMPANIES) as schema:
        yield schema


def test_sqlite_against_postgresql_behind_the_api(seeded_store: Path, tmp_path: Path, pg_schema: str) -> None:
    from companydata.postgres_store import PostgresStore

    api_dir = copy_store(seeded_store, tmp_path / "api")
    mcp_dir = tmp_path / "mcp"
    mcp_dir.mkdir()
    with (
        api_over(SqliteStore(api_dir / "companies.sqlite"), mcp_dir) as sqlite_api,
        api_over(PostgresStore(PG_DSN, schema=pg_schema), mcp_dir) as pg_api,
    ):
        report = pilot(
            mcp_dir, tmp_path / "out", f"local:graphql={sqlite_api.url}/graphql", f"local:graphql={pg_api.url}/graphql"
        )
    assert report["parity"]["overall_pct"] == 100.0 and report["parity"]["compared"] >= 80
