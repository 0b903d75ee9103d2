"""``verify`` passes against a correctly configured server and names the promise a misconfigured one breaks."""

from __future__ import annotations

from pathlib import Path

from tests.pilot.helpers import mint_token, run_command
from tests.support import start_server


def test_a_correct_server_keeps_every_promise(data_dir: Path) -> None:
    server = start_server(data_dir, auth="dev")
    try:
        token = mint_token(data_dir, server.url)
        done = run_command("verify", server.url, "--token", token, data_dir=data_dir)
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    for promise in ("auth_required", "resource_metadata", "tool_schemas", "writes_blocked", "result_cap", "quota"):
        assert any(line.startswith(promise) and " PASS " in line for line in done.stdout.splitlines()), promise
    assert "all promises hold" in done.stdout


def test_writes_allowed_breaks_the_writes_promise(data_dir: Path) -> None:
    server = start_server(data_dir, "--allow-mutations", auth="dev")
    try:
        token = mint_token(data_dir, server.url)
        done = run_command("verify", server.url, "--token", token, data_dir=data_dir)
        expected = run_command("verify", server.url, "--token", token, "--expect-writes", data_dir=data_dir)
    finally:
        server.stop()
    assert done.returncode == 1
    assert "FAILED: writes_blocked" in done.stdout
    assert expected.returncode == 0, expected.stdout  # with --expect-writes: allowed and idempotent
    assert any(line.startswith("writes_idempotent") and " PASS " in line for line in expected.stdout.splitlines())


def test_an_open_server_breaks_the_auth_promises(data_dir: Path) -> None:
    server = start_server(data_dir, auth="none")
    try:
        done = run_command("verify", server.url, data_dir=data_dir)
    finally:
        server.stop()
    assert done.returncode == 1
    failed = next(line for line in done.stdout.splitlines() if line.startswith("FAILED:"))
    assert "auth_required" in failed and "resource_metadata" in failed
    assert "answered 200 without a token" in done.stdout
    # the rest still holds on an open server (no token is needed to check it)
    assert "tool_schemas" not in failed and "result_cap" not in failed


def test_a_bad_url_is_a_usage_error(data_dir: Path) -> None:
    done = run_command("verify", "local:fake", data_dir=data_dir)
    assert done.returncode == 2 and "error" in done.stderr
