"""The pilot's pure parts: normalising, thresholds, the price model, the workload and its write guard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.normalize import CREATED_TIMESTAMP, diff, generalize, normalize
from pilot.cost import estimate, load_prices
from pilot.errors import PilotUsageError
from pilot.runner import RunOptions, run_workload
from pilot.targets import CallOutcome, parse_target
from pilot.thresholds import evaluate, parse_fail_on
from pilot.workload import AI_SEARCH_BUDGET, Ref, Step, Workload, builtin_workload, load_jsonl, pick


def test_normalize_drops_what_legitimately_differs() -> None:
    a: dict[str, Any] = {
        "items": [{"id": "x"}],
        "next_cursor": "abc",
        "quota": {"limit": 5, "remaining": 4, "reset_s": 60},
    }
    b: dict[str, Any] = {
        "items": [{"id": "x"}],
        "next_cursor": "xyz",
        "quota": {"limit": 5, "remaining": 1, "reset_s": 3},
    }
    assert diff(normalize(a), normalize(b)) == []
    b["quota"]["limit"] = 10  # a different limit is a real difference
    assert [d.path for d in diff(normalize(a), normalize(b))] == ["quota.limit"]


def test_created_ids_and_their_timestamps_are_placeholders() -> None:
    a = {"collection": {"id": "col_a", "created_at": "2026-01-01T00:00:00Z", "size": 1}}
    b = {"collection": {"id": "col_b", "created_at": "2026-02-02T00:00:00Z", "size": 1}}
    na = normalize(a, created={"col_a": "<created by step 3>"})
    nb = normalize(b, created={"col_b": "<created by step 3>"})
    assert na == nb and na["collection"]["created_at"] == CREATED_TIMESTAMP


def test_diff_names_leaves_and_lengths() -> None:
    found = diff({"items": [1, 2], "flag": True}, {"items": [1], "flag": 1})
    assert [(d.path, d.candidate) for d in found] == [("items[1]", "<absent>"), ("flag", 1)]
    assert generalize("items[12].tags[0]") == "items[].tags[]"


def test_fail_on_is_parsed_not_evaluated() -> None:
    rules = parse_fail_on("parity<100, p99_ratio>1.2,error_rate>0.01,parity:get_company<99.5%")
    assert [r.text for r in rules] == ["parity<100", "p99_ratio>1.2", "error_rate>0.01", "parity:get_company<99.5"]
    verdicts = evaluate(rules, {"parity": 100.0, "p99_ratio": 1.3, "error_rate": None, "parity:get_company": 99.0})
    assert [v.tripped for v in verdicts] == [False, True, False, True]
    for bad in ("parity<", "__import__('os')<1", "latency>3", "mismatches:get_company>0", "parity<<3"):
        with pytest.raises(ValueError):
            parse_fail_on(bad)


def test_the_shipped_price_model_names_a_source_and_date_for_every_price() -> None:
    model = load_prices()
    assert set(model.clouds) == {"aws", "azure", "gcp", "local"}
    for cloud in model.clouds.values():
        for component in cloud.components:
            assert (
                component.source
                and component.date
                and component.status in {"checked", "secondary", "placeholder", "n/a"}
            )
    slow = estimate(model, "aws", volume=1_000_000, typical_duration_s=0.2)
    fast = estimate(model, "aws", volume=1_000_000, typical_duration_s=0.02)
    assert slow.total_usd > fast.total_usd > 0  # measured durations drive the compute terms
    local = estimate(model, "local", volume=1_000_000, typical_duration_s=0.02)
    assert local.total_usd == 0 and local.lines[0].quantity == pytest.approx(20_000)


def test_a_broken_price_file_is_a_usage_error(tmp_path: Path) -> None:
    raw = json.loads((Path(__file__).parents[2] / "pilot" / "prices.json").read_text())
    raw["clouds"]["aws"]["components"][0]["quantity"] = {"per_call": ["no_such_assumption"]}
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(PilotUsageError, match="no_such_assumption"):
        load_prices(path)


def test_the_builtin_workload_is_deterministic_and_reads_only_by_default() -> None:
    first, second = builtin_workload(300), builtin_workload(300)
    assert first == second and len(first.steps) == 300 and first.writes == 0
    assert sum(s.tool == "ai_search" for s in first.steps) <= AI_SEARCH_BUDGET
    with_writes = builtin_workload(300, include_writes=True)
    writes = [s for s in with_writes.steps if s.writes]
    assert writes and all(s.arguments.get("name", "pilot-parity").startswith("pilot-") for s in writes)


def test_paths_pick_values_and_slices() -> None:
    answer = {"items": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "next_cursor": None}
    assert pick(answer, "items[1].id") == "b"
    assert pick(answer, "items[0:2].id") == ["a", "b"]


def test_targets_are_parsed() -> None:
    assert parse_target("local:fake").kind == "local_fake"
    assert parse_target("local:graphql=http://127.0.0.1:4000/graphql").url == "http://127.0.0.1:4000/graphql"
    assert parse_target("https://mcp.example.com/mcp").kind == "url"
    for bad in ("fake", "local:graphql=nope", "ftp://x/mcp"):
        with pytest.raises(PilotUsageError):
            parse_target(bad)


class RecordingSession:
    def __init__(self, answers: dict[str, CallOutcome]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def list_tools(self) -> list[dict[str, Any]]:
        return []

    async def call(self, tool: str, arguments: dict[str, Any]) -> CallOutcome:
        self.calls.append(tool)
        return self.answers.get(tool, CallOutcome("ok", {"items": []}, None, True, 1.0))


def _recorded(tmp_path: Path, lines: list[dict[str, Any]]) -> Workload:
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return load_jsonl(path)


@pytest.mark.anyio
async def test_no_write_is_ever_called_without_include_writes(tmp_path: Path) -> None:
    workload = _recorded(
        tmp_path,
        [
            {"tool": "search_companies", "arguments": {}},
            {"tool": "create_collection", "arguments": {"name": "x"}},
            {"tool": "drop_everything", "arguments": {}},  # unknown: treated as a write
        ],
    )
    session = RecordingSession({})
    run = await run_workload(session, workload, target="t", options=RunOptions(progress=False))  # type: ignore[arg-type]
    assert session.calls == ["search_companies"]
    assert [r.kind for r in run.records.values()].count("skipped") == 2


@pytest.mark.anyio
async def test_the_first_refused_write_stops_all_writes_to_that_target() -> None:
    refused = CallOutcome(
        "error", {"error": {"type": "mutations_disabled", "reason": "flag"}}, "mutations_disabled", True, 1
    )
    steps = (
        Step(0, "create_collection", {"name": "pilot-parity"}, True),
        Step(1, "add_to_collection", {"collection_id": Ref(0, "collection.id", "own"), "company_ids": ["c"]}, True),
        Step(2, "request_email_discovery", {"company_id": "c"}, True),
    )
    session = RecordingSession({"create_collection": refused})
    options = RunOptions(concurrency=3, include_writes=True, progress=False)
    run = await run_workload(session, Workload("w", steps), target="t", options=options)  # type: ignore[arg-type]
    assert session.calls == ["create_collection"]
    assert run.writes.startswith("disabled: mutations_disabled")
