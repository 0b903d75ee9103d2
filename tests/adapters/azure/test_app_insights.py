"""Metrics, per-call events and audit events through the real Azure Monitor exporter to a local ingestion stand-in."""

from __future__ import annotations

import json

import anyio
import pytest

from adapters.azure.audit import AUDIT_EVENT, AppInsightsAudit
from adapters.azure.metrics import TOOL_CALL_EVENT, AppInsightsMetrics
from core.audit_chain import AuditKey, verify_chain
from core.metrics import ALL_METRICS, BLOCKED_MUTATIONS, CALLS, ERRORS, LATENCY
from core.ports import AuditRecord, AuditSink, AuditUnavailable, CallRecord, MetricsSink
from tests.adapters.azure.standins import IngestionStandIn

pytestmark = pytest.mark.anyio

KEY = AuditKey(b"k" * 32)


def call(tool: str, *, outcome: str = "ok", error_type: str | None = None, ms: float = 12.5) -> CallRecord:
    return CallRecord(tool, "alice", f"req-{tool}-{ms}", ms, outcome, error_type, 3, False)


def record(phase: str, request_id: str = "r1", decision: str = "allowed") -> AuditRecord:
    return AuditRecord(
        "2026-12-04T03:00:00Z",
        request_id,
        "iss|alice",
        "create_collection",
        "ab" * 32,
        decision,
        None,
        phase,
        "ok" if phase == "outcome" else None,
    )


def test_metric_names_keep_their_case_and_every_call_is_an_event(ingestion: IngestionStandIn) -> None:
    sink = AppInsightsMetrics(ingestion.connection_string, export_interval_s=3600, disable_offline_storage=True)
    _: MetricsSink = sink
    sink.record_call(call("search_companies", ms=10.0))
    sink.record_call(call("search_companies", ms=30.0))
    sink.record_call(call("create_collection", outcome="error", error_type="mutations_disabled", ms=2.0))
    assert sink.flush(10)
    sink.close()

    names = {point["name"] for point in ingestion.metrics()}
    assert {CALLS, LATENCY, ERRORS, BLOCKED_MUTATIONS} <= names <= set(ALL_METRICS)
    calls = [p for p in ingestion.metrics() if p["name"] == CALLS and p["properties"]["Tool"] == "search_companies"]
    assert [(p["value"], p["properties"]["Outcome"]) for p in calls] == [(2.0, "ok")]
    latency = next(
        p for p in ingestion.metrics() if p["name"] == LATENCY and p["properties"]["Tool"] == "search_companies"
    )
    assert (latency["value"], latency["count"], latency["min"], latency["max"]) == (40.0, 2, 10.0, 30.0)
    errors = next(p for p in ingestion.metrics() if p["name"] == ERRORS)
    assert errors["properties"] == {"Tool": "create_collection", "Outcome": "error", "ErrorType": "mutations_disabled"}

    events = ingestion.events(TOOL_CALL_EVENT)
    assert sorted(float(e["duration_ms"]) for e in events if e["tool"] == "search_companies") == [10.0, 30.0]
    blocked = [e for e in events if e["blocked_write"] == "true"]
    assert [(e["tool"], e["error_type"], e["outcome"]) for e in blocked] == [
        ("create_collection", "mutations_disabled", "error")
    ]
    assert all("alice" not in json.dumps(e) for e in events)  # the principal is not sent


async def test_metrics_never_raise_or_block_when_ingestion_is_down(ingestion: IngestionStandIn) -> None:
    ingestion.stop()
    sink = AppInsightsMetrics(ingestion.connection_string, export_interval_s=3600, disable_offline_storage=True)
    for _ in range(200):  # only queued: nothing waits for the endpoint
        sink.record_call(call("get_company"))
    assert sink.dropped == 0
    sink.close()


async def test_audit_events_arrive_chained_before_append_returns(ingestion: IngestionStandIn) -> None:
    audit = AppInsightsAudit(ingestion.connection_string, key=KEY)
    _: AuditSink = audit
    await audit.append(record("attempt"))
    assert len(ingestion.events(AUDIT_EVENT)) == 1  # acknowledged before append returned
    await audit.append(record("outcome"))
    await audit.append(record("decision", "r2", decision="blocked"))
    events = ingestion.events(AUDIT_EVENT)
    assert [(e["phase"], e["seq"], e["request_id"]) for e in events] == [
        ("attempt", "1", "r1"),
        ("outcome", "2", "r1"),
        ("decision", "3", "r2"),
    ]
    assert {e["stream"] for e in events} == {audit.stream}
    assert events[1]["prev_hmac"] == events[0]["chain_hmac"]
    report = verify_chain([e["line"] for e in events], KEY)
    assert report.ok and report.keyed_records == 3
    edited = [events[0]["line"].replace('"attempt"', '"outcome"'), events[1]["line"]]
    assert not verify_chain(edited, KEY).ok
    await audit.ping()
    audit.close()


@pytest.mark.parametrize("fault", [500, 400, "down"])
async def test_a_failing_ingestion_is_audit_unavailable(ingestion: IngestionStandIn, fault: int | str) -> None:
    audit = AppInsightsAudit(ingestion.connection_string, key=KEY, timeout_s=2)
    await audit.append(record("attempt"))
    first_stream = audit.stream
    if fault == "down":
        ingestion.stop()
    else:
        ingestion.fail = int(fault)
    with anyio.fail_after(10), pytest.raises(AuditUnavailable):
        await audit.append(record("attempt", "r2"))
    with pytest.raises(AuditUnavailable):
        await audit.ping()  # not ready while ingestion refuses
    if fault != "down":  # back up: a fresh stream, whose chain verifies on its own
        ingestion.fail = None
        await audit.append(record("attempt", "r3"))
        assert audit.stream != first_stream
        fresh = [e["line"] for e in ingestion.events(AUDIT_EVENT) if e["stream"] == audit.stream]
        assert verify_chain(fresh, KEY).ok and json.loads(fresh[0])["seq"] == 1
        await audit.ping()
        ingestion.fail = 503
        with pytest.raises(AuditUnavailable):
            await audit.append(record("attempt", "r4"))
        ingestion.fail = None
        await audit.ping()  # ready again once ingestion accepts, before any further write
        assert [e.get("phase") for e in ingestion.events("AuditSinkProbe")] == [None]
    audit.close()
