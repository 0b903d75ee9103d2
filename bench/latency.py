"""Sequential latency over one keep-alive connection, and the store's own time in-process."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from bench.wire import call_body, call_headers, is_ok


@dataclass(frozen=True)
class Distribution:
    samples_ms: list[float]

    def q(self, quantile: float) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p99(self) -> float:
        return self.q(0.99)

    def summary(self) -> dict[str, float]:
        return {"p50_ms": round(self.p50, 4), "p99_ms": round(self.p99, 4), "n": len(self.samples_ms)}


def http_latency(
    url: str, tool: str, arguments: Callable[[int], dict[str, Any]], revision: str, token: str | None, n: int
) -> Distribution:
    samples: list[float] = []
    with httpx.Client(timeout=30) as client:
        headers = call_headers(tool, revision, token)
        for i in range(n + n // 10):  # the first tenth warms up and is dropped
            body = call_body(tool, arguments(i), revision)
            started = time.perf_counter()
            response = client.post(url, content=body, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or not is_ok(response.content):
                raise RuntimeError(f"{tool} failed: {response.status_code} {response.text[:300]}")
            if i >= n // 10:
                samples.append(elapsed)
    return Distribution(samples)


def store_latency(make_store: Callable[[], Any], call: Callable[[Any, int], Any], n: int) -> Distribution:
    async def run() -> Distribution:
        store = make_store()
        samples: list[float] = []
        try:
            for i in range(n + n // 10):
                started = time.perf_counter()
                await call(store, i)
                if i >= n // 10:
                    samples.append((time.perf_counter() - started) * 1000)
        finally:
            await store.aclose()
        return Distribution(samples)

    return anyio.run(run)
