"""CloudWatchEmfMetrics: every line is a valid Embedded Metric Format document, with core.metrics' names.

The validator below is transcribed from "Specification: Embedded metric format" (Amazon CloudWatch
User Guide, CloudWatch_Embedded_Metric_Format_Specification.html):

- the root is a JSON object with an ``_aws`` metadata object holding ``CloudWatchMetrics`` (an array
  of MetricDirective) and ``Timestamp`` (milliseconds since the epoch);
- a MetricDirective has ``Namespace`` (string), ``Dimensions`` (an array of DimensionSets, each an
  array of at most 30 strings naming root members) and ``Metrics`` (at most 100 MetricDefinitions);
- a MetricDefinition has ``Name`` (a root member) and optionally ``Unit`` (a CloudWatch unit) and
  ``StorageResolution`` (1 or 60); its target member is a number or an array of at most 100 numbers;
- dimension target members are strings; objects the spec defines carry no other members.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from adapters.aws.metrics import CloudWatchEmfMetrics
from adapters.bootstrap import build_runtime
from core import metrics as names
from core.app import create_server
from core.config import Settings
from core.ports import CallRecord, MetricsSink
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio

UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}  # fmt: skip
MAX_DIMENSIONS_PER_SET = 30
MAX_METRICS_PER_DIRECTIVE = 100
MAX_VALUES_PER_METRIC = 100


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def emf_problems(line: str) -> list[str]:
    """Everything in ``line`` that breaks the EMF specification (empty: a valid document)."""
    try:
        root = json.loads(line)
    except ValueError:
        return ["not JSON"]
    if not isinstance(root, dict):
        return ["the root is not an object"]
    meta = root.get("_aws")
    if not isinstance(meta, dict):
        return ["no _aws metadata object"]
    problems: list[str] = []
    if set(meta) - {"CloudWatchMetrics", "Timestamp"}:
        problems.append(f"unknown _aws members {set(meta) - {'CloudWatchMetrics', 'Timestamp'}}")
    stamp = meta.get("Timestamp")
    if not isinstance(stamp, int) or isinstance(stamp, bool) or not 10**12 < stamp < 10**14:
        problems.append(f"Timestamp {stamp!r} is not epoch milliseconds")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return [*problems, "CloudWatchMetrics is not a non-empty array"]
    for d, directive in enumerate(directives):
        where = f"CloudWatchMetrics[{d}]"
        if not isinstance(directive, dict):
            problems.append(f"{where} is not an object")
            continue
        if set(directive) - {"Namespace", "Dimensions", "Metrics"}:
            problems.append(f"{where} has unknown members")
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not namespace.strip() or len(namespace) > 255:
            problems.append(f"{where}.Namespace is not a string of 1..255 characters")
        dimension_sets = directive.get("Dimensions")
        if not isinstance(dimension_sets, list):
            problems.append(f"{where}.Dimensions is not an array")
            dimension_sets = []
        for s, dimension_set in enumerate(dimension_sets):
            if not isinstance(dimension_set, list) or not all(isinstance(k, str) for k in dimension_set):
                problems.append(f"{where}.Dimensions[{s}] is not an array of strings")
                continue
            if len(dimension_set) > MAX_DIMENSIONS_PER_SET:
                problems.append(f"{where}.Dimensions[{s}] has more than {MAX_DIMENSIONS_PER_SET} keys")
            for key in dimension_set:
                value = root.get(key)
                if not isinstance(value, str) or not value or len(value) > 1024:
                    problems.append(f"dimension {key!r} has no string target member (got {value!r})")
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list):
            problems.append(f"{where}.Metrics is not an array")
            continue
        if len(metrics) > MAX_METRICS_PER_DIRECTIVE:
            problems.append(f"{where}.Metrics has more than {MAX_METRICS_PER_DIRECTIVE} metrics")
        for metric in metrics:
            if not isinstance(metric, dict) or set(metric) - {"Name", "Unit", "StorageResolution"}:
                problems.append(f"{where}: malformed MetricDefinition {metric!r}")
                continue
            name = metric.get("Name")
            if not isinstance(name, str) or not name or len(name) > 1024:
                problems.append(f"{where}: bad metric Name {name!r}")
                continue
            if "Unit" in metric and metric["Unit"] not in UNITS:
                problems.append(f"metric {name}: unknown Unit {metric['Unit']!r}")
            if "StorageResolution" in metric and metric["StorageResolution"] not in (1, 60):
                problems.append(f"metric {name}: StorageResolution must be 1 or 60")
            value = root.get(name)
            values = value if isinstance(value, list) else [value]
            if not values or len(values) > MAX_VALUES_PER_METRIC or not all(_is_number(v) for v in values):
                problems.append(f"metric {name} has no numeric target member (got {value!r})")
    return problems


def metric_values(doc: dict[str, Any]) -> dict[str, tuple[float, str, tuple[str, ...]]]:
    """``{metric name: (value, unit, dimension keys)}`` over every directive of one document."""
    found: dict[str, tuple[float, str, tuple[str, ...]]] = {}
    for directive in doc["_aws"]["CloudWatchMetrics"]:
        assert directive["Namespace"] == names.NAMESPACE
        (dimensions,) = directive["Dimensions"]
        for metric in directive["Metrics"]:
            found[metric["Name"]] = (doc[metric["Name"]], metric["Unit"], tuple(dimensions))
    return found


TOOL_DIMS = (names.DIMENSION_TOOL, names.DIMENSION_OUTCOME)
ERROR_DIMS = (*TOOL_DIMS, names.DIMENSION_ERROR_TYPE)


def record(**overrides: Any) -> CallRecord:
    values: dict[str, Any] = {
        "tool": "search_companies",
        "principal": "https://issuer|alice",
        "request_id": "req-1",
        "duration_ms": 12.5,
        "outcome": "ok",
        "error_type": None,
        "result_count": 3,
        "capped": False,
    }
    return CallRecord(**{**values, **overrides})


def emit(sink: CloudWatchEmfMetrics, stream: io.StringIO, call: CallRecord) -> dict[str, Any]:
    before = len(stream.getvalue().splitlines())
    sink.record_call(call)
    lines = stream.getvalue().splitlines()
    assert len(lines) == before + 1
    assert emf_problems(lines[-1]) == []
    doc: dict[str, Any] = json.loads(lines[-1])
    return doc


def test_each_kind_of_call_is_one_valid_emf_line_with_the_core_metric_names() -> None:
    stream = io.StringIO()
    sink = CloudWatchEmfMetrics(stream=stream)
    _: MetricsSink = sink
    before_ms = int(time.time() * 1000)

    ok_call = emit(sink, stream, record())
    assert before_ms <= ok_call["_aws"]["Timestamp"] <= int(time.time() * 1000)
    assert (ok_call["Tool"], ok_call["Outcome"]) == ("search_companies", "ok")
    assert metric_values(ok_call) == {
        names.CALLS: (1, "Count", TOOL_DIMS),
        names.LATENCY: (12.5, "Milliseconds", TOOL_DIMS),
    }
    assert "https://issuer|alice" not in json.dumps(ok_call)  # no principal in metrics

    failed = emit(sink, stream, record(tool="get_company", outcome="error", error_type="not_found", result_count=None))
    assert failed["ErrorType"] == "not_found"
    assert metric_values(failed) == {
        names.CALLS: (1, "Count", TOOL_DIMS),
        names.LATENCY: (12.5, "Milliseconds", TOOL_DIMS),
        names.ERRORS: (1, "Count", ERROR_DIMS),
    }

    blocked = emit(sink, stream, record(tool="create_collection", outcome="error", error_type="mutations_disabled"))
    assert metric_values(blocked)[names.BLOCKED_MUTATIONS] == (1, "Count", TOOL_DIMS)
    assert metric_values(blocked)[names.ERRORS] == (1, "Count", ERROR_DIMS)

    scope = emit(sink, stream, record(tool="add_to_collection", outcome="error", error_type="forbidden"))
    assert names.BLOCKED_MUTATIONS in metric_values(scope)  # a write refused by the scope check
    read_scope = emit(sink, stream, record(tool="search_companies", outcome="error", error_type="forbidden"))
    assert names.BLOCKED_MUTATIONS not in metric_values(read_scope)

    limited = emit(sink, stream, record(tool="ai_search", outcome="error", error_type="rate_limited"))
    assert metric_values(limited)[names.RATE_LIMITED] == (1, "Count", TOOL_DIMS)
    assert names.BLOCKED_MUTATIONS not in metric_values(limited)

    capped = emit(sink, stream, record(capped=True, result_count=100))
    assert metric_values(capped)[names.CAPPED_RESULTS] == (1, "Count", TOOL_DIMS)
    assert names.ERRORS not in metric_values(capped)

    every_name = set().union(*(metric_values(d) for d in (ok_call, failed, blocked, limited, capped)))
    assert every_name == set(names.ALL_METRICS)


def test_metrics_never_raise_or_block() -> None:
    class Broken(io.StringIO):
        def write(self, _: str) -> int:
            raise OSError("stdout closed")

    sink = CloudWatchEmfMetrics(stream=Broken())
    sink.record_call(record())  # no exception
    sink.record_call(record(duration_ms=float("nan")))
    assert sink.dropped == 2

    stream = io.StringIO()
    odd = emit(CloudWatchEmfMetrics(stream=stream), stream, record(tool="", outcome="error", error_type=None))
    assert (odd["Tool"], odd["ErrorType"]) == ("unknown", "unknown")  # dimension values are never empty


async def test_calls_through_the_server_emit_valid_emf(data_dir: Path) -> None:
    """An ok call, an error, a blocked mutation, a rate-limited call and a capped result, end to end."""
    settings = Settings(data_dir=data_dir, transport="stdio", discovery_delay_s=0.5, rate_limits="ai_search=1/minute")
    runtime = build_runtime(settings)
    stream = io.StringIO()
    sink = CloudWatchEmfMetrics(stream=stream)
    runtime = dataclasses.replace(runtime, ports=dataclasses.replace(runtime.ports, metrics=sink))
    try:
        async with Client(create_server(settings, runtime)) as client:
            ok(await client.call_tool("search_companies", {"limit": 2}))
            error(await client.call_tool("get_company", {"company_id": "cmp_99999999"}))
            error(await client.call_tool("create_collection", {"name": "Blocked"}))
            ok(await client.call_tool("ai_search", {"prompt": "software in Germany"}))
            error(await client.call_tool("ai_search", {"prompt": "software in France"}))
            assert ok(await client.call_tool("search_companies", {"limit": 500}))["capped"] is True
    finally:
        if runtime.close is not None:
            await runtime.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 6
    for line in lines:
        assert emf_problems(line) == [], line
    docs = [json.loads(line) for line in lines]
    assert [(d["Tool"], d["Outcome"], d.get("ErrorType")) for d in docs] == [
        ("search_companies", "ok", None),
        ("get_company", "error", "not_found"),
        ("create_collection", "error", "mutations_disabled"),
        ("ai_search", "ok", None),
        ("ai_search", "error", "rate_limited"),
        ("search_companies", "ok", None),
    ]
    assert names.BLOCKED_MUTATIONS in metric_values(docs[2])
    assert names.RATE_LIMITED in metric_values(docs[4])
    assert names.CAPPED_RESULTS in metric_values(docs[5])


def test_the_validator_catches_broken_documents() -> None:
    good = CloudWatchEmfMetrics().document(record())
    assert emf_problems(json.dumps(good)) == []
    missing_dimension = {k: v for k, v in good.items() if k != "Tool"}
    assert emf_problems(json.dumps(missing_dimension))
    missing_metric = {k: v for k, v in good.items() if k != names.CALLS}
    assert emf_problems(json.dumps(missing_metric))
    seconds = {**good, "_aws": {**good["_aws"], "Timestamp": int(time.time())}}
    assert emf_problems(json.dumps(seconds))
    flat = {**good, "_aws": {**good["_aws"], "CloudWatchMetrics": [{**good["_aws"]["CloudWatchMetrics"][0],
                                                                     "Dimensions": ["Tool", "Outcome"]}]}}  # fmt: skip
    assert emf_problems(json.dumps(flat))
