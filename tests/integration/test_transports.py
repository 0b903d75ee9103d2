"""The SDK client over stdio (server as a subprocess) and over streamable HTTP (uvicorn on a free port)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.support import ServerProcess, server_env, start_server
from tests.tooling import READ_TOOLS, WRITE_TOOLS, call_every_tool, check_every_result

pytestmark = pytest.mark.anyio


def check_tool_list(tools: list) -> None:  # type: ignore[type-arg]
    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == READ_TOOLS | WRITE_TOOLS
    for name, tool in by_name.items():
        assert tool.description and tool.title
        assert tool.input_schema["type"] == "object"
        assert tool.input_schema.get("additionalProperties") is False
        assert tool.output_schema and tool.output_schema["type"] == "object"
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is (name in READ_TOOLS)
        if name in WRITE_TOOLS:
            assert tool.annotations.destructive_hint is False
            assert tool.annotations.idempotent_hint is True
    limit = by_name["search_companies"].input_schema["properties"]["limit"]
    assert "maximum" not in limit and "100" in limit["description"]


async def test_stdio_lists_and_calls_every_tool(data_dir: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli.main", "serve", "--transport", "stdio", "--allow-mutations"],
        env=server_env(data_dir),
    )
    async with Client(params) as client:
        check_tool_list((await client.list_tools()).tools)
        check_every_result(await call_every_tool(client))


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_http_lists_and_calls_every_tool(data_dir: Path, mode: str) -> None:
    server = start_server(data_dir, "--allow-mutations")
    try:
        async with Client(server.url, mode=mode) as client:  # type: ignore[arg-type]
            check_tool_list((await client.list_tools()).tools)
            check_every_result(await call_every_tool(client))
    finally:
        server.stop()


async def test_startup_line_and_one_log_line_per_call(http_server: ServerProcess) -> None:
    assert http_server.ready_line.startswith(
        "company-mcp ready adapter=fake auth=none mutations=false tools=9 transport=http url=http://127.0.0.1:"
    )
    async with Client(http_server.url) as client:
        await client.call_tool("get_company", {"company_id": "cmp_00000007"})
        await client.call_tool("get_company", {"company_id": "cmp_99999999"})
    import json

    calls = [json.loads(line) for line in http_server.log_lines() if '"tool_call"' in line]
    assert [c["outcome"] for c in calls] == ["ok", "error"]
    assert calls[1]["error_type"] == "not_found"
    for record in calls:
        assert {
            "ts",
            "level",
            "event",
            "tool",
            "principal",
            "request_id",
            "duration_ms",
            "outcome",
            "error_type",
            "result_count",
            "capped",
        } <= set(record)


def test_sigterm_stops_the_server_cleanly(data_dir: Path) -> None:
    server = start_server(data_dir)
    # uvicorn drains, then re-raises the captured SIGTERM so the exit status says how the process ended
    assert server.stop(timeout=15) in (0, -signal.SIGTERM)
    assert "Traceback" not in "\n".join(server.log_lines())


async def test_first_start_builds_a_default_store_and_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "fresh"
    server = start_server(empty, seed_companies=500, log_dir=tmp_path)
    try:
        assert "building a default one with 500 companies" in "\n".join(server.log_lines())
        async with Client(server.url) as client:
            result = await client.call_tool("search_companies", {"limit": 100})
            assert result.structured_content and len(result.structured_content["items"]) == 100
    finally:
        server.stop()
