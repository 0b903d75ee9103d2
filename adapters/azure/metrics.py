"""The MetricsSink on Azure: Application Insights through the Azure Monitor OpenTelemetry exporter.

Two signals per tool call, both off the request path (in-memory aggregation and a bounded queue,
exported by the OpenTelemetry SDK's own background threads):

- metrics (``customMetrics``): ``core.metrics``'s names, the same as every other sink. Counters
  ``ToolCalls``, ``ToolErrors`` (with ``ErrorType``), ``BlockedMutations``, ``RateLimitedCalls``,
  ``CappedResults`` and the histogram ``ToolLatency``, with the dimensions ``Tool`` and ``Outcome``.
  The OpenTelemetry SDK lowercases instrument names; one ``View`` per instrument restores the case,
  so the stack's alerts and workbook find ``ToolCalls``, not ``toolcalls``.
- one ``ToolCall`` custom event per call (``customEvents``), with ``tool``, ``outcome``,
  ``error_type``, ``duration_ms``, ``blocked_write`` (``core.metrics.is_blocked_write``),
  ``result_count``, ``capped`` and ``request_id``: a histogram reaches Application Insights only as
  sum/count/min/max, so p50/p99 are computed from these events with ``percentile()`` in KQL.

The principal is not sent (personal data). ``record_call`` never blocks or raises: a full export
queue drops the event (the SDK's batch processor), and any other fault is counted in ``dropped``.
"""

from __future__ import annotations

import logging
from typing import Any

from azure.core.credentials import TokenCredential
from azure.monitor.opentelemetry.exporter import AzureMonitorLogExporter, AzureMonitorMetricExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.resources import Resource

from core.metrics import (
    ALL_METRICS,
    BLOCKED_MUTATIONS,
    CALLS,
    CAPPED_RESULTS,
    DIMENSION_ERROR_TYPE,
    DIMENSION_OUTCOME,
    DIMENSION_TOOL,
    ERRORS,
    LATENCY,
    RATE_LIMITED,
    is_blocked_write,
)
from core.ports import CallRecord

TOOL_CALL_EVENT = "ToolCall"
CUSTOM_EVENT_NAME = "microsoft.custom_event.name"  # the attribute that makes a log record a custom event
_MAX_VALUE_CHARS = 1024
log = logging.getLogger("company_mcp.azure.metrics")


def _dimension(value: str | None) -> str:
    text = (value or "unknown").strip() or "unknown"
    return text[:_MAX_VALUE_CHARS]


def telemetry_resource(role: str) -> Resource:
    """``service.name`` becomes the envelopes' ``cloud_RoleName``."""
    return Resource.create({"service.name": role})


def exporter_options(*, credential: TokenCredential | None, disable_offline_storage: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"disable_offline_storage": disable_offline_storage}
    if credential is not None:
        options["credential"] = credential
    return options


class AppInsightsMetrics:
    """The constructor builds the providers (no network I/O until the first export); ``aclose`` flushes them."""

    def __init__(
        self,
        connection_string: str,
        *,
        credential: TokenCredential | None = None,
        export_interval_s: float = 60.0,
        role: str = "company-mcp",
        disable_offline_storage: bool = False,
    ) -> None:
        options = exporter_options(credential=credential, disable_offline_storage=disable_offline_storage)
        resource = telemetry_resource(role)
        reader = PeriodicExportingMetricReader(
            AzureMonitorMetricExporter(connection_string=connection_string, **options),
            export_interval_millis=export_interval_s * 1000,
        )
        views = [View(instrument_name=name.lower(), name=name) for name in ALL_METRICS]
        self._meters = MeterProvider(metric_readers=[reader], resource=resource, views=views)
        meter = self._meters.get_meter("company_mcp")
        self._calls = meter.create_counter(CALLS, unit="1")
        self._errors = meter.create_counter(ERRORS, unit="1")
        self._blocked = meter.create_counter(BLOCKED_MUTATIONS, unit="1")
        self._rate_limited = meter.create_counter(RATE_LIMITED, unit="1")
        self._capped = meter.create_counter(CAPPED_RESULTS, unit="1")
        self._latency = meter.create_histogram(LATENCY, unit="ms")
        self._logs = LoggerProvider(resource=resource)
        self._logs.add_log_record_processor(
            BatchLogRecordProcessor(AzureMonitorLogExporter(connection_string=connection_string, **options))
        )
        self._events = self._logs.get_logger("company_mcp.tool_calls")
        self.dropped = 0

    def record_call(self, call: CallRecord) -> None:
        try:
            self._record(call)
        except Exception:  # metrics never fail a call
            self.dropped += 1

    def _record(self, call: CallRecord) -> None:
        tool, outcome = _dimension(call.tool), _dimension(call.outcome)
        dimensions = {DIMENSION_TOOL: tool, DIMENSION_OUTCOME: outcome}
        blocked = is_blocked_write(call.tool, call.error_type)
        duration = max(float(call.duration_ms), 0.0)
        self._calls.add(1, dimensions)
        self._latency.record(duration, dimensions)
        if call.outcome != "ok" or call.error_type:
            self._errors.add(1, {**dimensions, DIMENSION_ERROR_TYPE: _dimension(call.error_type)})
        if blocked:
            self._blocked.add(1, dimensions)
        if call.error_type == "rate_limited":
            self._rate_limited.add(1, dimensions)
        if call.capped:
            self._capped.add(1, dimensions)
        attributes: dict[str, Any] = {
            CUSTOM_EVENT_NAME: TOOL_CALL_EVENT,
            "tool": tool,
            "outcome": outcome,
            "error_type": call.error_type or "",
            "duration_ms": round(duration, 3),
            "blocked_write": "true" if blocked else "false",
            "capped": "true" if call.capped else "false",
            "request_id": call.request_id,
        }
        if call.result_count is not None:
            attributes["result_count"] = call.result_count
        self._events.emit(body=TOOL_CALL_EVENT, attributes=attributes)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Export what is pending now (tests, and before the process ends)."""
        millis = int(timeout_s * 1000)
        return bool(self._meters.force_flush(millis)) & bool(self._logs.force_flush(millis))

    def close(self) -> None:
        try:
            self._logs.shutdown()
            self._meters.shutdown()
        except Exception as exc:  # shutting down never fails the process's exit
            log.warning("Application Insights exporters did not shut down cleanly: %s", type(exc).__name__)
