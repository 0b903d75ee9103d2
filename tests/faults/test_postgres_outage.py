"""A dead, then a frozen PostgreSQL behind the whole cloud path, as an operator would see it.

MCP server (graphql adapter) -> reference API (real processes) -> a PostgreSQL this test starts, kills,
freezes and brings back. Measured: the error type a client sees during the outage (``backend_unavailable``,
"try again", never ``backend_error``), that calls fail fast while the store is down, ``/readyz`` during and
after, and the time from the database accepting connections again to the first successful call (< 2 s).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from companydata.postgres_seed import seed_postgres
from tests.faults.own_postgres import OwnPostgres, own_postgres
from tests.support import ServerProcess, start_api, start_server

HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
RECOVERY_BOUND_S = 2.0


@pytest.fixture(scope="module")
def postgres() -> Iterator[OwnPostgres]:
    with own_postgres() as server:
        seed_postgres(server.dsn, 500, progress=False)
        yield server


@pytest.fixture
def cloud_path(postgres: OwnPostgres, data_dir: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    if not postgres.accepting():
        postgres.start()
    api = start_api(data_dir, "--store", postgres.dsn)
    mcp = start_server(data_dir, adapter="graphql", graphql_url=api.url, allow_mutations=True, call_timeout_s=4)
    try:
        yield mcp, api
    finally:
        postgres.thaw()
        mcp.stop()
        api.stop()


def call(mcp: ServerProcess, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    result: dict[str, Any] = httpx.post(mcp.url, json=body, headers=HEADERS, timeout=30).json()["result"]
    return result


def outcome(result: dict[str, Any]) -> str:
    return result["structuredContent"]["error"]["type"] if result.get("isError") else "ok"


def _readyz(server: ServerProcess) -> httpx.Response:
    base = server.url.removesuffix("/mcp").removesuffix("/graphql")  # the MCP server's or the API's
    return httpx.get(base + "/readyz", timeout=10)


def ready(server: ServerProcess) -> int:
    return _readyz(server).status_code


def readyz(server: ServerProcess) -> str:
    return _readyz(server).text


def wait_for(check: Any, timeout_s: float, say: Any = lambda: "") -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout_s, f"condition not reached in time: {say()}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_dead_database_is_unavailable_fails_fast_and_recovers_within_2_s(
    postgres: OwnPostgres, cloud_path: tuple[ServerProcess, ServerProcess]
) -> None:
    mcp, api = cloud_path
    read = ("get_company", {"company_id": "cmp_00000001"})
    assert outcome(call(mcp, *read)) == "ok" and ready(mcp) == 200

    postgres.kill()
    seen = {outcome(call(mcp, *read)) for _ in range(3)}
    assert seen == {"backend_unavailable"}, seen  # "try again": never backend_error
    write = call(mcp, "create_collection", {"name": "during the outage"})
    assert outcome(write) == "backend_unavailable"  # the store was unreachable before the write began
    started = time.monotonic()
    for _ in range(5):
        assert outcome(call(mcp, *read)) == "backend_unavailable"
    assert (time.monotonic() - started) / 5 < 1.0  # fails fast while down, not after the pool's 5 s timeout
    wait_for(lambda: ready(mcp) == 503 and ready(api) == 503, timeout_s=5, say=lambda: (readyz(mcp), readyz(api)))

    postgres.start()
    recovery = wait_for(lambda: outcome(call(mcp, *read)) == "ok", timeout_s=10)
    assert recovery < RECOVERY_BOUND_S, f"first success {recovery:.2f} s after the database came back"
    wait_for(lambda: ready(mcp) == 200, timeout_s=5)
    assert call(mcp, "list_collections", {})["structuredContent"]["items"] == []  # nothing was written


def test_a_frozen_database_is_a_retryable_fault_and_recovers(
    postgres: OwnPostgres, cloud_path: tuple[ServerProcess, ServerProcess]
) -> None:
    mcp, _ = cloud_path
    read = ("get_company", {"company_id": "cmp_00000002"})
    assert outcome(call(mcp, *read)) == "ok"
    postgres.freeze()
    seen = {outcome(call(mcp, *read)) for _ in range(2)}
    assert seen <= {"timeout", "backend_unavailable"} and seen, seen  # bounded, and "try again"
    wait_for(lambda: ready(mcp) == 503, timeout_s=10)
    postgres.thaw()
    recovery = wait_for(lambda: outcome(call(mcp, *read)) == "ok", timeout_s=15)
    assert recovery < 10
    wait_for(lambda: ready(mcp) == 200, timeout_s=5)
