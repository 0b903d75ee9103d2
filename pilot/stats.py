"""Latency percentiles, error rates and throughput of one run, per tool and overall (``ALL``).

Latency is what the client saw per call (request, guards, backend, response). Errors
are split in two: every typed error answer (``tool_error_rate``: not_found and
validation answers are part of a healthy workload) and the faults that mean the
service failed (``error_rate``: backend, timeout, transport and protocol failures).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import SERVER_FAULT_TYPES
from pilot.runner import TargetRun

ALL = "(all)"
# The server's own faults plus what the pilot's client sees when there is no typed answer at all.
FAULT_TYPES = SERVER_FAULT_TYPES | {"untyped_error", "protocol_error", "transport_error", "client_timeout"}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class LatencyStats:
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    @classmethod
    def of(cls, durations: Sequence[float]) -> LatencyStats:
        if not durations:
            return cls(0, math.nan, math.nan, math.nan, math.nan, math.nan)
        return cls(
            count=len(durations),
            p50_ms=percentile(durations, 50),
            p95_ms=percentile(durations, 95),
            p99_ms=percentile(durations, 99),
            mean_ms=sum(durations) / len(durations),
            max_ms=max(durations),
        )


def durations_by_tool(run: TargetRun) -> dict[str, list[float]]:
    by_tool: dict[str, list[float]] = {}
    for record in sorted(run.executed(), key=lambda r: r.step):
        if record.duration_ms is not None:
            by_tool.setdefault(record.tool, []).append(record.duration_ms)
    return by_tool


def latency(run: TargetRun) -> dict[str, LatencyStats]:
    by_tool = durations_by_tool(run)
    stats = {tool: LatencyStats.of(values) for tool, values in sorted(by_tool.items())}
    stats[ALL] = LatencyStats.of([v for values in by_tool.values() for v in values])
    return stats


@dataclass(frozen=True, slots=True)
class ErrorStats:
    calls: int
    by_type: dict[str, int]
    faults: int

    @property
    def error_rate(self) -> float:
        return self.faults / self.calls if self.calls else 0.0

    @property
    def tool_error_rate(self) -> float:
        return sum(self.by_type.values()) / self.calls if self.calls else 0.0


def errors(run: TargetRun) -> dict[str, ErrorStats]:
    """Per tool and overall: how many calls ran and how many answered each error type."""
    calls: Counter[str] = Counter()
    types: dict[str, Counter[str]] = {ALL: Counter()}
    for record in run.executed():
        calls[record.tool] += 1
        calls[ALL] += 1
        if record.error_type is not None:
            types.setdefault(record.tool, Counter())[record.error_type] += 1
            types[ALL][record.error_type] += 1
    result: dict[str, ErrorStats] = {}
    for tool in sorted(calls):
        by_type = dict(types.get(tool, Counter()))
        result[tool] = ErrorStats(calls[tool], by_type, sum(n for t, n in by_type.items() if t in FAULT_TYPES))
    return result


def throughput(run: TargetRun) -> float:
    """Calls per second over the run's wall time (at the run's concurrency)."""
    executed = len(run.executed())
    return executed / run.wall_s if run.wall_s > 0 else 0.0


def typical_duration_s(run: TargetRun) -> float:
    """The workload's typical call duration: each tool's p50 weighted by its share of the calls."""
    by_tool = durations_by_tool(run)
    total = sum(len(v) for v in by_tool.values())
    if not total:
        return 0.0
    return sum(len(v) / total * percentile(v, 50) for v in by_tool.values()) / 1000
