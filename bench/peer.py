"""Peer comparison over stdio: the npm package ``mcp-graphql`` (a generic MCP server in front of any GraphQL API)
against this server with its GraphQL adapter, both in front of the same reference API, for the same lookups."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from bench.latency import Distribution

PEER_DIR = Path(__file__).resolve().parent / "peer"
FIELDS = "id name domain industry country city employee_count founded_year description website tags updated_at"


def ensure_peer() -> Path | None:
    """Install the pinned peer (npm ci) if npm is here; None when it cannot run on this machine."""
    binary = PEER_DIR / "node_modules" / ".bin" / "mcp-graphql"
    if binary.exists():
        return binary
    if shutil.which("npm") is None:
        return None
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEER_DIR, check=True)
    return binary if binary.exists() else None


async def _measure(params: StdioServerParameters, call: Any, n: int, errlog: TextIO) -> Distribution:
    samples: list[float] = []
    async with Client(stdio_client(params, errlog=errlog)) as client:
        await client.list_tools()
        for i in range(n + n // 10):  # the first tenth warms up and is dropped
            started = time.perf_counter()
            result = await call(client, i)
            elapsed = (time.perf_counter() - started) * 1000
            if result.is_error:
                raise RuntimeError(f"peer benchmark call failed: {result.content}")
            if i >= n // 10:
                samples.append(elapsed)
    return Distribution(samples)


def compare(api_url: str, data_dir: Path, companies: int, n: int, *, api_secret: str) -> dict[str, Any]:
    peer = ensure_peer()
    if peer is None:
        return {"skipped": "npm is not available"}

    def company(i: int) -> str:
        return f"cmp_{(i * 7919) % companies:08d}"

    async def ours_call(client: Client, i: int) -> Any:
        return await client.call_tool("get_company", {"company_id": company(i)})

    async def peer_call(client: Client, i: int) -> Any:
        query = f'{{ get_company(company_id: "{company(i)}") {{ {FIELDS} }} }}'
        return await client.call_tool("query-graphql", {"query": query})

    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANY_MCP_")}
    ours = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli.main", "serve", "--transport", "stdio", "--adapter", "graphql", "--graphql-url", api_url],
        env={**env, "COMPANY_MCP_DATA_DIR": str(data_dir / "peer-ours"), "COMPANY_MCP_API_SHARED_SECRET": api_secret},
    )
    theirs = StdioServerParameters(command=str(peer), args=[], env={**env, "ENDPOINT": api_url})
    with open(os.devnull, "w") as quiet:  # the servers' own logs are not part of the measurement
        ours_d = anyio.run(_measure, ours, ours_call, n, quiet)
        peer_d = anyio.run(_measure, theirs, peer_call, n, quiet)
    return {"tool": "get_company", "company-mcp": ours_d.summary(), "mcp-graphql": peer_d.summary(), "n": n}


def markdown(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"## Peer (mcp-graphql over stdio)\n\nSkipped: {result['skipped']}.\n"
    ours, peer = result["company-mcp"], result["mcp-graphql"]
    return "\n".join(
        [
            "## Peer: same lookups over stdio, both in front of the same reference GraphQL API",
            "",
            "| server | p50 ms | p99 ms | p50 ÷ peer |",
            "|---|---|---|---|",
            f"| mcp-graphql 2.0.4 (query-graphql) | {peer['p50_ms']:.3f} | {peer['p99_ms']:.3f} | 1.00x |",
            f"| company-mcp (get_company, all guards) | {ours['p50_ms']:.3f} | {ours['p99_ms']:.3f} | "
            f"{ours['p50_ms'] / peer['p50_ms']:.2f}x |",
            "",
        ]
    )
