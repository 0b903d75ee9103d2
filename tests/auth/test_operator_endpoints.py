"""Issue 12, points 9 and 10: slow clients are cut off, connections are bounded, /metrics and /readyz's details
are for operators, and every file in the data dir is private."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import ServerProcess, server_env, start_server

INIT = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_company", "arguments": {}}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def host_port(server: ServerProcess) -> tuple[str, int]:
    netloc = server.url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = netloc.rpartition(":")
    return host.strip("[]"), int(port)


def slow_client(server: ServerProcess) -> socket.socket:
    """A client that starts a request and then sends its headers a line at a time."""
    sock = socket.create_connection(host_port(server), timeout=10)
    sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return sock


def closed_by_server(sock: socket.socket, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            sock.sendall(b"X-Slow: 1\r\n")
            if sock.recv(1024) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:  # reset or broken pipe: closed by the server
            return True
    return False


@pytest.fixture
def guarded_server(data_dir: Path) -> Iterator[ServerProcess]:
    server = start_server(data_dir, header_timeout_s=1, max_connections=4)
    yield server
    server.stop()


def test_clients_sending_headers_a_line_at_a_time_are_cut_off(guarded_server: ServerProcess) -> None:
    slow = [slow_client(guarded_server) for _ in range(10)]
    started = time.monotonic()
    assert all(closed_by_server(sock, within_s=5) for sock in slow)
    assert time.monotonic() - started < 6
    for sock in slow:
        sock.close()
    answer = httpx.post(guarded_server.url, json=INIT, headers=HEADERS, timeout=10)
    assert answer.status_code == 200  # the server still serves


def test_connections_per_process_are_bounded(guarded_server: ServerProcess) -> None:
    slow = [slow_client(guarded_server) for _ in range(4)]
    time.sleep(0.2)
    crowded = httpx.post(guarded_server.url, json=INIT, headers=HEADERS, timeout=10)
    assert crowded.status_code == 503  # beyond COMPANY_MCP_MAX_CONNECTIONS: refused at once, not queued
    assert all(closed_by_server(sock, within_s=5) for sock in slow)
    for sock in slow:
        sock.close()
    assert httpx.post(guarded_server.url, json=INIT, headers=HEADERS, timeout=10).status_code == 200


def test_metrics_and_readiness_details_need_the_operator_token(data_dir: Path) -> None:
    server = start_server(data_dir, metrics_token="operator-secret-0123456789")
    try:
        base = server.base
        assert httpx.get(base + "/metrics").status_code == 401
        assert httpx.get(base + "/metrics", headers={"Authorization": "Bearer guess"}).status_code == 401
        operator = {"Authorization": "Bearer operator-secret-0123456789"}
        assert "company_mcp_tool_calls" in httpx.get(base + "/metrics", headers=operator).text
        rebinding = {**operator, "Host": "attacker.example"}
        assert httpx.get(base + "/metrics", headers=rebinding).status_code == 401
        public = httpx.get(base + "/readyz").json()
        assert public == {"status": "ready"}  # no dependency names for strangers
        assert set(httpx.get(base + "/readyz", headers=operator).json()["checks"]) >= {"store", "flags", "audit"}
    finally:
        server.stop()


def test_without_a_token_metrics_are_served_only_on_a_loopback_bind(data_dir: Path) -> None:
    local = start_server(data_dir)
    try:
        assert httpx.get(local.base + "/metrics").status_code == 200  # only this machine can reach it
    finally:
        local.stop()
    exposed = start_server(data_dir, "--host", "0.0.0.0", auth="dev")
    try:
        assert httpx.get(exposed.base.replace("0.0.0.0", "127.0.0.1") + "/metrics").status_code == 401
        assert "checks" not in httpx.get(exposed.base.replace("0.0.0.0", "127.0.0.1") + "/readyz").json()
    finally:
        exposed.stop()


def test_every_file_in_an_existing_data_dir_is_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)  # made by the user beforehand, with the usual umask
    env = server_env(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "seed", "--companies", "200", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    call = subprocess.run(
        [sys.executable, "-m", "cli.main", "call", "create_collection", "--arg", "name=x", "--allow-mutations"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert call.returncode == 0, call.stdout + call.stderr
    server = start_server(data_dir, log_dir=tmp_path)  # keys, audit log, API secret, checkpoint
    server.stop()
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert {path.name for path in files} >= {"companies.sqlite", "audit.jsonl", "cursor.key"}
    loose = {path.name: oct(stat.S_IMODE(os.stat(path).st_mode)) for path in files if os.stat(path).st_mode & 0o077}
    assert loose == {}
