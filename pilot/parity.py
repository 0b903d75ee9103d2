"""Parity of two runs: call by call, after normalising what legitimately differs (``core.normalize``).

Each executed step becomes a small document (outcome, error type, whether the text
content matched the structured content, and the normalized result) and the two
documents are diffed. Ids the targets minted during the run (a created collection,
a discovery request) are replaced on both sides by a placeholder naming the step
that created them, and those objects' timestamps by a marker. Calls answered
``rate_limited`` on either side are not compared: a rate limit depends on the
caller's history with that deployment, not on the data. The tool listings are
compared too, as the pseudo-tool ``(tools/list)``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.normalize import DEFAULT_IGNORE, Difference, diff, generalize, leaf_paths, normalize
from pilot.runner import CallRecord, TargetRun
from pilot.workload import pick

CREATED_PATHS = {"create_collection": "collection.id", "request_email_discovery": "request_id"}
NOT_COMPARABLE_ERRORS = frozenset({"rate_limited"})
TOOLS_LIST = "(tools/list)"
MAX_EXAMPLES = 20
MAX_EXAMPLES_PER_TOOL = 3
RESULT = "result"


@dataclass(slots=True)
class FieldCount:
    present: int = 0  # calls in which either side had the field
    differing: int = 0  # calls in which it differed

    @property
    def parity_pct(self) -> float:
        return 100.0 * (1 - self.differing / self.present) if self.present else 100.0


@dataclass(slots=True)
class ToolParity:
    compared: int = 0
    matched: int = 0
    not_compared: int = 0
    fields: dict[str, FieldCount] = field(default_factory=dict)

    @property
    def parity_pct(self) -> float:
        """NaN (null in report.json) when nothing was compared: no evidence either way."""
        return 100.0 * self.matched / self.compared if self.compared else math.nan


@dataclass(frozen=True, slots=True)
class Example:
    step: int
    tool: str
    label: str
    arguments: dict[str, Any] | None
    field: str  # display path, e.g. "items[3].employee_count" or "$outcome"
    baseline: Any
    candidate: Any


@dataclass(slots=True)
class ParityReport:
    tools: dict[str, ToolParity] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)
    not_compared: Counter[str] = field(default_factory=Counter)

    @property
    def compared(self) -> int:
        return sum(t.compared for t in self.tools.values())

    @property
    def matched(self) -> int:
        return sum(t.matched for t in self.tools.values())

    @property
    def parity_pct(self) -> float:
        return 100.0 * self.matched / self.compared if self.compared else math.nan

    @property
    def mismatched(self) -> int:
        return self.compared - self.matched


def display_path(path: str) -> str:
    """Paths inside the result lose their ``result.`` prefix; the whole result is ``$result``."""
    if path == RESULT:
        return "$result"
    return path.removeprefix(RESULT + ".")


def created_ids(run: TargetRun) -> dict[str, str]:
    """Ids the target minted during the run -> a placeholder both targets share (the creating step)."""
    mapping: dict[str, str] = {}
    for record in run.records.values():
        path = CREATED_PATHS.get(record.tool)
        if path is None or record.kind != "ok":
            continue
        try:
            value = pick(record.result, path)
        except Exception:  # an answer without the id is a difference the diff will show
            continue
        if isinstance(value, str):
            mapping.setdefault(value, f"<created by step {record.step}>")
    return mapping


def _document(record: CallRecord, created: dict[str, str], ignore: Sequence[str]) -> dict[str, Any]:
    result = normalize(record.result, ignore=ignore, created=created) if record.kind in ("ok", "error") else None
    return {
        "$outcome": record.kind,
        "$error_type": record.error_type,
        "$text_matches_structured": record.text_agrees,
        RESULT: result,
    }


def compare_runs(baseline: TargetRun, candidate: TargetRun, *, ignore: Sequence[str] = DEFAULT_IGNORE) -> ParityReport:
    report = ParityReport()
    _compare_listings(baseline, candidate, report, ignore)
    created_b, created_c = created_ids(baseline), created_ids(candidate)
    for step in sorted(baseline.records.keys() | candidate.records.keys()):
        b, c = baseline.records.get(step), candidate.records.get(step)
        if b is None or c is None:
            continue
        tool = report.tools.setdefault(b.tool, ToolParity())
        reason = _not_comparable(b, c)
        if reason is not None:
            tool.not_compared += 1
            report.not_compared[reason] += 1
            continue
        doc_b, doc_c = _document(b, created_b, ignore), _document(c, created_c, ignore)
        differences = diff(doc_b, doc_c)
        _count(tool, doc_b, doc_c, differences)
        if differences:
            _examples(report, b, c, differences)
    return report


def _not_comparable(b: CallRecord, c: CallRecord) -> str | None:
    if not b.executed and not c.executed:
        return "skipped on both targets"
    if b.error_type in NOT_COMPARABLE_ERRORS or c.error_type in NOT_COMPARABLE_ERRORS:
        return "rate_limited on one target (depends on the caller's history)"
    return None


def _count(tool: ToolParity, doc_b: dict[str, Any], doc_c: dict[str, Any], differences: list[Difference]) -> None:
    tool.compared += 1
    if not differences:
        tool.matched += 1
    present = {generalize(display_path(p)) for doc in (doc_b, doc_c) for p in leaf_paths(doc[RESULT], RESULT)}
    differing = {generalize(display_path(d.path)) for d in differences}
    for name in present | differing:
        count = tool.fields.setdefault(name, FieldCount())
        count.present += 1
        count.differing += name in differing


def _examples(report: ParityReport, b: CallRecord, c: CallRecord, differences: list[Difference]) -> None:
    shown = sum(e.tool == b.tool for e in report.examples)
    if len(report.examples) >= MAX_EXAMPLES or shown >= MAX_EXAMPLES_PER_TOOL:
        return
    first = differences[0]
    report.examples.append(
        Example(b.step, b.tool, b.label, b.arguments, display_path(first.path), first.baseline, first.candidate)
    )


def _compare_listings(baseline: TargetRun, candidate: TargetRun, report: ParityReport, ignore: Sequence[str]) -> None:
    listed_b = {t.get("name"): t for t in baseline.tools}
    listed_c = {t.get("name"): t for t in candidate.tools}
    doc_b = {RESULT: normalize(listed_b, ignore=ignore)}
    doc_c = {RESULT: normalize(listed_c, ignore=ignore)}
    differences = diff(doc_b, doc_c)
    tool = report.tools.setdefault(TOOLS_LIST, ToolParity())
    _count(tool, doc_b, doc_c, differences)
    if differences:
        first = differences[0]
        report.examples.append(
            Example(-1, TOOLS_LIST, "tools/list", None, display_path(first.path), first.baseline, first.candidate)
        )
