"""SIGTERM: stop accepting first, answer every call already accepted, exit 0 (one process and two workers).

The MCP server runs on the graphql adapter against a stand-in API that answers after a delay, so calls are
in flight when the signal arrives; new connections keep arriving while it drains. Each must be either refused
at once or answered whole: never accepted into a backlog nobody serves and reset at exit.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.adapters.graphql.fault_server import CANNED, FaultServer, json_answer, running
from tests.support import ServerProcess, start_server

CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "get_company", "arguments": {"company_id": "c_1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
API_DELAY_S = 1.5


@pytest.fixture
def slow_api() -> Iterator[FaultServer]:
    with running(FaultServer()) as api:
        yield api


def post(url: str, timeout: float = 10) -> httpx.Response:
    return httpx.post(url, json=CALL, headers=HEADERS, timeout=timeout)


def drain_while_connecting(server: ServerProcess) -> tuple[list[httpx.Response], dict[str, int], int]:
    """Start calls, SIGTERM the server mid-call, keep connecting until it exits; what happened to each."""
    in_flight: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda: in_flight.append(post(server.url))) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the calls are now waiting on the API
    server.process.send_signal(signal.SIGTERM)
    outcomes = {"refused": 0, "answered": 0, "lost": 0}
    deadline = time.monotonic() + 15
    while server.process.poll() is None and time.monotonic() < deadline:
        try:
            response = post(server.url, timeout=5)
            outcomes["answered" if response.status_code == 200 else "lost"] += 1
        except httpx.ConnectError:
            outcomes["refused"] += 1
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout):
            outcomes["lost"] += 1  # accepted, then reset or never answered
        time.sleep(0.05)
    for thread in threads:
        thread.join(15)
    return in_flight, outcomes, server.stop(timeout=15)


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_refuses_new_connections_and_exits_0(
    data_dir: Path, slow_api: FaultServer, redis_url: str, workers: int
) -> None:
    # The four calls in flight wait on the API; later ones are answered at once, so the probing loop keeps going.
    slow_api.script(*[json_answer({"data": CANNED["GetCompany"]}, delay_s=API_DELAY_S)] * 4)
    server = start_server(
        data_dir,
        "--workers",
        str(workers),
        adapter="graphql",
        graphql_url=slow_api.url,
        redis_url=redis_url,
        call_timeout_s=10,
    )
    in_flight, outcomes, status = drain_while_connecting(server)
    assert [r.status_code for r in in_flight] == [200] * 4
    assert all(r.json()["result"]["structuredContent"]["id"] == "c_1" for r in in_flight)  # answered whole
    assert outcomes["lost"] == 0, outcomes
    assert outcomes["refused"] >= 1, outcomes  # the port stopped accepting before the drain ended
    assert status == 0
