"""A pilot between ``local:fake`` and a real server over a copy of the same store: full parity, readable reports."""

from __future__ import annotations

import base64
import re

from tests.pilot.conftest import PilotRun
from tests.pilot.helpers import read_report

DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def test_same_store_gives_full_parity_and_exit_0(parity_run: PilotRun) -> None:
    assert parity_run.done.returncode == 0, parity_run.done.stdout + parity_run.done.stderr
    report = read_report(parity_run.out)
    parity = report["parity"]
    assert parity["overall_pct"] == 100.0 and parity["mismatched"] == 0 and not parity["examples"]
    assert parity["compared"] >= 100
    # the mix exercised the read tools, paging, lookups and the typed errors
    assert {"search_companies", "get_company", "list_collections", "(tools/list)"} <= set(parity["tools"])
    labels = [t for t in report["errors"]["baseline"] if not t.startswith("(")]
    assert "get_company" in labels
    assert report["errors"]["candidate"]["(all)"]["by_type"].get("validation", 0) >= 1
    assert report["fail_on"]["rules"] == ["parity<100", "error_rate>0"] and report["exit_code"] == 0


def test_report_states_latency_errors_and_cost(parity_run: PilotRun) -> None:
    report = read_report(parity_run.out)
    for side in ("baseline", "candidate"):
        overall = report["latency"][side]["(all)"]
        assert overall["count"] == 120
        assert 0 < overall["p50_ms"] <= overall["p95_ms"] <= overall["p99_ms"]
        assert report["targets"][side]["throughput_cps"] > 0
        assert report["targets"][side]["writes"] == "not requested"
    cost = report["cost"]
    assert cost["baseline"]["cloud"] == "local" and cost["baseline"]["total_usd"] == 0
    assert cost["candidate"]["cloud"] == "aws" and cost["candidate"]["total_usd"] > 0
    for line in cost["candidate"]["lines"]:
        assert line["source"].startswith("https://") and line["date"]
    assert report["metrics"]["parity"] == 100.0


def test_markdown_and_html_reports_are_written(parity_run: PilotRun) -> None:
    markdown = (parity_run.out / "report.md").read_text()
    assert markdown.startswith("# Migration pilot") and "**Result: PASS**" in markdown
    assert parity_run.done.stdout == markdown  # the same summary on stdout
    html = (parity_run.out / "report.html").read_text()
    images = DATA_URI.findall(html)
    assert len(images) == 3
    for image in images:
        assert base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n")
    # self-contained: nothing is loaded from elsewhere
    assert "<script" not in html and "<link" not in html
    assert not re.search(r'src="(?!data:)', html)
