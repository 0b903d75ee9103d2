"""MCP Inspector's CLI and the official conformance suite against the running HTTP server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import IN_CI, ServerProcess, start_server

TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools" / "mcp"
pytestmark = pytest.mark.node

# Scenarios of the suite that apply to this server (it serves tools only, statelessly, JSON responses).
# Not applicable: resources-*, prompts-*, completion-* (no such capabilities); tools-call-*,
# json-schema-2020-12, elicitation and sampling, which call fixture tools only the suite's own test server
# has; logging, progress, SSE polling and session-lifecycle scenarios, which a stateless JSON server cannot
# serve on the 2025 wire (design.md section 6).
APPLICABLE_2025 = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"]
APPLICABLE_2026 = ["server-stateless", "tools-list", "http-header-validation", "dns-rebinding-protection", "caching"]


@pytest.fixture(scope="module")
def node_tools() -> Path:
    if not (TOOLS_DIR / "node_modules" / ".bin" / "conformance").exists():
        if IN_CI:
            pytest.fail("tools/mcp is not installed (make tools)")
        pytest.skip("tools/mcp is not installed (make tools)")
    return TOOLS_DIR


@pytest.fixture
def server(data_dir: Path, node_tools: Path) -> Iterator[ServerProcess]:
    process = start_server(data_dir, "--allow-mutations")
    yield process
    process.stop()


def npx(tools: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "CI": "true", "NO_COLOR": "1"}
    return subprocess.run(
        ["npx", "--no-install", *args], cwd=tools, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_inspector_lists_and_calls_tools(server: ServerProcess, node_tools: Path, tmp_path: Path) -> None:
    listed = npx(node_tools, "mcp-inspector", "--cli", server.url, "--method", "tools/list", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    names = {tool["name"] for tool in json.loads(listed.stdout)["tools"]}
    assert len(names) == 9 and "search_companies" in names
    called = npx(
        node_tools,
        "mcp-inspector",
        "--cli",
        server.url,
        "--method",
        "tools/call",
        "--tool-name",
        "search_companies",
        "--tool-arg",
        "country=DE",
        "--tool-arg",
        "limit=2",
        home=tmp_path,
    )
    assert called.returncode == 0, called.stderr
    result = json.loads(called.stdout)
    assert result.get("isError") in (None, False)
    assert [item["country"] for item in result["structuredContent"]["items"]] == ["DE", "DE"]


def scenario_checks(results: Path) -> list[dict]:  # type: ignore[type-arg]
    """The checks of one scenario, from the checks.json the suite writes under --output-dir."""
    files = list(results.glob("*/checks.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text())


@pytest.mark.parametrize(
    ("version", "scenarios"),
    [("2025-11-25", APPLICABLE_2025), ("2026-07-28", APPLICABLE_2026)],
)
def test_conformance_scenarios_that_apply_pass(
    server: ServerProcess, node_tools: Path, tmp_path: Path, version: str, scenarios: list[str]
) -> None:
    """Every check passes, except those the suite itself marks untestable: they need its diagnostic fixture
    tools (test_missing_capability, test_streaming_elicitation, test_logging_tool), which this server does not
    have."""
    failures = []
    for scenario in scenarios:
        done = npx(
            node_tools,
            "conformance",
            "server",
            "--url",
            server.url,
            "--spec-version",
            version,
            "--scenario",
            scenario,
            "--output-dir",
            str(tmp_path / scenario),
            home=tmp_path,
        )
        checks = scenario_checks(tmp_path / scenario)
        assert checks, f"{scenario}: no checks:\n{done.stdout[-2000:]}{done.stderr[-500:]}"
        for check in checks:
            untestable = bool((check.get("details") or {}).get("untestable"))
            if check["status"] == "FAILURE" and not untestable:
                failures.append(f"{scenario}/{check['id']}: {check.get('errorMessage', '')}")
    assert not failures, "\n".join(failures)
