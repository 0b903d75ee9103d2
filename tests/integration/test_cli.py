"""The CLI contract: typed arguments, exit codes 0/1/2, one-line errors and refusals to start unsafely."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import server_env


def run(data_dir: Path, *args: str, **settings: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=server_env(data_dir, **settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_call_prints_json_and_exits_0(data_dir: Path) -> None:
    done = run(data_dir, "call", "search_companies", "--arg", "limit=3", "--arg", "country=DE")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["items"]) == 3 and {i["country"] for i in result["items"]} == {"DE"}


def test_call_takes_json_lists(data_dir: Path) -> None:
    created = run(data_dir, "call", "create_collection", "--arg", "name=CLI", "--allow-mutations")
    collection_id = json.loads(created.stdout)["collection"]["id"]
    added = run(
        data_dir,
        "call",
        "add_to_collection",
        "--arg",
        f"collection_id={collection_id}",
        "--arg",
        'company_ids=["cmp_00000001","cmp_00000002"]',
        "--allow-mutations",
    )
    assert added.returncode == 0, added.stdout + added.stderr
    assert json.loads(added.stdout)["added"] == ["cmp_00000001", "cmp_00000002"]


def test_tool_error_exits_1_with_its_json(data_dir: Path) -> None:
    done = run(data_dir, "call", "create_collection", "--arg", "name=Blocked")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["type"] == "mutations_disabled"


def test_usage_errors_exit_2_with_one_line(data_dir: Path) -> None:
    for args in (
        ["serve", "--port", "eighty"],
        ["serve", "--bogus"],
        ["call"],
        ["nope"],
        ["call", "x", "--arg", "novalue"],
    ):
        done = run(data_dir, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr


def test_unknown_tool_is_a_usage_error(data_dir: Path) -> None:
    done = run(data_dir, "call", "drop_database")
    assert done.returncode == 2 and "Unknown tool" in done.stderr


def test_auth_none_is_refused_off_loopback(data_dir: Path) -> None:
    done = run(data_dir, "serve", "--host", "0.0.0.0", "--port", "0")
    assert done.returncode == 2
    assert "auth=none is only allowed on loopback" in done.stderr


def test_a_rate_limit_for_a_tool_that_does_not_exist_refuses_to_start(data_dir: Path) -> None:
    done = run(data_dir, "serve", "--port", "0", rate_limits="ai_serch=5/minute")
    assert done.returncode == 2
    assert "there is no tool 'ai_serch'" in done.stderr and "ai_search" in done.stderr.split("the tools are")[1]


def test_several_workers_need_a_shared_rate_limit_store(data_dir: Path) -> None:
    done = run(data_dir, "serve", "--workers", "2", "--port", "0")
    assert done.returncode == 2 and "COMPANY_MCP_REDIS_URL" in done.stderr


def test_every_command_explains_its_options(data_dir: Path) -> None:
    for command in (["serve"], ["seed"], ["call"], ["audit", "verify"]):
        done = run(data_dir, *command, "--help")
        assert done.returncode == 0 and "usage:" in done.stdout
    assert "--allow-mutations" in run(data_dir, "serve", "--help").stdout
