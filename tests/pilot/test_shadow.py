"""Shadow mode: diffs against a divergent shadow are counted and logged (paths only); a shadow that is down
or hangs never changes or slows the primary's answers."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from adapters.bootstrap import build_runtime
from core.app import create_server
from core.config import Settings
from core.errors import BackendUnavailable
from core.model import Company, CompanyFilters, CompanySummary, Page, PageRequest
from core.ports import Backend
from core.runtime import Runtime
from core.shadow import ShadowBackend, shadow_running
from tests.tooling import ok

pytestmark = pytest.mark.anyio


class Divergent:
    """The real store, except that companies report one more employee."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def get_company(self, *, company_id: str | None = None, domain: str | None = None) -> Company:
        company = await self._inner.get_company(company_id=company_id, domain=domain)
        return company.model_copy(update={"employee_count": company.employee_count + 1})

    async def aclose(self) -> None:  # the primary owns the store
        return None


class Down:
    """A shadow that fails (``mode="error"``) or hangs (``mode="hang"``) on every call."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        async def fail(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.mode == "hang":
                await anyio.sleep(2)
            raise BackendUnavailable("the shadow is down")

        return fail

    async def aclose(self) -> None:
        return None


def _runtime(data_dir: Path) -> tuple[Settings, Runtime]:
    settings = Settings(data_dir=data_dir, transport="stdio")
    return settings, build_runtime(settings)


@asynccontextmanager
async def _client(settings: Settings, runtime: Runtime, backend: Backend) -> AsyncIterator[Client]:
    runtime = dataclasses.replace(runtime, ports=dataclasses.replace(runtime.ports, backend=backend))
    server = create_server(settings, runtime)
    async with shadow_running(backend), Client(server) as client:
        yield client


async def _eventually(condition: Callable[[], bool]) -> None:
    """Wait for the comparer from outside (its counters are the only signal a caller has)."""
    with anyio.fail_after(10):
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(0.01)


async def _settle(shadow: ShadowBackend, total: int) -> None:
    await _eventually(lambda: shadow.stats.compared + shadow.stats.errors + shadow.stats.dropped >= total)


async def test_a_divergent_shadow_is_counted_and_logged_by_field(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings, runtime = _runtime(data_dir)
    primary = runtime.ports.backend
    shadow = ShadowBackend(primary, Divergent(primary))
    caplog.set_level(logging.WARNING, logger="company_mcp.shadow")
    try:
        async with _client(settings, runtime, shadow) as client:
            company = ok(await client.call_tool("get_company", {"company_id": "cmp_00000042"}))
            page = ok(await client.call_tool("search_companies", {"country": "DE", "limit": 5}))
            await _settle(shadow, 2)
    finally:
        await runtime.close()  # type: ignore[misc]
    truth = await _truth(data_dir, "cmp_00000042")
    assert company["employee_count"] == truth.employee_count  # answered by the primary
    assert len(page["items"]) == 5
    assert shadow.stats.as_dict() == {
        "shadow_compared": 2,
        "shadow_mismatched": 1,
        "shadow_dropped": 0,
        "shadow_errors": 0,
    }
    lines = [r for r in caplog.records if r.getMessage() == "shadow_mismatch"]
    assert len(lines) == 1
    fields = lines[0].fields  # type: ignore[attr-defined]
    assert fields == {"event": "shadow_mismatch", "tool": "get_company", "paths": ["employee_count"]}
    assert str(truth.employee_count) not in json.dumps(fields)  # field paths only, never values


async def _truth(data_dir: Path, company_id: str) -> Company:
    _, runtime = _runtime(data_dir)
    try:
        return await runtime.ports.backend.get_company(company_id=company_id)
    finally:
        await runtime.close()  # type: ignore[misc]


@pytest.mark.parametrize("mode", ["error", "hang"])
async def test_a_shadow_that_is_down_costs_the_caller_nothing(data_dir: Path, mode: str) -> None:
    settings, runtime = _runtime(data_dir)
    primary = runtime.ports.backend
    down = Down(mode)
    shadow = ShadowBackend(primary, down, timeout_s=5)
    try:
        async with _client(settings, runtime, primary) as plain:
            expected = [
                ok(await plain.call_tool("get_company", {"company_id": f"cmp_0000000{i}"})) for i in range(1, 6)
            ]
        async with _client(settings, runtime, shadow) as client:
            answers, slowest = [], 0.0
            for i in range(1, 6):
                started = time.perf_counter()
                answers.append(ok(await client.call_tool("get_company", {"company_id": f"cmp_0000000{i}"})))
                slowest = max(slowest, time.perf_counter() - started)
            if mode == "error":
                await _settle(shadow, 5)
            else:
                await _eventually(lambda: down.calls >= 1)  # asked in the background while the caller moved on
    finally:
        await runtime.close()  # type: ignore[misc]
    assert answers == expected
    assert slowest < 0.5, f"a call waited for the shadow ({slowest:.2f} s)"
    assert down.calls >= 1  # the shadow was asked, off the request path
    if mode == "error":
        assert shadow.stats.errors == 5 and shadow.stats.compared == 0 and shadow.stats.mismatched == 0


async def test_writes_are_never_mirrored_and_a_full_queue_drops(data_dir: Path) -> None:
    _, runtime = _runtime(data_dir)
    primary = runtime.ports.backend
    down = Down("hang")
    shadow = ShadowBackend(primary, down, queue_size=1, workers=1)
    owner = "local|pilot-test"
    try:
        async with shadow:
            await shadow.create_collection(owner, "shadow-write", None)
            for _ in range(4):
                await shadow.search_companies(CompanyFilters(country="DE"), PageRequest(limit=3))
            await _eventually(lambda: down.calls >= 1)
    finally:
        await runtime.close()  # type: ignore[misc]
    assert down.calls == 1  # one read in the worker (hanging), none for the write
    assert shadow.stats.dropped >= 2  # the rest did not fit the queue of one


async def test_without_a_running_comparer_mirrors_are_dropped_not_queued(data_dir: Path) -> None:
    _, runtime = _runtime(data_dir)
    primary = runtime.ports.backend
    shadow = ShadowBackend(primary, Down("error"))
    try:
        page: Page[CompanySummary] = await shadow.search_companies(CompanyFilters(), PageRequest(limit=2))
    finally:
        await runtime.close()  # type: ignore[misc]
    assert len(page.items) == 2 and shadow.stats.dropped == 1


async def test_wrap_with_shadow_mirrors_to_the_graphql_api(data_dir: Path) -> None:
    from adapters.graphql.backend import GraphQLBackend
    from adapters.graphql.shadow import wrap_with_shadow

    settings = Settings(data_dir=data_dir, transport="stdio", shadow_graphql_url="http://127.0.0.1:9/graphql")
    plain = build_runtime(settings.model_copy(update={"shadow_graphql_url": None}))
    assert wrap_with_shadow(plain, Settings(data_dir=data_dir, transport="stdio")) is plain  # off unless set
    runtime = build_runtime(settings)  # the composition root wraps when COMPANY_MCP_SHADOW_GRAPHQL_URL is set
    backend = runtime.ports.backend
    assert isinstance(backend, ShadowBackend) and isinstance(backend.shadow, GraphQLBackend)
    assert set(runtime.readiness) == set(plain.readiness)  # the shadow never decides readiness
    server = create_server(settings, runtime)
    try:
        async with shadow_running(backend), Client(server) as client:
            ok(await client.call_tool("get_company", {"company_id": "cmp_00000003"}))
            await _settle(backend, 1)
    finally:
        await runtime.close()  # type: ignore[misc]
    assert backend.stats.errors == 1  # nothing listens on port 9: counted, never seen by the caller
    assert runtime.metrics_text is not None
    assert "company_mcp_shadow_errors_total 1.0" in runtime.metrics_text().decode()
