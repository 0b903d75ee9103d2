"""``/readyz``: every dependency probed (the store through the data path, flags, audit sink, rate-limit store).

Probes run concurrently, each bounded by ``READINESS_TIMEOUT_S``; the report is kept for
``READINESS_CACHE_S`` and concurrent requests share one probe round, so a load balancer polling
every instance often costs the store one read per second at most, and a failure shows within
about a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import anyio

from core.runtime import Probe

READINESS_TIMEOUT_S = 2.0
READINESS_CACHE_S = 1.0


class Readiness:
    def __init__(
        self,
        probes: Mapping[str, Probe],
        *,
        cache_s: float = READINESS_CACHE_S,
        timeout_s: float = READINESS_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probes = dict(probes)
        self._cache_s = cache_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._lock = anyio.Lock()
        self._report: dict[str, str] | None = None
        self._taken_at = float("-inf")

    async def checks(self) -> dict[str, str]:
        """``{name: "ok" | "failed: <Type>"}``, at most ``cache_s`` old."""
        async with self._lock:  # one round at a time; the ones waiting get its report
            if self._report is None or self._clock() - self._taken_at >= self._cache_s:
                self._report = await self._probe_all()
                self._taken_at = self._clock()
            return dict(self._report)

    async def _probe_all(self) -> dict[str, str]:
        results: dict[str, str] = {}

        async def probe(name: str, check: Probe) -> None:
            try:
                with anyio.fail_after(self._timeout_s):
                    await check()
                results[name] = "ok"
            except Exception as exc:  # readiness reports every failure, by type only
                results[name] = f"failed: {type(exc).__name__}"

        async with anyio.create_task_group() as group:
            for name, check in self._probes.items():
                group.start_soon(probe, name, check)
        return {name: results[name] for name in self._probes}
