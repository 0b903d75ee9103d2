"""The MetricsSink on AWS: one CloudWatch Embedded Metric Format (EMF) line per tool call on stdout.

Lambda (and the CloudWatch agent on ECS/EC2) ships stdout to CloudWatch Logs, which extracts the
metrics from each EMF document: no API call and no client on the request path. The names and
dimensions are ``core.metrics``'s, which the stack's dashboard and alarms use.

One line carries two metric directives (EMF applies every dimension set of a directive to all
its metrics, so the error count, which has the extra ``ErrorType`` dimension, needs its own)::

    {"_aws": {"Timestamp": 1767225600000, "CloudWatchMetrics": [
        {"Namespace": "CompanyMCP", "Dimensions": [["Tool", "Outcome"]],
         "Metrics": [{"Name": "ToolCalls", "Unit": "Count"}, {"Name": "ToolLatency", "Unit": "Milliseconds"}, ...]},
        {"Namespace": "CompanyMCP", "Dimensions": [["Tool", "Outcome", "ErrorType"]],
         "Metrics": [{"Name": "ToolErrors", "Unit": "Count"}]}]},
     "Tool": "create_collection", "Outcome": "error", "ErrorType": "mutations_disabled",
     "ToolCalls": 1, "ToolLatency": 3.2, "ToolErrors": 1, "BlockedMutations": 1, "request_id": "..."}

``ToolCalls`` and ``ToolLatency`` are in every line; ``ToolErrors``, ``BlockedMutations``,
``RateLimitedCalls`` and ``CappedResults`` only when they happened (value 1), so quiet tools
create no metric series; alarms on them treat missing data as not breaching.

Hand-written rather than ``aws-embedded-metrics``: that library builds a per-call context, picks
a sink by probing the environment and flushes through its own logger or an async decorator; one
``json.dumps`` of a fixed shape per call is simpler, faster and has no dependency. The principal
is not written (it is personal data and would not be a dimension anyway); ``request_id`` is, to
correlate with the call's log line.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from core.metrics import (
    BLOCKED_MUTATIONS,
    CALLS,
    CAPPED_RESULTS,
    DIMENSION_ERROR_TYPE,
    DIMENSION_OUTCOME,
    DIMENSION_TOOL,
    ERRORS,
    LATENCY,
    NAMESPACE,
    RATE_LIMITED,
    is_blocked_write,
)
from core.ports import CallRecord

COUNT = "Count"
MILLISECONDS = "Milliseconds"
RATE_LIMITED_ERROR = "rate_limited"
_MAX_DIMENSION_VALUE = 1024  # CloudWatch's limit on a dimension value


def _dimension(value: str | None) -> str:
    text = (value or "unknown").strip() or "unknown"
    return text[:_MAX_DIMENSION_VALUE]


class CloudWatchEmfMetrics:
    """Writes one EMF JSON line per call to ``stream`` (default: stdout). Never blocks on a lock, never raises.

    ``BlockedMutations`` counts what ``core.metrics.is_blocked_write`` says is a blocked write.
    """

    def __init__(
        self,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()  # one line at a time, never interleaved
        self.dropped = 0

    def record_call(self, call: CallRecord) -> None:
        try:
            line = json.dumps(self.document(call), separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):  # a NaN latency or an odd value: drop the line, not the call
            self.dropped += 1
            return
        stream = self._stream or sys.stdout
        # Another call mid-write means a slow stream: drop this line rather than wait (metrics never block).
        if not self._lock.acquire(blocking=False):
            self.dropped += 1
            return
        try:
            stream.write(line + "\n")
            stream.flush()
        except Exception:  # a closed or broken stream never fails a call
            self.dropped += 1
        finally:
            self._lock.release()

    def document(self, call: CallRecord) -> dict[str, Any]:
        """The EMF document of one call (public for tests and for the stack's documentation)."""
        tool, outcome = _dimension(call.tool), _dimension(call.outcome)
        error_type = _dimension(call.error_type) if call.outcome != "ok" or call.error_type else None
        metrics: list[dict[str, str]] = [{"Name": CALLS, "Unit": COUNT}, {"Name": LATENCY, "Unit": MILLISECONDS}]
        values: dict[str, float] = {CALLS: 1, LATENCY: round(max(call.duration_ms, 0.0), 3)}
        if is_blocked_write(call.tool, call.error_type):
            metrics.append({"Name": BLOCKED_MUTATIONS, "Unit": COUNT})
            values[BLOCKED_MUTATIONS] = 1
        if error_type == RATE_LIMITED_ERROR:
            metrics.append({"Name": RATE_LIMITED, "Unit": COUNT})
            values[RATE_LIMITED] = 1
        if call.capped:
            metrics.append({"Name": CAPPED_RESULTS, "Unit": COUNT})
            values[CAPPED_RESULTS] = 1
        directives: list[dict[str, Any]] = [
            {"Namespace": NAMESPACE, "Dimensions": [[DIMENSION_TOOL, DIMENSION_OUTCOME]], "Metrics": metrics}
        ]
        members: dict[str, Any] = {DIMENSION_TOOL: tool, DIMENSION_OUTCOME: outcome}
        if error_type is not None:
            directives.append(
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION_TOOL, DIMENSION_OUTCOME, DIMENSION_ERROR_TYPE]],
                    "Metrics": [{"Name": ERRORS, "Unit": COUNT}],
                }
            )
            members[DIMENSION_ERROR_TYPE] = error_type
            values[ERRORS] = 1
        return {
            "_aws": {"Timestamp": int(self._clock() * 1000), "CloudWatchMetrics": directives},
            **members,
            **values,
            "request_id": call.request_id,
            "result_count": call.result_count,
        }
