"""A seeded divergence: a proxy changes employee_count in get_company answers; the pilot names tool and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.pilot.helpers import read_report, run_command
from tests.pilot.proxy import RewritingProxy
from tests.support import ServerProcess


def _more_employees(structured: dict[str, Any]) -> None:
    structured["employee_count"] = structured["employee_count"] + 1


def test_one_changed_field_is_named_and_fails_the_run(http_server: ServerProcess, data_dir: Path) -> None:
    out = data_dir.parent / "report"
    with RewritingProxy(http_server.base, "get_company", _more_employees) as proxy:
        done = run_command(
            "pilot",
            "--baseline",
            http_server.url,
            "--candidate",
            proxy.url(),
            "--calls",
            "60",
            "--out",
            str(out),
            "--fail-on",
            "parity<100",
            data_dir=data_dir,
        )
    assert proxy.rewritten > 0
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tripped: parity<100" in done.stderr
    report = read_report(out)
    tools = report["parity"]["tools"]
    differing = {tool for tool, body in tools.items() if body["matched"] < body["compared"]}
    assert differing == {"get_company"}
    fields = {name for name, count in tools["get_company"]["fields"].items() if count["differing"]}
    assert fields == {"employee_count"}  # the text content was changed too: only the field itself differs
    example = report["parity"]["examples"][0]
    assert (example["tool"], example["field"]) == ("get_company", "employee_count")
    assert example["candidate"] == example["baseline"] + 1
    assert "employee_count" in done.stdout  # the summary names the field
