"""The pilot's plots: drawn when the ``plots`` extra (matplotlib) is installed; a clear way to get them when not."""

from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path

import pytest

from pilot.cli import write_reports
from pilot.plots import PLOTS_HINT, PlotsUnavailable, all_plots
from tests.pilot.conftest import PilotRun

PNG = b"\x89PNG\r\n\x1a\n"


def _report(parity_run: PilotRun) -> dict[str, object]:
    report: dict[str, object] = json.loads((parity_run.out / "report.json").read_text(encoding="utf-8"))
    return report


def _without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if matplotlib were not installed: a None entry in sys.modules makes its import raise ImportError."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_with_matplotlib_the_report_has_its_three_plots(parity_run: PilotRun, tmp_path: Path) -> None:
    plots = all_plots(_report(parity_run))
    assert set(plots) == {"latency", "parity", "cost"} and all(png.startswith(PNG) for png in plots.values())
    write_reports(_report(parity_run), tmp_path)
    assert (tmp_path / "report.html").read_text(encoding="utf-8").count("data:image/png;base64,") == 3


def test_without_matplotlib_the_reports_say_how_to_get_the_plots(
    parity_run: PilotRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _without_matplotlib(monkeypatch)
    with pytest.raises(PlotsUnavailable, match=r"pip install 'company-mcp\[plots\]'"):
        all_plots(_report(parity_run))

    write_reports(_report(parity_run), tmp_path)
    assert "pip install 'company-mcp[plots]'" in capsys.readouterr().err
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "data:image/png" not in html
    assert html.count(escape(PLOTS_HINT)) == 3  # one line where each plot would be
    assert (tmp_path / "report.md").is_file() and (tmp_path / "report.json").is_file()
