"""The MetricsSink on GCP: Cloud Monitoring custom metrics, aggregated in memory and written in the background.

Metric types are ``<COMPANY_MCP_GCP_METRIC_PREFIX><name>`` for every name of ``core.metrics``
(``custom.googleapis.com/company_mcp/ToolCalls``, ...), labels ``tool`` and ``outcome`` (and
``error_type`` on ``ToolErrors``), on this process's ``generic_task`` resource (``resource.py``).
Counts are CUMULATIVE INT64 series; ``ToolLatency`` is a CUMULATIVE DISTRIBUTION in milliseconds
(exponential buckets), so dashboards and alerts read p50/p99 with ALIGN_DELTA + a percentile reducer.
(User-defined metrics cannot be DELTA; CUMULATIVE keeps counts whole across a failed write.)

``record_call`` only updates the in-memory totals (a lock held for microseconds) and starts the
writer on the first call: it never does I/O, never raises. A daemon thread writes every series that
changed, at most once per ``interval_s`` (not below Cloud Monitoring's one point per series per 5 s),
200 series per ``projects.timeSeries.create`` request (the API's maximum). A failed write is counted
and retried with the next flush; nothing is lost, since each point carries the running total.
``aclose`` stops the thread after a last flush.
Hand-written rather than the deprecated OpenTelemetry Cloud Monitoring exporter or the gRPC-only
``google-cloud-monitoring`` client: one JSON POST of a fixed shape, with httpx, which we already ship.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx

from adapters.gcp.access_token import GoogleAccessToken
from adapters.gcp.config import MIN_FLUSH_INTERVAL_S, GcpSettings
from adapters.gcp.resource import monitored_resource
from core.metrics import (
    BLOCKED_MUTATIONS,
    CALLS,
    CAPPED_RESULTS,
    ERRORS,
    LATENCY,
    RATE_LIMITED,
    is_blocked_write,
)
from core.ports import CallRecord

log = logging.getLogger("company_mcp.metrics")

MAX_SERIES_PER_REQUEST = 200
# Latency buckets: 1 ms * 1.5^i, 30 finite buckets (up to about 190 s), plus underflow and overflow.
BUCKETS = {"exponentialBuckets": {"numFiniteBuckets": 30, "growthFactor": 1.5, "scale": 1.0}}
_N_BUCKETS, _GROWTH, _SCALE = 30, 1.5, 1.0
_MAX_LABEL = 1024
RATE_LIMITED_ERROR = "rate_limited"


def bucket_index(value_ms: float) -> int:
    """Index into ``bucketCounts``: 0 underflow (< scale), i for [scale*g^(i-1), scale*g^i), N+1 overflow."""
    if value_ms < _SCALE:
        return 0
    index = math.floor(math.log(value_ms / _SCALE, _GROWTH)) + 1
    return min(index, _N_BUCKETS + 1)


def _label(value: str | None) -> str:
    return ((value or "unknown").strip() or "unknown")[:_MAX_LABEL]


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass
class _Series:
    start: float
    count: int = 0
    mean: float = 0.0
    m2: float = 0.0  # sum of squared deviations (Welford)
    buckets: list[int] = field(default_factory=list)
    dirty: bool = True

    def add_latency(self, value: float) -> None:
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self.m2 += delta * (value - self.mean)
        if not self.buckets:
            self.buckets = [0] * (_N_BUCKETS + 2)
        self.buckets[bucket_index(value)] += 1


SeriesKey = tuple[str, tuple[tuple[str, str], ...]]  # metric name, labels


class CloudMonitoringMetrics:
    """Aggregates calls; ``start()`` begins the background writer, ``flush()`` writes now (tests, shut-down)."""

    def __init__(
        self,
        settings: GcpSettings,
        token: GoogleAccessToken,
        *,
        project: str,
        task: str,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        interval_s: float | None = None,
        min_gap_s: float = MIN_FLUSH_INTERVAL_S,
        background: bool = True,
    ) -> None:
        self._prefix = settings.metric_prefix
        self._url = f"{settings.monitoring_url.rstrip('/')}/v3/projects/{project}/timeSeries"
        self._resource = monitored_resource(settings, project, task)
        self._token = token
        self._transport = transport
        self._clock = clock
        self._interval = settings.metrics_flush_s if interval_s is None else interval_s
        self._min_gap = min_gap_s
        self._series: dict[SeriesKey, _Series] = {}
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_flush = 0.0
        self._background = background  # start the writer thread on the first call
        self._closed = False
        self.dropped = 0  # calls not counted (the lock was busy for too long)
        self.failed_writes = 0
        self.written_points = 0

    # -- the request path -------------------------------------------------------------------------

    def record_call(self, call: CallRecord) -> None:
        if self._background and self._thread is None and not self._closed:
            self.start()
        try:
            tool, outcome = _label(call.tool), _label(call.outcome)
            base = (("outcome", outcome), ("tool", tool))
            latency = max(float(call.duration_ms), 0.0)
            if not math.isfinite(latency):
                latency = 0.0
            counts = [CALLS]
            if is_blocked_write(call.tool, call.error_type):
                counts.append(BLOCKED_MUTATIONS)
            if call.error_type == RATE_LIMITED_ERROR:
                counts.append(RATE_LIMITED)
            if call.capped:
                counts.append(CAPPED_RESULTS)
            if not self._lock.acquire(timeout=0.05):
                self.dropped += 1
                return
            try:
                now = self._clock()
                for name in counts:
                    self._bump((name, base), now)
                if call.outcome != "ok" or call.error_type:
                    labels = (("error_type", _label(call.error_type)), *base)
                    self._bump((ERRORS, tuple(sorted(labels))), now)
                series = self._get((LATENCY, base), now)
                series.add_latency(latency)
                series.dirty = True
            finally:
                self._lock.release()
        except Exception:  # metrics never fail a call
            self.dropped += 1

    def _get(self, key: SeriesKey, now: float) -> _Series:
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series(start=now - 0.001)  # a CUMULATIVE start is before its first end
        return series

    def _bump(self, key: SeriesKey, now: float) -> None:
        series = self._get(key, now)
        series.count += 1
        series.dirty = True

    # -- writing ------------------------------------------------------------------------------------

    def pending(self) -> list[dict[str, Any]]:
        """The time series a flush would write now (every series changed since the last write), and mark them."""
        with self._lock:
            now = self._clock()
            out = [self._time_series(key, series, now) for key, series in self._series.items() if series.dirty]
            for series in self._series.values():
                series.dirty = False
        return out

    def _time_series(self, key: SeriesKey, series: _Series, now: float) -> dict[str, Any]:
        name, labels = key
        interval = {"startTime": _rfc3339(series.start), "endTime": _rfc3339(max(now, series.start + 0.001))}
        if name == LATENCY:
            value: dict[str, Any] = {
                "distributionValue": {
                    "count": str(series.count),
                    "mean": series.mean,
                    "sumOfSquaredDeviation": series.m2,
                    "bucketOptions": BUCKETS,
                    "bucketCounts": [str(n) for n in series.buckets],
                }
            }
            value_type = "DISTRIBUTION"
        else:
            value, value_type = {"int64Value": str(series.count)}, "INT64"
        return {
            "metric": {"type": f"{self._prefix}{name}", "labels": dict(labels)},
            "resource": self._resource,
            "metricKind": "CUMULATIVE",
            "valueType": value_type,
            **({"unit": "ms"} if name == LATENCY else {}),
            "points": [{"interval": interval, "value": value}],
        }

    async def flush(self) -> int:
        """Write every changed series now; returns the number written. Never raises."""
        if not self._flushing.acquire(blocking=False):
            return 0  # another flush is writing
        try:
            return await self._flush()
        finally:
            self._flushing.release()

    async def _flush(self) -> int:
        gap = self._min_gap - (self._clock() - self._last_flush)
        if gap > 0:
            await anyio.sleep(gap)  # one point per series per min_gap_s at most
        batch = self.pending()
        if not batch:
            return 0
        self._last_flush = self._clock()
        written = 0
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=10.0, trust_env=False) as http:
                headers = await self._token.headers()
                for first in range(0, len(batch), MAX_SERIES_PER_REQUEST):
                    chunk = batch[first : first + MAX_SERIES_PER_REQUEST]
                    response = await http.post(self._url, json={"timeSeries": chunk}, headers=headers)
                    if response.status_code != 200:
                        raise httpx.HTTPStatusError(
                            f"HTTP {response.status_code}", request=response.request, response=response
                        )
                    written += len(chunk)
        except Exception as exc:  # HTTP faults, no token, or anything unforeseen: the writer thread must live on
            self.failed_writes += 1
            self._mark_dirty(batch[written:])
            log.warning("Cloud Monitoring write failed (%s); retrying with the next flush", type(exc).__name__)
        self.written_points += written
        return written

    def _mark_dirty(self, unwritten: list[dict[str, Any]]) -> None:
        keys = {
            (ts["metric"]["type"].removeprefix(self._prefix), tuple(sorted(ts["metric"]["labels"].items())))
            for ts in unwritten
        }
        with self._lock:
            for key, series in self._series.items():
                if (key[0], tuple(sorted(key[1]))) in keys:
                    series.dirty = True

    # -- the background writer ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._run, name="cloud-monitoring-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        async def loop() -> None:
            while True:
                stopping = await anyio.to_thread.run_sync(self._stop.wait, self._interval)
                await self.flush()
                if stopping:
                    return

        anyio.run(loop)

    async def aclose(self) -> None:
        """Stop the writer after a last flush (SIGTERM on Cloud Run gives 10 s)."""
        self._closed = True
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            await anyio.to_thread.run_sync(thread.join, self._min_gap + 5.0)
