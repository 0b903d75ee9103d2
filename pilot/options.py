"""The command-line options of ``company-mcp pilot`` and ``company-mcp verify``.

Kept apart from the commands themselves so that building the ``company-mcp``
parser imports nothing heavy (no MCP client, no matplotlib): ``serve`` starts as
fast as before. The commands are ``pilot.cli.pilot_main`` and
``pilot.verify.verify_main``.
"""

from __future__ import annotations

import argparse

from pilot.cost import CLOUDS
from pilot.thresholds import METRICS

SIDES = ("baseline", "candidate")
DEFAULT_CALLS = 200
DEFAULT_VOLUME = 1_000_000
DEFAULT_TIMEOUT_S = 30.0
TOKEN_ENV = {"baseline": "COMPANY_MCP_PILOT_BASELINE_TOKEN", "candidate": "COMPANY_MCP_PILOT_CANDIDATE_TOKEN"}
VERIFY_TOKEN_ENV = "COMPANY_MCP_VERIFY_TOKEN"

PILOT_HELP = "compare a baseline and a candidate deployment: parity, latency, errors, cost"
PILOT_DESCRIPTION = (
    "Run one workload against a baseline and a candidate deployment (one after the other) and report parity per "
    "tool and field, latency percentiles, error rates, throughput and an estimated monthly cost. Writes "
    "report.md, report.html and report.json under --out and prints the summary. Exit 0 when no --fail-on rule "
    "trips, 1 when one does, 2 on a usage error or an unreachable target."
)
VERIFY_HELP = "check a deployed endpoint's promises"
VERIFY_DESCRIPTION = (
    "Check a deployed endpoint's promises (auth challenge and metadata, tool schemas, blocked or idempotent "
    "writes, the 100 cap, quotas, typed errors, readiness) and print a pass/fail table. Exit 0 only when all hold."
)


def add_pilot_arguments(parser: argparse.ArgumentParser) -> None:
    target_help = "an MCP URL (https://host/mcp), local:fake, or local:graphql=URL"
    parser.add_argument("--baseline", required=True, metavar="TARGET", help=f"the current deployment: {target_help}")
    parser.add_argument("--candidate", required=True, metavar="TARGET", help=f"the new deployment: {target_help}")
    for side in SIDES:
        parser.add_argument(
            f"--{side}-token",
            metavar="T",
            help=f"bearer token for a {side} URL (or env {TOKEN_ENV[side]})",
        )
    parser.add_argument(
        "--workload",
        default="builtin",
        metavar="builtin|FILE.jsonl",
        help='the built-in mix (default), or recorded calls, one {"tool": ..., "arguments": {...}} per line',
    )
    parser.add_argument(
        "--calls",
        type=int,
        metavar="N",
        help=f"calls per target (default {DEFAULT_CALLS} for builtin; every line of a file, repeated to fill N)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, metavar="C", help="calls in flight per target (default 4)"
    )
    parser.add_argument(
        "--volume",
        type=int,
        metavar="N",
        default=DEFAULT_VOLUME,
        help=f"calls per month for the cost estimate (default {DEFAULT_VOLUME:,})",
    )
    parser.add_argument(
        "--include-writes",
        action="store_true",
        help="also call write tools (only on targets whose writes are enabled; collection 'pilot-parity', idempotent)",
    )
    parser.add_argument(
        "--out", default="pilot-report", metavar="DIR", help="where the reports go (default pilot-report)"
    )
    parser.add_argument(
        "--fail-on",
        default="",
        metavar="EXPR",
        help="comma-separated rules that make the exit code 1, e.g. 'parity<100,p99_ratio>1.2,error_rate>0.01'; "
        f"metrics: {', '.join(METRICS)} (append :TOOL for one tool)",
    )
    for side in SIDES:
        parser.add_argument(
            f"--{side}-cloud", choices=CLOUDS, default="local", help=f"price model for the {side} (default local)"
        )
    parser.add_argument("--prices", metavar="FILE", help="price model JSON (default: the shipped pilot/prices.json)")
    parser.add_argument(
        "--ignore-field",
        action="append",
        default=[],
        metavar="PATH",
        help="a field that may differ, e.g. 'items[].updated_at' (repeatable; added to the built-in list)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"seconds per call (default {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="the deployed MCP endpoint, e.g. https://mcp.example.com/mcp")
    parser.add_argument(
        "--token",
        metavar="T",
        help=f"bearer token with companies:read and companies:write (or env {VERIFY_TOKEN_ENV})",
    )
    parser.add_argument(
        "--expect-writes",
        action="store_true",
        help="the endpoint should allow writes (default: expect them blocked); the probe is collection 'verify-probe'",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"seconds per request (default {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
