"""The Markdown summary (printed on stdout and written as ``report.md``), drawn from ``report.json`` data."""

from __future__ import annotations

import json
from typing import Any

from pilot.stats import ALL

VALUE_CHARS = 120


def short(value: Any, limit: int = VALUE_CHARS) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell(value: Any) -> str:
    """Table cell text: pipes and newlines would break a Markdown table."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def number(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def render_markdown(report: dict[str, Any]) -> str:
    config, parity, targets = report["config"], report["parity"], report["targets"]
    out = [
        "# Migration pilot",
        "",
        f"Baseline **{config['baseline']}** ({targets['baseline']['cloud']}) vs candidate "
        f"**{config['candidate']}** ({targets['candidate']['cloud']}): workload {report['workload']['name']}, "
        f"{report['workload']['steps']} calls per target at concurrency {config['concurrency']}, "
        f"writes {'included' if config['include_writes'] else 'excluded'}.",
        "",
    ]
    verdicts = report["fail_on"]["verdicts"]
    if verdicts:
        out.append("**Result: " + ("FAIL" if report["exit_code"] else "PASS") + "**")
        out += [f"- {'tripped' if v['tripped'] else 'ok'}: `{v['text']}`" for v in verdicts]
        out.append("")
    out += [
        "## Parity",
        "",
        f"{number(parity['overall_pct'])} % of {parity['compared']} compared calls gave the same answer "
        f"({parity['mismatched']} differ).",
        "",
    ]
    if parity["not_compared"]:
        out += [f"Not compared: {', '.join(f'{n} ({r})' for r, n in parity['not_compared'].items())}.", ""]
    rows = []
    for tool, body in parity["tools"].items():
        worst = sorted(
            (f for f, c in body["fields"].items() if c["differing"]), key=lambda f: -body["fields"][f]["differing"]
        )
        rows.append([tool, body["compared"], body["matched"], number(body["parity_pct"]), ", ".join(worst[:3]) or "-"])
    out += table(["tool", "compared", "matched", "parity %", "differing fields"], rows)
    if parity["examples"]:
        out += ["First differences:", ""]
        rows = [
            [e["tool"], short(e["arguments"], 60), e["field"], short(e["baseline"], 50), short(e["candidate"], 50)]
            for e in parity["examples"]
        ]
        out += table(["tool", "arguments", "field", "baseline", "candidate"], rows)
    out += _latency(report) + _errors(report) + _cost(report)
    return "\n".join(out).rstrip() + "\n"


def _latency(report: dict[str, Any]) -> list[str]:
    base, cand = report["latency"]["baseline"], report["latency"]["candidate"]
    rows = []
    for tool in sorted(set(base) | set(cand), key=lambda t: (t != ALL, t)):
        b, c = base.get(tool, {}), cand.get(tool, {})
        rows.append(
            [tool, c.get("count") or b.get("count") or 0]
            + [f"{number(b.get(q), 2)} / {number(c.get(q), 2)}" for q in ("p50_ms", "p95_ms", "p99_ms")]
        )
    targets = report["targets"]
    return [
        "## Latency (ms, baseline / candidate)",
        "",
        *table(["tool", "calls", "p50", "p95", "p99"], rows),
        f"Throughput: {number(targets['baseline']['throughput_cps'])} calls/s (baseline), "
        f"{number(targets['candidate']['throughput_cps'])} calls/s (candidate).",
        "",
    ]


def _errors(report: dict[str, Any]) -> list[str]:
    rows = []
    for side in ("baseline", "candidate"):
        overall = report["errors"][side].get(ALL, {"by_type": {}, "calls": 0, "error_rate": 0.0})
        types = ", ".join(f"{t}: {n}" for t, n in sorted(overall["by_type"].items())) or "-"
        rows.append([side, overall["calls"], types, number(100 * overall["error_rate"], 2)])
    lines = ["## Errors", "", *table(["target", "calls", "answers by error type", "fault rate %"], rows)]
    for side in ("baseline", "candidate"):
        target = report["targets"][side]
        skipped = ", ".join(f"{n} ({r})" for r, n in target["skipped"].items())
        lines.append(f"- {side}: writes {target['writes']}" + (f"; skipped {skipped}" if skipped else ""))
    return [*lines, ""]


def _cost(report: dict[str, Any]) -> list[str]:
    cost = report["cost"]
    lines = [f"## Estimated monthly cost at {cost['volume']:,} calls/month ({cost['currency']})", ""]
    for side in ("baseline", "candidate"):
        body = cost[side]
        lines.append(
            f"- {side} ({body['cloud']}, {body['region']}): **{number(body['total_usd'], 2)}**, "
            f"typical call {number(1000 * body['typical_duration_s'], 2)} ms"
        )
    lines += ["", f"Prices from `{cost['prices_file']}`; every line names its source and date in report.html.", ""]
    return lines
