"""HTTP promises: deadlines, body cap, Origin checks, health and readiness, metrics, draining on shutdown."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from adapters.bootstrap import build_runtime
from core.config import Settings
from core.model import CompanyFilters, CompanySummary, Page, PageRequest
from core.readiness import READINESS_CACHE_S
from tests.support import ThreadedServer
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "get_company", "arguments": {"company_id": "cmp_00000001"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


class SlowSearch:
    """Wraps a real backend and makes search_companies take ``delay_s``."""

    def __init__(self, inner: Any, delay_s: float) -> None:
        self._inner = inner
        self.delay_s = delay_s

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def search_companies(self, filters: CompanyFilters, page: PageRequest) -> Page[CompanySummary]:
        await anyio.sleep(self.delay_s)
        return await self._inner.search_companies(filters, page)


@pytest.fixture
def slow_server(data_dir: Path) -> Iterator[tuple[ThreadedServer, SlowSearch]]:
    settings = Settings(data_dir=data_dir, auth="none", call_timeout_s=0.5, max_body_bytes=64 * 1024)
    runtime = build_runtime(settings)
    slow = SlowSearch(runtime.ports.backend, delay_s=5)
    runtime = dataclasses.replace(runtime, ports=dataclasses.replace(runtime.ports, backend=slow))
    with ThreadedServer(settings, runtime) as server:
        yield server, slow


async def test_a_slow_backend_ends_in_timeout_within_the_deadline(
    slow_server: tuple[ThreadedServer, SlowSearch],
) -> None:
    server, _ = slow_server
    async with Client(server.url + "/mcp") as client:
        started = time.monotonic()
        body = error(await client.call_tool("search_companies", {"query": "software"}))
        elapsed = time.monotonic() - started
    assert body["type"] == "timeout"
    assert elapsed < 0.5 * 1.1 + 0.3


async def test_shutdown_drains_calls_in_flight(slow_server: tuple[ThreadedServer, SlowSearch]) -> None:
    server, slow = slow_server
    slow.delay_s = 0.4  # under the 0.5 s deadline
    results: list[Any] = []
    async with Client(server.url + "/mcp") as client:
        await client.list_tools()  # the client validates results against output schemas: fetch them first

        async def call() -> None:
            results.append(await client.call_tool("search_companies", {"query": "software"}))

        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            await anyio.sleep(0.2)
            server.server.should_exit = True  # what SIGTERM does
    assert ok(results[0])["items"]


def test_request_body_is_capped(slow_server: tuple[ThreadedServer, SlowSearch]) -> None:
    server, _ = slow_server
    big = dict(INIT, params={"name": "search_companies", "arguments": {"query": "x" * 100_000}})
    response = httpx.post(server.url + "/mcp", json=big, headers=HEADERS)
    assert response.status_code == 413


def test_foreign_origin_is_refused(slow_server: tuple[ThreadedServer, SlowSearch]) -> None:
    server, _ = slow_server
    response = httpx.post(server.url + "/mcp", json=INIT, headers={**HEADERS, "Origin": "http://evil.example"})
    assert response.status_code == 403
    allowed = httpx.post(server.url + "/mcp", json=INIT, headers={**HEADERS, "Origin": server.url})
    assert allowed.status_code == 200


def test_foreign_host_is_misdirected(slow_server: tuple[ThreadedServer, SlowSearch]) -> None:
    """DNS rebinding: the same rules (core.hosts) as the company API's /graphql."""
    server, _ = slow_server
    rebound = httpx.post(server.url + "/mcp", json=INIT, headers={**HEADERS, "Host": "attacker.example"})
    assert rebound.status_code == 421


def test_health_readiness_and_metrics(slow_server: tuple[ThreadedServer, SlowSearch], data_dir: Path) -> None:
    server, _ = slow_server
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200 and set(ready.json()["checks"]) == {"store", "flags", "audit", "rate_limits"}
    httpx.post(server.url + "/mcp", json=INIT, headers=HEADERS)
    metrics = httpx.get(server.url + "/metrics").text
    assert 'company_mcp_tool_calls_total{outcome="ok",tool="get_company"} 1.0' in metrics
    (data_dir / "flags.json").write_text("{broken")
    # Readiness is cached for about a second (it reads the store): the failure shows once the report expires.
    deadline = time.monotonic() + 3 * READINESS_CACHE_S + 2
    while (not_ready := httpx.get(server.url + "/readyz")).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not_ready.status_code == 503 and not_ready.json()["checks"]["flags"].startswith("failed")


def test_allowed_origins_are_configurable(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, auth="none", allowed_origins="https://app.example.com")
    with ThreadedServer(settings, build_runtime(settings)) as server:
        mine = httpx.post(server.url + "/mcp", json=INIT, headers={**HEADERS, "Origin": "https://app.example.com"})
        other = httpx.post(server.url + "/mcp", json=INIT, headers={**HEADERS, "Origin": server.url})
    assert (mine.status_code, other.status_code) == (200, 403)
