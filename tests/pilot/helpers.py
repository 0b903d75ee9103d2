"""Running ``pilot`` and ``verify`` as real processes, and copying the small seeded store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support import server_env


def copy_store(seeded_store: Path, root: Path) -> Path:
    """A fresh data dir holding a copy of the small store (each target gets its own)."""
    root.mkdir(parents=True)
    for suffix in ("", "-wal", "-shm"):
        source = seeded_store.with_name(seeded_store.name + suffix)
        if source.exists():
            shutil.copy(source, root / source.name)
    return root


def command_prefix(command: str) -> tuple[str, ...]:
    """``company-mcp COMMAND``, as a user runs it (in a subprocess: tests drive the CLI from outside)."""
    return (sys.executable, "-m", "cli.main", command)


def run_command(command: str, *args: str, data_dir: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command_prefix(command), *args],
        env=server_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_report(out: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    return report


def mint_token(data_dir: Path, url: str, scopes: str = "companies:read companies:write") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "token", "--url", url, "--scopes", scopes, "--ttl", "1h"],
        env=server_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()
