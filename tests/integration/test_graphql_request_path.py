"""The whole request path as real processes: MCP client -> `company-mcp serve --adapter graphql` over HTTP
-> `company-mcp api` (the reference GraphQL API) -> the store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from core.service_key import service_key_path
from tests.support import ServerProcess, start_api, start_server
from tests.tooling import call_every_tool, check_every_result, error

pytestmark = pytest.mark.anyio


@pytest.fixture
def api(data_dir: Path) -> Iterator[ServerProcess]:
    """``company-mcp api`` on the data dir, as a developer starts it (no auth option), over a store kept elsewhere
    so that the MCP server on the same data dir could not quietly use the store itself."""
    store = data_dir.parent / "api-store" / "companies.sqlite"
    store.parent.mkdir()
    for suffix in ("", "-wal", "-shm"):
        if (data_dir / f"companies.sqlite{suffix}").exists():
            (data_dir / f"companies.sqlite{suffix}").rename(store.with_name(store.name + suffix))
    process = start_api(data_dir, "--store", str(store))
    try:
        yield process
    finally:
        process.stop()


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_every_tool_through_the_graphql_adapter_over_http(data_dir: Path, api: ServerProcess, mode: str) -> None:
    """``serve --adapter graphql --graphql-url URL`` against ``api`` on the same data dir: no extra flag, the
    service caller is verified by the data dir's api-service.key."""
    server = start_server(data_dir, "--adapter", "graphql", "--graphql-url", api.url, "--allow-mutations")
    try:
        assert "adapter=graphql" in server.ready_line
        async with Client(server.url, mode=mode) as client:  # type: ignore[arg-type]
            check_every_result(await call_every_tool(client))
            missing = error(await client.call_tool("get_company", {"company_id": "cmp_99999999"}))
            assert missing["type"] == "not_found"
    finally:
        server.stop()
    assert not (data_dir / "companies.sqlite").exists()  # the MCP server used the API, not a local store


async def test_another_data_dirs_mcp_server_is_refused(data_dir: Path, api: ServerProcess) -> None:
    other = data_dir.parent / "elsewhere"
    other.mkdir()
    server = start_server(other, "--adapter", "graphql", "--graphql-url", api.url, "--allow-mutations")
    try:
        async with Client(server.url) as client:
            refused = error(await client.call_tool("create_collection", {"name": "from elsewhere"}))
            assert refused["type"] == "backend_error"
    finally:
        server.stop()
    same = data_dir.parent / "same-secret"
    same.mkdir()
    secret = service_key_path(data_dir).read_text()  # or hand the key over as a setting
    server = start_server(
        same, "--adapter", "graphql", "--graphql-url", api.url, api_shared_secret=secret, allow_mutations=True
    )
    try:
        async with Client(server.url) as client:
            assert error(await client.call_tool("get_company", {"company_id": "cmp_99999999"}))["type"] == "not_found"
    finally:
        server.stop()


async def test_an_unreachable_api_is_a_typed_error_not_a_hang(data_dir: Path) -> None:
    server = start_server(data_dir, "--adapter", "graphql", "--graphql-url", "http://127.0.0.1:9/graphql")
    try:
        async with Client(server.url) as client:
            started = time.monotonic()
            body = error(await client.call_tool("search_companies", {"limit": 1}))
            assert body["type"] == "backend_unavailable" and time.monotonic() - started < 10
    finally:
        server.stop()
