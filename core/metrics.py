"""The metric names and dimensions every MetricsSink emits, so dashboards and alarms (stacks/) match the code."""

from __future__ import annotations

from typing import Final

from core.catalog import WRITE_TOOLS

NAMESPACE: Final = "CompanyMCP"

# Dimensions of every per-call metric.
DIMENSION_TOOL: Final = "Tool"
DIMENSION_OUTCOME: Final = "Outcome"

CALLS: Final = "ToolCalls"  # Count, one per call
LATENCY: Final = "ToolLatency"  # Milliseconds
ERRORS: Final = "ToolErrors"  # Count, with an extra dimension ErrorType
BLOCKED_MUTATIONS: Final = "BlockedMutations"  # Count: write refused by the mutation gate or a write scope check
RATE_LIMITED: Final = "RateLimitedCalls"  # Count
CAPPED_RESULTS: Final = "CappedResults"  # Count: results clamped to the 100 cap

DIMENSION_ERROR_TYPE: Final = "ErrorType"

ALL_METRICS: Final = (CALLS, LATENCY, ERRORS, BLOCKED_MUTATIONS, RATE_LIMITED, CAPPED_RESULTS)

BLOCKING_ERROR_TYPES: Final = frozenset({"mutations_disabled"})
_FORBIDDEN: Final = "forbidden"


def is_blocked_write(tool: str, error_type: str | None) -> bool:
    """What ``BlockedMutations`` counts, in every sink: a write refused by the mutation gate or a write-scope check."""
    return error_type in BLOCKING_ERROR_TYPES or (error_type == _FORBIDDEN and tool in WRITE_TOOLS)
