"""Cold start (process start to first successful tool result) and resident memory after many calls."""

from __future__ import annotations

import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.servers import Running
from bench.wire import LEGACY, call_body, call_headers, is_ok


def first_result_s(start: Callable[[], Running], token: str | None) -> float:
    """Seconds from spawning the process to the first successful get_company result (token minted beforehand)."""
    began = time.perf_counter()
    server = start()
    try:
        body = call_body("get_company", {"company_id": "cmp_00000001"}, LEGACY)
        headers = call_headers("get_company", LEGACY, token)
        while True:
            try:
                response = httpx.post(server.url, content=body, headers=headers, timeout=5)
                if response.status_code == 200 and is_ok(response.content):
                    return time.perf_counter() - began
            except httpx.TransportError:
                pass
            time.sleep(0.005)
    finally:
        server.stop()


def cold_start_s(start: Callable[[], Running], token: str | None, runs: int) -> float:
    return statistics.median(first_result_s(start, token) for _ in range(runs))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def rss_after_calls(server: Running, token: str | None, calls: int) -> dict[str, float]:
    body = call_body("get_company", {"company_id": "cmp_00000001"}, LEGACY)
    headers = call_headers("get_company", LEGACY, token)
    before = rss_mb(server.process.pid)
    with httpx.Client(timeout=30) as client:
        for i in range(calls):
            body = call_body("get_company", {"company_id": f"cmp_{i % 1000:08d}"}, LEGACY)
            client.post(server.url, content=body, headers=headers)
    return {"rss_before_mb": round(before, 1), "rss_after_mb": round(rss_mb(server.process.pid), 1), "calls": calls}
