"""The fake MetricsSink: Prometheus counters and histograms, served as text at ``/metrics``."""

from __future__ import annotations

import functools
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from core.ports import CallRecord


class PrometheusMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._calls = Counter(
            "company_mcp_tool_calls", "Tool calls by tool and outcome", ["tool", "outcome"], registry=self.registry
        )
        self._errors = Counter(
            "company_mcp_tool_errors",
            "Tool errors by tool and error type",
            ["tool", "error_type"],
            registry=self.registry,
        )
        self._capped = Counter(
            "company_mcp_capped_results", "Results clamped to the 100 cap", ["tool"], registry=self.registry
        )
        self._latency = Histogram(
            "company_mcp_tool_latency_seconds",
            "Tool call latency",
            ["tool"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )

    def record_call(self, call: CallRecord) -> None:
        calls, latency = self._per_call(call.tool, call.outcome)
        calls.inc()
        latency.observe(call.duration_ms / 1000)
        if call.error_type:
            self._errors.labels(call.tool, call.error_type).inc()
        if call.capped:
            self._capped.labels(call.tool).inc()

    @functools.cache  # noqa: B019 - one sink per process; bounded by tools x outcomes. labels() costs a lock + dict
    def _per_call(self, tool: str, outcome: str) -> tuple[Any, Any]:
        return self._calls.labels(tool, outcome), self._latency.labels(tool)

    def render(self) -> bytes:
        return generate_latest(self.registry)
