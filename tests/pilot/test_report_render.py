"""The HTML report renders in headless Chromium with its plots (skipped locally without Chromium; fails in CI)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from pilot.plots import CATEGORY_COLORS, COLORS
from tests.pilot.conftest import PilotRun
from tests.support import IN_CI

PARITY_GREEN = "#55a868"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        if IN_CI:
            pytest.fail("Chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed")
    return found


def _pixels_near(image: np.ndarray, color: str, alpha: float = 1.0, tolerance: float = 0.06) -> int:
    """How many pixels show ``color`` (drawn at ``alpha`` over white)."""
    rgb = np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    target = alpha * rgb + (1 - alpha)
    distance = np.abs(image[:, :, :3] - target).max(axis=2)
    return int((distance < tolerance).sum())


def test_the_report_renders_with_its_plots(parity_run: PilotRun, tmp_path: Path) -> None:
    browser = _chromium()
    shot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                "--window-size=1200,4200",
                (parity_run.out / "report.html").resolve().as_uri(),
            ],
            capture_output=True,
            timeout=90,
            check=True,
        )
    image = imread(shot)
    assert image.shape[0] >= 4000 and image.shape[1] >= 1200
    assert (image[:, :, :3] < 0.9).any(axis=2).sum() > 50_000, "the page is (nearly) blank"
    assert _pixels_near(image, PARITY_GREEN) > 5_000, "the parity plot is missing"
    assert _pixels_near(image, COLORS["baseline"], 0.75) > 500, "the latency plot (baseline boxes) is missing"
    assert _pixels_near(image, COLORS["candidate"], 0.75) > 500, "the latency plot (candidate boxes) is missing"
    assert _pixels_near(image, CATEGORY_COLORS["database"]) > 2_000, "the cost plot is missing"
