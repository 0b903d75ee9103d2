"""The gcp adapter's flags, audit and metrics clients against local stand-ins of Google's REST APIs.

What arrives (Parameter Manager reads, Cloud Logging entries with the keyed chain, Cloud Monitoring
series and a latency distribution), and what an outage does: no flags -> writes denied; no audit
write -> the write is refused with ``unavailable`` and nothing reaches the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from google.oauth2.credentials import Credentials
from mcp import Client

from adapters.fake.main import build_fake_runtime, ensure_default_store
from adapters.gcp.access_token import GoogleAccessToken
from adapters.gcp.audit import CloudLoggingAudit, audit_line
from adapters.gcp.config import GcpSettings
from adapters.gcp.flags import ParameterManagerFlags
from adapters.gcp.metrics import BUCKETS, CloudMonitoringMetrics, bucket_index
from core.app import create_server
from core.audit_chain import AuditKey, verify_chain
from core.catalog import WRITE_FLAG_KEYS
from core.config import Settings
from core.guards.mutation import MutationGate
from core.metrics import ALL_METRICS
from core.ports import AuditRecord, AuditSink, AuditUnavailable, CallRecord, FlagSource, FlagsUnavailable, MetricsSink
from tests.adapters.gcp.google_apis import ACCESS_TOKEN, PARAMETER, PROJECT, GoogleApis
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio

KEY = AuditKey(b"k" * 32)


@pytest.fixture
def apis() -> Iterator[GoogleApis]:
    stand_in = GoogleApis()
    with stand_in.server:
        yield stand_in


def token() -> GoogleAccessToken:
    return GoogleAccessToken(credentials=Credentials(token=ACCESS_TOKEN))


def gcp(apis: GoogleApis, **overrides: Any) -> GcpSettings:
    values: dict[str, Any] = {
        "project": PROJECT,
        "flags_parameter": PARAMETER,
        "flags_refresh_s": 0,
        "flags_timeout_s": 0.5,
        "parametermanager_url": apis.url,
        "logging_url": apis.url,
        "monitoring_url": apis.url,
        "service": "company-mcp",
        "revision": "company-mcp-00001-abc",
        **overrides,
    }
    return GcpSettings.model_validate(values)


def record(decision: str = "allowed", phase: str = "attempt", tool: str = "create_collection") -> AuditRecord:
    return AuditRecord("2026-12-04T03:00:00+00:00", "req-1", "iss|alice", tool, "ab" * 32, decision, None, phase, None)


# -- flags --------------------------------------------------------------------------------------------


async def test_the_newest_enabled_version_is_the_flags_across_pages(apis: GoogleApis) -> None:
    flags = ParameterManagerFlags(gcp(apis), token())
    _: FlagSource = flags
    apis.add_version({key: False for key in WRITE_FLAG_KEYS})
    apis.add_version({"mutations": False, "mutations_create_collection": True})
    apis.add_version({"mutations": True})
    assert dict(await flags.get_flags()) == {"mutations": True}  # the third version is on the second page
    apis.add_version({"mutations": True, "mutations_add_to_collection": True}, disabled=True)
    assert dict(await flags.get_flags()) == {"mutations": True}  # a disabled version is skipped
    assert flags.version == f"{PARAMETER}/versions/v3"
    await flags.aclose()


@pytest.mark.parametrize("breakage", ["503", "403", "no version", "not json", "not booleans"])
async def test_unreadable_flags_deny_writes(apis: GoogleApis, breakage: str) -> None:
    flags = ParameterManagerFlags(gcp(apis), token())
    gate = MutationGate(flags, allow_mutations=True)
    apis.add_version({"mutations": True})
    assert await gate.decide("create_collection") == (True, "flag:mutations")
    if breakage in ("503", "403"):
        apis.down["parametermanager"] = int(breakage)
    elif breakage == "no version":
        apis.versions[0]["disabled"] = True
    elif breakage == "not json":
        apis.add_version("{not json")
    else:
        apis.add_version({"mutations": "yes"})
    assert await gate.decide("create_collection") == (False, "flags_unavailable")  # never the stale "on"
    with pytest.raises(FlagsUnavailable):
        await flags.get_flags()
    await flags.aclose()


async def test_flags_are_refused_when_the_api_is_unreachable(apis: GoogleApis) -> None:
    flags = ParameterManagerFlags(gcp(apis, parametermanager_url="http://127.0.0.1:9"), token())
    with pytest.raises(FlagsUnavailable, match="did not answer"):
        await flags.get_flags()
    await flags.aclose()


# -- audit --------------------------------------------------------------------------------------------


async def test_audit_entries_arrive_chained_and_verify(apis: GoogleApis) -> None:
    audit = CloudLoggingAudit(gcp(apis), token(), key=KEY, project=PROJECT)
    _: AuditSink = audit
    await audit.append(record("blocked", "decision", "request_email_discovery"))
    await audit.append(record())
    await audit.append(record(phase="outcome"))
    entries = apis.entries
    assert [e["logName"] for e in entries] == [f"projects/{PROJECT}/logs/company-mcp-audit"] * 3
    assert [e["labels"]["decision"] for e in entries] == ["blocked", "allowed", "allowed"]
    assert entries[0]["labels"]["tool"] == "request_email_discovery"
    assert entries[0]["resource"]["type"] == "generic_task"
    payloads = [e["jsonPayload"] for e in entries]
    assert [p["seq"] for p in payloads] == [1, 2, 3]
    assert {"args_hmac", "prev_hmac", "chain_hmac", "phase"} <= set(payloads[0])
    # Cloud Logging stores a Struct: keys unordered, numbers as doubles. The line is rebuilt exactly.
    stored = [dict(sorted({**p, "seq": float(p["seq"])}.items())) for p in payloads]
    assert verify_chain([audit_line(p) for p in stored], KEY).ok
    stored[1]["principal"] = "iss|mallory"
    report = verify_chain([audit_line(p) for p in stored], KEY)
    assert (report.ok, report.first_bad_line) == (False, 2)
    await audit.aclose()


@pytest.mark.parametrize("status", [403, 503])
async def test_a_failed_audit_write_raises_and_the_next_chain_starts_fresh(apis: GoogleApis, status: int) -> None:
    audit = CloudLoggingAudit(gcp(apis), token(), key=KEY, project=PROJECT)
    await audit.append(record())
    first_chain = audit.chain
    apis.down["logging"] = status
    with pytest.raises(AuditUnavailable, match=str(status)):
        await audit.append(record(phase="outcome"))
    with pytest.raises(AuditUnavailable):
        await audit.ping()
    del apis.down["logging"]
    await audit.ping()  # a dry run: nothing stored
    await audit.append(record())
    assert len(apis.entries) == 2
    assert apis.entries[1]["labels"]["chain"] != first_chain
    assert apis.entries[1]["jsonPayload"]["seq"] == 1
    await audit.aclose()


# -- metrics ------------------------------------------------------------------------------------------


def call(tool: str = "search_companies", ms: float = 12.0, **fields: Any) -> CallRecord:
    values: dict[str, Any] = {
        "principal": "p",
        "request_id": "r",
        "duration_ms": ms,
        "outcome": "ok",
        "error_type": None,
        "result_count": 1,
        "capped": False,
        **fields,
    }
    return CallRecord(tool=tool, **values)


class StepClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def series_of(apis: GoogleApis, name: str) -> list[dict[str, Any]]:
    return [ts for ts in apis.time_series if ts["metric"]["type"] == f"custom.googleapis.com/company_mcp/{name}"]


async def test_metrics_arrive_as_cumulative_series_and_a_latency_distribution(apis: GoogleApis) -> None:
    clock = StepClock()
    metrics = CloudMonitoringMetrics(
        gcp(apis), token(), project=PROJECT, task="t-1", clock=clock, min_gap_s=5, background=False
    )
    _: MetricsSink = metrics
    for ms in (3.0, 10.0, 250.0):
        metrics.record_call(call(ms=ms))
    metrics.record_call(call("create_collection", 2.0, outcome="error", error_type="mutations_disabled"))
    metrics.record_call(call("ai_search", 1.0, outcome="error", error_type="rate_limited"))
    metrics.record_call(call("search_companies", 5.0, capped=True))
    clock.now += 10
    assert await metrics.flush() > 0
    assert {ts["metric"]["type"].rsplit("/", 1)[1] for ts in apis.time_series} == set(ALL_METRICS)
    calls = {ts["metric"]["labels"]["tool"]: ts for ts in series_of(apis, "ToolCalls")}
    assert calls["search_companies"]["points"][0]["value"] == {"int64Value": "4"}
    assert calls["search_companies"]["metricKind"] == "CUMULATIVE"
    errors = series_of(apis, "ToolErrors")
    assert {ts["metric"]["labels"]["error_type"] for ts in errors} == {"mutations_disabled", "rate_limited"}
    assert [ts["metric"]["labels"]["tool"] for ts in series_of(apis, "BlockedMutations")] == ["create_collection"]
    latency = next(ts for ts in series_of(apis, "ToolLatency") if ts["metric"]["labels"]["tool"] == "search_companies")
    assert (latency["valueType"], latency["unit"]) == ("DISTRIBUTION", "ms")
    dist = latency["points"][0]["value"]["distributionValue"]
    assert dist["count"] == "4" and dist["bucketOptions"] == BUCKETS
    assert dist["mean"] == pytest.approx((3 + 10 + 250 + 5) / 4)
    counts = [int(n) for n in dist["bucketCounts"]]
    assert sum(counts) == 4 and counts[bucket_index(250.0)] == 1
    assert latency["resource"]["labels"]["task_id"] == "t-1"

    # Later: only what changed is written, with running totals and the same start time.
    apis.time_series.clear()
    metrics.record_call(call(ms=4.0))
    clock.now += 10
    await metrics.flush()
    calls_again = series_of(apis, "ToolCalls")
    assert len(calls_again) == 1 and calls_again[0]["points"][0]["value"] == {"int64Value": "5"}
    first_start = calls["search_companies"]["points"][0]["interval"]["startTime"]
    assert calls_again[0]["points"][0]["interval"]["startTime"] == first_start


async def test_a_failed_metrics_write_never_raises_and_is_retried(apis: GoogleApis) -> None:
    clock = StepClock()
    metrics = CloudMonitoringMetrics(
        gcp(apis), token(), project=PROJECT, task="t-1", clock=clock, min_gap_s=5, background=False
    )
    apis.down["monitoring"] = 503
    metrics.record_call(call())
    clock.now += 10
    assert await metrics.flush() == 0
    assert metrics.failed_writes == 1
    del apis.down["monitoring"]
    metrics.record_call(call())
    clock.now += 10
    await metrics.flush()
    assert series_of(apis, "ToolCalls")[0]["points"][0]["value"] == {"int64Value": "2"}  # nothing lost


async def test_the_writer_thread_flushes_in_the_background_and_on_close(apis: GoogleApis) -> None:
    metrics = CloudMonitoringMetrics(gcp(apis), token(), project=PROJECT, task="t-2", interval_s=0.05, min_gap_s=0.05)
    metrics.record_call(call())
    with anyio.fail_after(5):
        for _ in range(1000):  # the writer's first flush, within a few intervals
            if series_of(apis, "ToolCalls"):
                break
            await anyio.sleep(0.02)
    metrics.record_call(call())
    await metrics.aclose()
    assert series_of(apis, "ToolCalls")[-1]["points"][0]["value"] == {"int64Value": "2"}


# -- through the MCP server ------------------------------------------------------------------------------


@pytest.fixture
async def gcp_client(apis: GoogleApis, tmp_path: Path) -> AsyncIterator[tuple[Client, Any]]:
    """The server over a local store, with the gcp flags, audit and metrics ports."""
    settings = Settings(data_dir=tmp_path, transport="stdio", seed_companies=50, discovery_delay_s=0.1)
    ensure_default_store(settings)
    runtime = build_fake_runtime(settings)
    ports = dataclasses.replace(
        runtime.ports,
        flags=ParameterManagerFlags(gcp(apis), token()),
        audit=CloudLoggingAudit(gcp(apis), token(), key=runtime.audit_key, project=PROJECT),
        metrics=CloudMonitoringMetrics(gcp(apis), token(), project=PROJECT, task="t-3", background=False),
    )
    runtime = dataclasses.replace(runtime, ports=ports)
    async with runtime, Client(create_server(settings, runtime)) as client:
        yield client, runtime


async def test_writes_follow_the_flag_and_a_failed_audit_write_refuses_the_call(
    apis: GoogleApis, gcp_client: tuple[Client, Any]
) -> None:
    client, _ = gcp_client
    apis.add_version({"mutations": False})
    blocked = error(await client.call_tool("create_collection", {"name": "Targets"}))
    assert (blocked["type"], blocked["reason"]) == ("mutations_disabled", "flag:mutations")
    apis.add_version({"mutations": True})
    created = ok(await client.call_tool("create_collection", {"name": "Targets"}))
    assert created["created"] is True
    assert [e["jsonPayload"]["phase"] for e in apis.entries] == ["decision", "attempt", "outcome"]

    apis.down["logging"] = 503
    refused = error(await client.call_tool("create_collection", {"name": "Second"}))
    assert refused["type"] == "unavailable"
    del apis.down["logging"]
    listed = ok(await client.call_tool("list_collections", {}))
    assert [c["name"] for c in listed["items"]] == ["Targets"]  # the refused write never happened

    apis.down["parametermanager"] = 503
    denied = error(await client.call_tool("create_collection", {"name": "Third"}))
    assert (denied["type"], denied["reason"]) == ("mutations_disabled", "flags_unavailable")
