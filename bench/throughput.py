"""Tool calls per second with C concurrent keep-alive clients: wrk (C, not the bottleneck) or a Python fallback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import anyio
import httpx

from bench.wire import call_body, call_headers

_LUA = """
wrk.method = "POST"
wrk.body = {body}
{headers}
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk_rate(
    url: str,
    tool: str,
    arguments: dict[str, object],
    revision: str,
    token: str | None,
    connections: int,
    seconds: float,
) -> dict[str, float]:
    body = call_body(tool, arguments, revision).decode()
    headers = "\n".join(
        f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in call_headers(tool, revision, token).items()
    )
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(_LUA.format(body=json.dumps(body), headers=headers))
        threads = max(1, min(2, connections))
        done = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{max(1, round(seconds))}s",
                "-s",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", done.stdout)
    if done.returncode != 0 or not match:
        raise RuntimeError(done.stdout + done.stderr)
    requests, duration_us, errors, p50_us, p99_us = map(int, match.groups())
    if errors:
        raise RuntimeError(f"wrk saw {errors} errors against {url}")
    return {
        "calls_per_s": requests / (duration_us / 1e6),
        "p50_ms": p50_us / 1000,
        "p99_ms": p99_us / 1000,
        "connections": connections,
        "tool": "wrk",
    }


def python_rate(
    url: str,
    tool: str,
    arguments: dict[str, object],
    revision: str,
    token: str | None,
    connections: int,
    seconds: float,
) -> dict[str, float]:
    """Fallback when wrk is missing (quick mode): the client may be the bottleneck, so it says so."""
    body, headers = call_body(tool, arguments, revision), call_headers(tool, revision, token)
    count = 0

    async def worker(client: httpx.AsyncClient, stop_at: float) -> None:
        nonlocal count
        while time.perf_counter() < stop_at:
            response = await client.post(url, content=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(response.text[:200])
            count += 1

    async def run() -> float:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            started = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for _ in range(connections):
                    tg.start_soon(worker, client, started + seconds)
            return time.perf_counter() - started

    elapsed = anyio.run(run)
    return {"calls_per_s": count / elapsed, "connections": connections, "tool": "python"}


def rate(
    url: str,
    tool: str,
    arguments: dict[str, object],
    revision: str,
    token: str | None,
    connections: int,
    seconds: float,
) -> dict[str, float]:
    runner = wrk_rate if have_wrk() else python_rate
    return runner(url, tool, arguments, revision, token, connections, seconds)
