"""One real pilot run shared by the tests that read its reports (it takes a few seconds)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pilot.helpers import copy_store, run_command
from tests.support import start_server


@dataclass(frozen=True)
class PilotRun:
    done: subprocess.CompletedProcess[str]
    out: Path


@pytest.fixture(scope="session")
def parity_run(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PilotRun]:
    """``local:fake`` against a real server over a copy of the same seeded store."""
    root = tmp_path_factory.mktemp("pilot")
    local = copy_store(seeded_store, root / "local")
    server = start_server(copy_store(seeded_store, root / "served"), log_dir=root)
    out = root / "report"
    try:
        done = run_command(
            "pilot",
            "--baseline",
            "local:fake",
            "--candidate",
            server.url,
            "--calls",
            "120",
            "--concurrency",
            "4",
            "--out",
            str(out),
            "--fail-on",
            "parity<100,error_rate>0",
            "--candidate-cloud",
            "aws",
            data_dir=local,
        )
    finally:
        server.stop()
    yield PilotRun(done, out)
