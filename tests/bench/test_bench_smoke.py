"""CI runs the benchmark harness in its quick mode: it must work and print its table (no absolute targets)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_quick_benchmark_runs_and_reports(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "## Overhead and bare-SDK comparison" in done.stdout and "## Throughput" in done.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    assert {row["revision"] for row in results["latency"]} == {"2025-11-25", "2026-07-28"}
    assert all(row["product"]["p50_ms"] > 0 and row["bare"]["p50_ms"] > 0 for row in results["latency"])
    assert any(row["server"] == "company-mcp" and row["workers"] == 2 for row in results["throughput"])
    assert (tmp_path / "latency.png").read_bytes().startswith(b"\x89PNG")
    assert "## Peer" in done.stdout and "## Scale" in done.stdout and "## ai_search understanding" in done.stdout
    assert results["ai_search"]["cases"] >= 80 and results["ai_search"]["interpreter"]["p99_ms"] > 0
    assert results["scale"]["sqlite"]["p99_ms"] > 0 and "postgresql" in results["scale"]
