"""The whole request path as real processes: MCP client -> `company-mcp serve --adapter graphql` over HTTP
-> `company-mcp api` (the reference GraphQL API) -> the store."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from tests.support import server_env, start_server
from tests.tooling import call_every_tool, check_every_result, error

pytestmark = pytest.mark.anyio
API_READY = re.compile(r"company-api ready .* url=(?P<url>\S+)")


@pytest.fixture
def api_url(data_dir: Path) -> Iterator[str]:
    log = data_dir / "api.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "api", "--port", "0"],
            env={**server_env(data_dir), "COMPANY_MCP_DISCOVERY_DELAY_S": "0.5"},
            stdout=subprocess.DEVNULL,
            stderr=handle,
        )
    try:
        deadline = time.monotonic() + 30
        while not (match := API_READY.search(log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield match.group("url")
    finally:
        process.terminate()
        process.wait(15)


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_every_tool_through_the_graphql_adapter_over_http(data_dir: Path, api_url: str, mode: str) -> None:
    mcp_dir = data_dir.parent / f"mcp-{mode}"
    mcp_dir.mkdir()
    server = start_server(mcp_dir, "--adapter", "graphql", "--graphql-url", api_url, "--allow-mutations")
    try:
        assert "adapter=graphql" in server.ready_line
        async with Client(server.url, mode=mode) as client:  # type: ignore[arg-type]
            check_every_result(await call_every_tool(client))
            missing = error(await client.call_tool("get_company", {"company_id": "cmp_99999999"}))
            assert missing["type"] == "not_found"
    finally:
        server.stop()
    assert not (mcp_dir / "companies.sqlite").exists()  # the MCP server used the API, not a local store


async def test_an_unreachable_api_is_a_typed_error_not_a_hang(data_dir: Path) -> None:
    server = start_server(data_dir, "--adapter", "graphql", "--graphql-url", "http://127.0.0.1:9/graphql")
    try:
        async with Client(server.url) as client:
            started = time.monotonic()
            body = error(await client.call_tool("search_companies", {"limit": 1}))
            assert body["type"] == "backend_unavailable" and time.monotonic() - started < 10
    finally:
        server.stop()
