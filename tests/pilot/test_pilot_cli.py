"""The pilot's command line: usage errors exit 2 in one line; recorded workloads run; writes need a flag."""

from __future__ import annotations

import json
from pathlib import Path

from tests.pilot.helpers import read_report, run_command


def test_usage_errors_exit_2_before_anything_is_called(data_dir: Path) -> None:
    cases = [
        (["--baseline", "local:fake", "--candidate", "local:fake", "--fail-on", "latency>3"], "unknown metric"),
        (["--baseline", "fake", "--candidate", "local:fake"], "expected an MCP URL"),
        (["--baseline", "local:fake", "--candidate", "local:fake", "--calls", "0"], "--calls"),
        (["--baseline", "local:fake", "--candidate", "local:fake", "--workload", "missing.jsonl"], "missing.jsonl"),
        (["--baseline", "local:fake", "--candidate", "http://127.0.0.1:9/mcp", "--calls", "2"], "candidate target"),
    ]
    for args, message in cases:
        done = run_command("pilot", *args, "--out", str(data_dir / "out"), data_dir=data_dir, timeout=120)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_recorded_workload_runs_and_its_writes_wait_for_the_flag(data_dir: Path, tmp_path: Path) -> None:
    calls = [
        {"tool": "search_companies", "arguments": {"country": "DE", "limit": 3}},
        {"tool": "get_company", "arguments": {"company_id": "cmp_00000042"}},
        {"tool": "create_collection", "arguments": {"name": "recorded"}},
    ]
    workload = tmp_path / "calls.jsonl"
    workload.write_text("# recorded from a session\n" + "\n".join(json.dumps(c) for c in calls) + "\n")
    out = tmp_path / "out"
    done = run_command(
        "pilot",
        "--baseline",
        "local:fake",
        "--candidate",
        "local:fake",
        "--workload",
        str(workload),
        "--calls",
        "6",
        "--out",
        str(out),
        "--fail-on",
        "parity<100",
        data_dir=data_dir,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = read_report(out)
    assert report["workload"] == {"name": str(workload), "steps": 6, "writes": 2}
    assert report["targets"]["baseline"]["skipped"] == {"write tool": 2}
    assert report["parity"]["tools"]["get_company"]["compared"] == 2
    assert "create_collection" not in report["errors"]["baseline"]  # never called
