"""``company-mcp pilot``: run one workload against a baseline and a candidate; report parity, latency, errors, cost.

Exit codes: 0 when no ``--fail-on`` rule trips, 1 when one does (each is printed),
2 on a usage error or a target that cannot be reached. Writes ``report.json``,
``report.md`` and ``report.html`` under ``--out`` and prints the Markdown summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio

from core.errors import ConfigError
from core.normalize import DEFAULT_IGNORE
from pilot.cost import load_prices
from pilot.errors import PilotUsageError
from pilot.options import DEFAULT_CALLS, SIDES, TOKEN_ENV
from pilot.parity import compare_runs
from pilot.report import PilotConfig, build_report
from pilot.report_html import render_html
from pilot.report_md import render_markdown
from pilot.runner import RunOptions, TargetRun, run_workload
from pilot.targets import TargetSpec, innermost, open_target, parse_target
from pilot.thresholds import parse_fail_on
from pilot.workload import Workload, builtin_workload, load_jsonl

EXIT_OK, EXIT_TRIPPED, EXIT_USAGE = 0, 1, 2


class TargetFailed(Exception):
    """A target could not be reached or listed: nothing to compare (exit 2)."""


def _workload(args: argparse.Namespace) -> Workload:
    if args.calls is not None and args.calls < 1:
        raise PilotUsageError("--calls must be at least 1")
    if args.workload == "builtin":
        return builtin_workload(args.calls or DEFAULT_CALLS, include_writes=args.include_writes)
    return load_jsonl(Path(args.workload), args.calls)


def _check(args: argparse.Namespace) -> None:
    if args.concurrency < 1:
        raise PilotUsageError("--concurrency must be at least 1")
    if args.volume < 0:
        raise PilotUsageError("--volume must be 0 or more")
    if args.timeout <= 0:
        raise PilotUsageError("--timeout must be above 0")


async def _run_both(
    specs: dict[str, TargetSpec],
    tokens: dict[str, str | None],
    workload: Workload,
    options: RunOptions,
    call_timeout_s: float,
) -> dict[str, TargetRun]:
    runs: dict[str, TargetRun] = {}
    for side in SIDES:  # one after the other: they never compete for the machine
        spec = specs[side]
        try:
            async with open_target(spec, tokens[side], timeout_s=call_timeout_s) as session:
                runs[side] = await run_workload(
                    session, workload, target=spec.label, options=options, baseline=runs.get("baseline")
                )
        except (PilotUsageError, ConfigError):
            raise
        except Exception as exc:
            cause = innermost(exc)
            tokenless = spec.kind == "url" and not tokens[side]
            hint = f" (no --{side}-token given; does the endpoint need one?)" if tokenless else ""
            raise TargetFailed(f"{side} target {spec.label}: {type(cause).__name__}: {cause}{hint}") from None
    return runs


def pilot_main(args: argparse.Namespace) -> int:
    try:
        _check(args)
        try:
            rules = parse_fail_on(args.fail_on)
        except ValueError as exc:
            raise PilotUsageError(str(exc)) from None
        prices = load_prices(Path(args.prices) if args.prices else None)
        specs = {"baseline": parse_target(args.baseline), "candidate": parse_target(args.candidate)}
        tokens = {side: getattr(args, f"{side}_token") or os.environ.get(TOKEN_ENV[side]) for side in SIDES}
        workload = _workload(args)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        options = RunOptions(args.concurrency, args.include_writes, progress=not args.no_progress)
        runs = anyio.run(_run_both, specs, tokens, workload, options, args.timeout)
    except (PilotUsageError, TargetFailed) as exc:
        print(f"company-mcp pilot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"company-mcp pilot: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"company-mcp pilot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parity = compare_runs(runs["baseline"], runs["candidate"], ignore=(*DEFAULT_IGNORE, *args.ignore_field))
    config = PilotConfig(
        baseline=specs["baseline"].label,
        candidate=specs["candidate"].label,
        baseline_cloud=args.baseline_cloud,
        candidate_cloud=args.candidate_cloud,
        workload=workload.name,
        calls=len(workload.steps),
        concurrency=args.concurrency,
        volume=args.volume,
        include_writes=args.include_writes,
        fail_on=args.fail_on,
        out=str(out),
        prices=prices.path,
    )
    report = build_report(config, workload, runs, parity, prices, rules)
    write_reports(report, out)
    print(render_markdown(report), end="")
    for tripped in report["fail_on"]["tripped"]:
        print(f"company-mcp pilot: tripped: {tripped}", file=sys.stderr)
    code: int = report["exit_code"]
    return code


def write_reports(report: dict[str, Any], out: Path) -> None:
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_markdown(report), encoding="utf-8")
    from pilot.plots import PlotsUnavailable, all_plots

    try:
        plots = all_plots(report)
    except PlotsUnavailable as exc:  # matplotlib is the plots extra: the reports say how to get the plots
        print(f"company-mcp pilot: note: report.html has {exc}", file=sys.stderr)
        plots = {}
    (out / "report.html").write_text(render_html(report, plots), encoding="utf-8")
