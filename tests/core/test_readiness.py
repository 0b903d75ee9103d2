"""/readyz's report: every probe, concurrently, bounded, and cached briefly so polling stays cheap."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from core.readiness import Readiness

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_report_is_reused_within_the_cache_window_and_refreshed_after() -> None:
    calls = 0
    healthy = True

    async def store() -> None:
        nonlocal calls
        calls += 1
        if not healthy:
            raise ConnectionError("down")

    clock = Clock()
    readiness = Readiness({"store": store}, cache_s=1.0, clock=clock)
    assert await readiness.checks() == {"store": "ok"}
    healthy = False
    clock.now = 0.5
    assert await readiness.checks() == {"store": "ok"} and calls == 1  # within the window: no second probe
    clock.now = 1.0
    assert await readiness.checks() == {"store": "failed: ConnectionError"} and calls == 2


async def test_concurrent_requests_share_one_round_and_a_hung_probe_is_bounded() -> None:
    calls = 0

    async def hung() -> None:
        nonlocal calls
        calls += 1
        await anyio.sleep(30)

    readiness = Readiness({"audit": hung, "flags": lambda: anyio.lowlevel.checkpoint()}, cache_s=10, timeout_s=0.2)
    reports: list[dict[str, str]] = []

    async def ask() -> None:
        reports.append(await readiness.checks())

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(ask)
    assert calls == 1
    assert reports == [{"audit": "failed: TimeoutError", "flags": "ok"}] * 5
