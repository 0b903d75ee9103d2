"""Rate limits hold per principal and tool, in-process and shared through Redis across processes."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import in_process_client, start_server
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio


async def test_sixth_ai_search_in_a_minute_is_rate_limited(data_dir: Path) -> None:
    async with in_process_client(data_dir) as client:
        quotas = [ok(await client.call_tool("ai_search", {"prompt": "software"}))["quota"] for _ in range(5)]
        assert [q["remaining"] for q in quotas] == [4, 3, 2, 1, 0]
        assert all(q["limit"] == 5 and 0 < q["reset_s"] <= 60 for q in quotas)
        body = error(await client.call_tool("ai_search", {"prompt": "software"}))
        assert body["type"] == "rate_limited" and 0 < body["retry_after_s"] <= 60
        # other tools are not limited by ai_search's budget
        ok(await client.call_tool("search_companies", {"query": "software"}))


async def test_rate_limits_are_configurable(data_dir: Path) -> None:
    async with in_process_client(data_dir, rate_limits="ai_search=2/hour", allow_mutations=True) as client:
        for _ in range(2):
            ok(await client.call_tool("ai_search", {"prompt": "software"}))
        assert error(await client.call_tool("ai_search", {"prompt": "x"}))["retry_after_s"] > 60
        # request_email_discovery is unlimited under this configuration: no quota, rather than zeros read as exhausted
        result = ok(await client.call_tool("request_email_discovery", {"company_id": "cmp_00000001"}))
        assert "quota" not in result and result["created"] is True


async def test_two_server_processes_share_one_budget_through_redis(data_dir: Path, redis_url: str) -> None:
    first = start_server(data_dir, redis_url=redis_url)
    second = start_server(data_dir, redis_url=redis_url)
    try:
        remaining = []
        for index in range(5):
            url = (first if index % 2 == 0 else second).url
            async with Client(url) as client:
                remaining.append(ok(await client.call_tool("ai_search", {"prompt": "software"}))["quota"]["remaining"])
        assert remaining == [4, 3, 2, 1, 0]
        for server in (first, second):
            async with Client(server.url) as client:
                assert error(await client.call_tool("ai_search", {"prompt": "software"}))["type"] == "rate_limited"
    finally:
        first.stop()
        second.stop()


async def test_workers_share_one_budget_through_redis(data_dir: Path, redis_url: str) -> None:
    server = start_server(data_dir, "--workers", "2", redis_url=redis_url)
    try:
        outcomes = []
        for _ in range(7):
            async with Client(server.url) as client:
                result = await client.call_tool("ai_search", {"prompt": "software"})
                outcomes.append("limited" if result.is_error else "ok")
        assert outcomes == ["ok"] * 5 + ["limited"] * 2
    finally:
        server.stop()


async def test_unreachable_redis_refuses_rate_limited_calls_with_a_typed_error(data_dir: Path) -> None:
    async with in_process_client(data_dir, redis_url="redis://127.0.0.1:1/0") as client:
        body = error(await client.call_tool("ai_search", {"prompt": "software"}))
        assert body["type"] == "unavailable" and "rate-limit store" in body["message"]
        ok(await client.call_tool("get_company", {"company_id": "cmp_00000001"}))  # unlimited tools still work
