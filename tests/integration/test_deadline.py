"""The per-call deadline covers the whole guarded call: flag reads, the rate-limit store, the audit append, the tool."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from adapters.bootstrap import build_runtime
from core.app import create_server
from core.config import Settings
from core.ports import AuditRecord, Quota
from tests.support import audit_records
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio

DEADLINE_S = 0.5
SLACK_S = 1.0  # scheduling on a loaded 2-core machine; the hangs below last 30 s


class HangingFlags:
    async def get_flags(self) -> Mapping[str, bool]:
        await anyio.sleep(30)
        return {}


class HangingLimiter:
    async def hit(self, key: str, amount: int, window_s: int) -> tuple[bool, Quota]:
        await anyio.sleep(30)
        return True, Quota(amount, amount, window_s)

    async def ping(self) -> None:
        return None


class AuditHangingOnAttempts:
    """Writes blocked and outcome records; hangs on an attempt record (the one written before the write)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def append(self, record: AuditRecord) -> None:
        if record.phase == "attempt":
            await anyio.sleep(30)
        await self.inner.append(record)

    async def ping(self) -> None:
        await self.inner.ping()


class BackendHangingOnWrites:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.started = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def create_collection(self, owner: str, name: str, description: str | None) -> Any:
        self.started += 1
        await anyio.sleep(30)
        return await self.inner.create_collection(owner, name, description)


@asynccontextmanager
async def client_with(data_dir: Path, **ports: Any) -> AsyncIterator[tuple[Client, Any]]:
    settings = Settings(data_dir=data_dir, transport="stdio", call_timeout_s=DEADLINE_S, allow_mutations=True)
    runtime = build_runtime(settings)
    replaced = {name: make(getattr(runtime.ports, name)) for name, make in ports.items()}
    runtime = dataclasses.replace(runtime, ports=dataclasses.replace(runtime.ports, **replaced))
    async with runtime, Client(create_server(settings, runtime)) as client:
        yield client, runtime


async def timed(client: Client, tool: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    body = error(await client.call_tool(tool, arguments))
    return body, time.monotonic() - started


async def test_a_hanging_flag_source_ends_in_timeout_and_a_blocked_record(data_dir: Path) -> None:
    async with client_with(data_dir, flags=lambda _: HangingFlags()) as (client, _):
        body, elapsed = await timed(client, "create_collection", {"name": "never"})
        assert ok(await client.call_tool("list_collections", {}))["items"] == []
    assert body["type"] == "timeout" and "may or may not have taken effect" in body["message"]
    assert elapsed < DEADLINE_S + SLACK_S
    records = audit_records(data_dir)
    assert [(r["tool"], r["decision"], r["reason"]) for r in records] == [("create_collection", "blocked", "timeout")]


async def test_a_hanging_rate_limit_store_ends_in_timeout(data_dir: Path) -> None:
    async with client_with(data_dir, rate_limiter=lambda _: HangingLimiter()) as (client, _):
        body, elapsed = await timed(client, "ai_search", {"prompt": "software in Germany"})
    assert body["type"] == "timeout" and elapsed < DEADLINE_S + SLACK_S


async def test_a_hanging_audit_append_ends_in_timeout_and_the_write_never_runs(data_dir: Path) -> None:
    async with client_with(data_dir, audit=AuditHangingOnAttempts, backend=BackendHangingOnWrites) as (client, rt):
        body, elapsed = await timed(client, "create_collection", {"name": "never"})
        assert rt.ports.backend.started == 0  # no attempt record, no write
    assert body["type"] == "timeout" and elapsed < DEADLINE_S + SLACK_S
    assert [(r["decision"], r["reason"]) for r in audit_records(data_dir)] == [("blocked", "timeout")]


async def test_a_write_cut_off_mid_flight_is_audited_with_an_unknown_outcome(data_dir: Path) -> None:
    async with client_with(data_dir, backend=BackendHangingOnWrites) as (client, rt):
        body, elapsed = await timed(client, "create_collection", {"name": "maybe"})
        assert rt.ports.backend.started == 1
    assert body["type"] == "timeout" and elapsed < DEADLINE_S + SLACK_S
    records = audit_records(data_dir)
    assert [(r["phase"], r["outcome"]) for r in records] == [("attempt", None), ("outcome", "unknown")]
    assert records[0]["request_id"] == records[1]["request_id"]
