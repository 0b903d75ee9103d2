"""The pilot's findings as one JSON-able document (``report.json``); Markdown and HTML are drawn from it.

Everything a reader or CI needs is here: configuration, parity per tool and field
with the first differing examples, latency percentiles (and the raw samples the
plots are drawn from), error counts by type, throughput, the cost estimates with
every price's source, the flat ``metrics`` that ``--fail-on`` rules test, and the
verdicts. NaN never reaches the file (it is not JSON): it becomes null.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from pilot.cost import CostEstimate, PriceModel, estimate
from pilot.options import SIDES
from pilot.parity import ParityReport
from pilot.runner import TargetRun
from pilot.stats import ALL, durations_by_tool, errors, latency, throughput, typical_duration_s
from pilot.thresholds import Rule, Verdict, evaluate
from pilot.workload import Workload

REPORT_VERSION = 1


@dataclass(frozen=True, slots=True)
class PilotConfig:
    baseline: str
    candidate: str
    baseline_cloud: str
    candidate_cloud: str
    workload: str
    calls: int
    concurrency: int
    volume: int
    include_writes: bool
    fail_on: str
    out: str
    prices: str


def clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, tuples lists, keys strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or math.isnan(numerator) or math.isnan(denominator):
        return None
    return numerator / denominator if denominator > 0 else None


def _run_summary(run: TargetRun, cloud: str) -> dict[str, Any]:
    skipped: dict[str, int] = {}
    for record in run.records.values():
        if record.kind == "skipped":
            reason = (record.note or "").partition(": ")[0]
            skipped[reason] = skipped.get(reason, 0) + 1
    return {
        "target": run.target,
        "cloud": cloud,
        "writes": run.writes,
        "tools_listed": len(run.tools),
        "wall_s": run.wall_s,
        "executed": len(run.executed()),
        "skipped": skipped,
        "throughput_cps": throughput(run),
    }


def _parity(parity: ParityReport) -> dict[str, Any]:
    return {
        "overall_pct": parity.parity_pct,
        "compared": parity.compared,
        "matched": parity.matched,
        "mismatched": parity.mismatched,
        "not_compared": dict(parity.not_compared),
        "tools": {
            name: {
                "compared": tool.compared,
                "matched": tool.matched,
                "not_compared": tool.not_compared,
                "parity_pct": tool.parity_pct,
                "fields": {
                    f: {"present": c.present, "differing": c.differing, "parity_pct": c.parity_pct}
                    for f, c in sorted(tool.fields.items())
                },
            }
            for name, tool in sorted(parity.tools.items())
        },
        "examples": [asdict(example) for example in parity.examples],
    }


def _cost(cost: CostEstimate) -> dict[str, Any]:
    return {
        "cloud": cost.cloud,
        "region": cost.region,
        "volume": cost.volume,
        "typical_duration_s": cost.typical_duration_s,
        "total_usd": cost.total_usd,
        "lines": [asdict(line) for line in cost.lines],
    }


def build_report(
    config: PilotConfig,
    workload: Workload,
    runs: dict[str, TargetRun],
    parity: ParityReport,
    prices: PriceModel,
    rules: list[Rule],
) -> dict[str, Any]:
    clouds = {"baseline": config.baseline_cloud, "candidate": config.candidate_cloud}
    costs = {
        side: estimate(prices, clouds[side], volume=config.volume, typical_duration_s=typical_duration_s(runs[side]))
        for side in SIDES
    }
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "config": asdict(config),
        "workload": {"name": workload.name, "steps": len(workload.steps), "writes": workload.writes},
        "targets": {side: _run_summary(runs[side], clouds[side]) for side in SIDES},
        "parity": _parity(parity),
        "latency": {side: {t: asdict(s) for t, s in latency(runs[side]).items()} for side in SIDES},
        "latency_samples_ms": {side: durations_by_tool(runs[side]) for side in SIDES},
        "errors": {
            side: {
                tool: {**asdict(e), "error_rate": e.error_rate, "tool_error_rate": e.tool_error_rate}
                for tool, e in errors(runs[side]).items()
            }
            for side in SIDES
        },
        "cost": {
            "volume": config.volume,
            "currency": prices.currency,
            "prices_file": prices.path,
            "notes": prices.notes,
            **{side: _cost(costs[side]) for side in SIDES},
        },
    }
    report["metrics"] = metrics_of(report)
    verdicts = evaluate(rules, report["metrics"])
    report["fail_on"] = {
        "rules": [rule.text for rule in rules],
        "verdicts": [_verdict(v) for v in verdicts],
        "tripped": [v.text for v in verdicts if v.tripped],
    }
    report["exit_code"] = 1 if any(v.tripped for v in verdicts) else 0
    cleaned: dict[str, Any] = clean(report)
    return cleaned


def _verdict(verdict: Verdict) -> dict[str, Any]:
    return {"rule": verdict.rule.text, "value": verdict.value, "tripped": verdict.tripped, "text": verdict.text}


def metrics_of(report: dict[str, Any]) -> dict[str, float | None]:
    """The flat values ``--fail-on`` rules name: ``parity``, ``parity:get_company``, ``p99_ratio``..."""
    metrics: dict[str, float | None] = {}
    parity = report["parity"]
    metrics["parity"] = parity["overall_pct"]
    metrics["mismatches"] = float(parity["mismatched"])
    for tool, body in parity["tools"].items():
        metrics[f"parity:{tool}"] = body["parity_pct"]
    base, cand = report["latency"]["baseline"], report["latency"]["candidate"]
    for tool in sorted(set(base) | set(cand)):
        suffix = "" if tool == ALL else f":{tool}"
        for q in ("p50", "p95", "p99"):
            ours = cand.get(tool, {}).get(f"{q}_ms")
            metrics[f"{q}_ms{suffix}"] = ours
            metrics[f"{q}_ratio{suffix}"] = _ratio(ours, base.get(tool, {}).get(f"{q}_ms"))
    for side, prefix in (("candidate", ""), ("baseline", "baseline_")):
        for tool, body in report["errors"][side].items():
            suffix = "" if tool == ALL else f":{tool}"
            metrics[f"{prefix}error_rate{suffix}"] = body["error_rate"]
            if not prefix:
                metrics[f"tool_error_rate{suffix}"] = body["tool_error_rate"]
    targets = report["targets"]
    metrics["throughput_ratio"] = _ratio(targets["candidate"]["throughput_cps"], targets["baseline"]["throughput_cps"])
    cost = report["cost"]
    metrics["cost_ratio"] = _ratio(cost["candidate"]["total_usd"], cost["baseline"]["total_usd"])
    return metrics
