"""``pip install company-mcp`` (the core set, no extras) gives a working local server.

The server, ``token`` and ``call`` run as subprocesses in which every installed distribution outside
the closure of ``[project].dependencies`` cannot be imported (``core_install/sitecustomize.py``):
psycopg, redis, ariadne, matplotlib, uvloop, httptools, the cloud SDKs and the test tools vanish.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.utils import canonicalize_name

from stacks.build_lambda import Resolved, closure
from tests.support import start_server

REPO = Path(__file__).resolve().parents[2]
OWN_PACKAGES = frozenset({"core", "adapters", "cli", "companydata", "pilot", "bench", "stacks", "tests"})


def absent_outside_core() -> list[str]:
    """Top-level import names of installed distributions that the core set does not pull in."""
    roots = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    installed = [
        Resolved(canonicalize_name(dist.metadata["Name"]), dist.version, tuple(dist.requires or ()))
        for dist in metadata.distributions()
    ]
    core = set(closure(roots, installed, (), dict(default_environment())))
    absent = {
        name
        for name, dists in metadata.packages_distributions().items()
        if name not in OWN_PACKAGES
        and not name.startswith("_")
        and not {canonicalize_name(d) for d in dists} & core
        and name not in sys.stdlib_module_names
    }
    return sorted(absent)


@pytest.fixture
def core_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    absent = absent_outside_core()
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).with_name("core_install")))
    monkeypatch.setenv("CORE_INSTALL_ABSENT", ",".join(absent))
    return absent


def company_mcp(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_core_set_leaves_out_every_extra(core_only: list[str]) -> None:
    assert {"psycopg", "redis", "ariadne", "matplotlib", "uvloop", "httptools", "botocore", "mangum"} <= set(core_only)
    assert not {"mcp", "uvicorn", "starlette", "pydantic", "httpx", "jwt", "limits"} & set(core_only)
    done = subprocess.run([sys.executable, "-c", "import psycopg"], capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "No module named 'psycopg'" in done.stderr  # the blocker is in effect


def test_serve_token_and_call_work_with_the_core_set_only(core_only: list[str], tmp_path: Path) -> None:
    server = start_server(tmp_path, auth="dev", seed_companies=200)
    try:
        token = company_mcp("token", "--url", server.url, "--scopes", "companies:read", data_dir=tmp_path)
        assert token.returncode == 0, token.stderr
        called = company_mcp(
            "call",
            "search_companies",
            "--arg",
            "limit=2",
            "--url",
            server.url,
            "--token",
            token.stdout.strip(),
            data_dir=tmp_path,
        )
        assert called.returncode == 0, called.stderr
        assert len(json.loads(called.stdout)["items"]) == 2
    finally:
        server.stop()
    assert "Traceback" not in server.stderr_path.read_text()


def test_a_command_that_needs_an_extra_names_it(core_only: list[str], tmp_path: Path) -> None:
    api = company_mcp("api", "--port", "0", data_dir=tmp_path)
    assert api.returncode == 2
    assert "api needs the 'api' extra" in api.stderr and "pip install 'company-mcp[api]'" in api.stderr
    migrate = subprocess.run(
        [sys.executable, "-m", "cli.main", "migrate", "--store", "postgresql://127.0.0.1/test"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert migrate.returncode == 2 and "pip install 'company-mcp[postgres]'" in migrate.stderr
