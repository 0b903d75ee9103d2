"""Parity: a fixed script of tool calls gives identical results through the fake adapter (SQLite in-process)
and through the GraphQL adapter (MCP server -> signed HTTP GraphQL -> reference API -> store), on SQLite and
on PostgreSQL. Only next_cursor, quota and the ids/timestamps of objects created during the run may differ."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from companydata.api.identity import SharedSecretAuth
from companydata.api.server import create_api_app
from companydata.sqlite_store import SqliteStore
from core.normalize import diff, normalize
from core.service_key import service_secret
from tests.support import PG_DSN, SMALL_STORE_COMPANIES, ThreadedServer, build_in_process, seeded_postgres_schema

pytestmark = pytest.mark.anyio
NO_LIMITS = "ai_search=1000/minute,request_email_discovery=1000/hour"

Step = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]


def fixed(tool: str, arguments: dict[str, Any]) -> Step:
    return lambda _state: (tool, arguments)


def from_state(tool: str, build: Callable[[dict[str, Any]], dict[str, Any]]) -> Step:
    return lambda state: (tool, build(state))


def script() -> list[Step]:
    """At least 50 calls: searches of every kind, lookups, paging, errors, and idempotent writes."""
    steps: list[Step] = [
        fixed("search_companies", {"limit": 10}),
        fixed("search_companies", {"country": "DE", "limit": 25}),
        fixed("search_companies", {"industry": "Software", "country": "US", "limit": 30}),
        fixed("search_companies", {"min_employees": 500, "limit": 20}),
        fixed("search_companies", {"max_employees": 10, "founded_after": 2015, "limit": 20}),
        fixed("search_companies", {"query": "software", "limit": 20}),
        fixed("search_companies", {"query": "cloud platform", "limit": 20}),
        fixed("search_companies", {"query": "payments", "country": "GB", "limit": 15}),
        fixed("search_companies", {"query": "health", "min_employees": 50, "limit": 15}),
        fixed("search_companies", {"city": "Berlin", "limit": 40}),
        fixed("search_companies", {"founded_before": 1980, "limit": 20}),
        fixed("search_companies", {"query": "zzzz-no-such-word"}),
        fixed("search_companies", {"limit": 500}),
        fixed("search_companies", {"country": "XX"}),
        fixed("search_companies", {"query": "software", "colour": "red"}),
        from_state("search_companies", lambda s: {"country": "DE", "limit": 25, "cursor": s["cursor"]}),
        fixed("ai_search", {"prompt": "fintech companies in Germany with more than 200 employees founded after 2015"}),
        fixed("ai_search", {"prompt": "software companies in the United States", "limit": 30}),
        fixed("ai_search", {"prompt": "small logistics startups in Paris"}),
        fixed("ai_search", {"prompt": "zzqx blorp"}),
    ]
    steps += [fixed("get_company", {"company_id": f"cmp_{i:08d}"}) for i in (0, 1, 7, 42, 999, 2999)]
    steps += [
        fixed("get_company", {"company_id": "cmp_99999999"}),
        fixed("get_company", {}),
        from_state("get_company", lambda s: {"domain": s["domains"][0]}),
        from_state("get_company", lambda s: {"domain": s["domains"][1].upper()}),
        fixed("get_company", {"domain": "no-such-domain.example"}),
        fixed("list_collections", {}),
        fixed("create_collection", {"name": "Prospects", "description": "parity"}),
        fixed("create_collection", {"name": "Prospects", "description": "parity"}),
        fixed("create_collection", {"name": "Partners"}),
        fixed("create_collection", {"name": ""}),
        from_state("add_to_collection", lambda s: {"collection_id": s["collection"], "company_ids": s["ids"][:5]}),
        from_state("add_to_collection", lambda s: {"collection_id": s["collection"], "company_ids": s["ids"][3:8]}),
        from_state("add_to_collection", lambda s: {"collection_id": s["collection"], "company_ids": ["cmp_99999999"]}),
        fixed("add_to_collection", {"collection_id": "col_nope", "company_ids": ["cmp_00000001"]}),
        fixed("list_collections", {}),
        fixed("list_collections", {"limit": 1}),
        from_state("get_collection", lambda s: {"collection_id": s["collection"]}),
        from_state("get_collection", lambda s: {"collection_id": s["collection"], "limit": 3}),
        fixed("get_collection", {"collection_id": "col_nope"}),
        fixed("request_email_discovery", {"company_id": "cmp_00000005", "roles": ["cfo", "ceo"]}),
        fixed("request_email_discovery", {"company_id": "cmp_00000005", "roles": ["ceo", "cfo"]}),
        fixed("request_email_discovery", {"company_id": "cmp_00000006"}),
        fixed("request_email_discovery", {"company_id": "cmp_99999999"}),
        fixed("request_email_discovery", {"company_id": "cmp_00000005", "roles": ["astronaut"]}),
        from_state("get_email_discovery", lambda s: {"request_id": s["request"]}),
        fixed("get_email_discovery", {"request_id": "edr_nope"}),
        fixed("search_companies", {"query": "energy", "industry": "Energy", "limit": 12}),
        fixed("search_companies", {"country": "FR", "min_employees": 20, "max_employees": 2000, "limit": 50}),
        fixed("ai_search", {"prompt": "companies in Japan founded before 2000"}),
        fixed("get_company", {"company_id": "cmp_00001500"}),
    ]
    return steps


def remember(state: dict[str, Any], tool: str, result: dict[str, Any], created: dict[str, str]) -> None:
    """What later steps use, and the objects this run created (named the same way on every side)."""
    if tool == "search_companies" and "items" in result:
        state.setdefault("domains", [item["domain"] for item in result["items"]])
        state.setdefault("ids", [item["id"] for item in result["items"]])
        if result.get("next_cursor") and "cursor" not in state and result["items"][0]["country"] == "DE":
            state["cursor"] = result["next_cursor"]
    if tool == "create_collection" and "collection" in result:
        identity = result["collection"]["id"]
        created.setdefault(identity, f"<collection {result['collection']['name']}>")
        state.setdefault("collection", identity)
    if tool == "request_email_discovery" and "request_id" in result:
        created.setdefault(result["request_id"], f"<request {len(created)}>")
        state.setdefault("request", result["request_id"])


async def run_script(client: Any) -> list[Any]:
    state: dict[str, Any] = {}
    created: dict[str, str] = {}
    raw: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for step in script():
        tool, arguments = step(state)
        result = await client.call_tool(tool, arguments)
        body = result.structured_content or {}
        remember(state, tool, body, created)
        raw.append((tool, arguments, body))
    return [(tool, normalize(body, ignore=("next_cursor", "quota"), created=created)) for tool, _, body in raw]


@asynccontextmanager
async def fake_client(data_dir: Path) -> AsyncIterator[Any]:
    server, runtime = build_in_process(data_dir, rate_limits=NO_LIMITS, discovery_delay_s=600, allow_mutations=True)
    try:
        async with Client(server) as client:
            yield client
    finally:
        await runtime.close()  # type: ignore[misc]


@asynccontextmanager
async def graphql_client(data_dir: Path, backend: Any) -> AsyncIterator[Any]:
    auth = SharedSecretAuth(service_secret(data_dir))  # the MCP server below signs with the data dir's key
    with ThreadedServer(app=create_api_app(backend, service_auth=auth)) as api:
        server, runtime = build_in_process(
            data_dir, adapter="graphql", graphql_url=api.url + "/graphql", rate_limits=NO_LIMITS, allow_mutations=True
        )
        try:
            async with Client(server) as client:
                yield client
        finally:
            await runtime.close()  # type: ignore[misc]


def copy_dir(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def assert_same(baseline: list[Any], candidate: list[Any]) -> None:
    assert len(baseline) == len(candidate) >= 50
    problems = []
    for index, ((tool, a), (_, b)) in enumerate(zip(baseline, candidate, strict=True)):
        for difference in diff(a, b, limit=3):
            problems.append(
                f"step {index} {tool}: {difference.path}: {difference.baseline!r} != {difference.candidate!r}"
            )
    assert not problems, "\n".join(problems[:20])


async def test_fake_and_graphql_over_sqlite_agree(data_dir: Path, tmp_path: Path) -> None:
    async with fake_client(copy_dir(data_dir, tmp_path / "fake")) as client:
        baseline = await run_script(client)
    api_data = copy_dir(data_dir, tmp_path / "api")
    store = SqliteStore(api_data / "companies.sqlite", discovery_delay_s=600)
    async with graphql_client(tmp_path / "mcp", store) as client:
        candidate = await run_script(client)
    assert_same(baseline, candidate)
    errors = [body for _, body in baseline if "error" in body]
    assert 8 <= len(errors) <= len(baseline) - 35  # mostly real results, and typed errors too


@pytest.fixture
def pg_schema() -> Iterator[str]:
    with seeded_postgres_schema("parity", SMALL_STORE_COMPANIES) as schema:
        yield schema


async def test_fake_and_graphql_over_postgresql_agree(data_dir: Path, tmp_path: Path, pg_schema: str) -> None:
    from companydata.postgres_store import PostgresStore

    async with fake_client(copy_dir(data_dir, tmp_path / "fake")) as client:
        baseline = await run_script(client)
    store = PostgresStore(PG_DSN, schema=pg_schema, discovery_delay_s=600)
    async with graphql_client(tmp_path / "mcp", store) as client:
        candidate = await run_script(client)
    assert_same(baseline, candidate)


def test_the_script_is_long_enough() -> None:
    assert len(script()) >= 50
    os.environ.get("CI")  # documented: CI runs both parity tests against the real PostgreSQL
