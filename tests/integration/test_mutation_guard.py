"""Writes are denied unless allowed, and every write attempt, allowed or blocked, is audited."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import anyio
import pytest

from tests.support import audit_records, in_process_client
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio

WRITES = [
    ("create_collection", {"name": "Leads"}),
    ("add_to_collection", {"collection_id": "col_0000000000000000", "company_ids": ["cmp_00000001"]}),
    ("request_email_discovery", {"company_id": "cmp_00000001"}),
]


def row_counts(data_dir: Path) -> tuple[int, int, int]:
    with sqlite3.connect(data_dir / "companies.sqlite") as db:
        return tuple(  # type: ignore[return-value]
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("collections", "collection_items", "email_discovery_requests")
        )


async def test_writes_are_blocked_by_default_and_each_attempt_is_audited(data_dir: Path) -> None:
    before = row_counts(data_dir)
    async with in_process_client(data_dir) as client:
        for tool, args in WRITES:
            body = error(await client.call_tool(tool, args))
            assert body["type"] == "mutations_disabled"
            assert "--allow-mutations" in body["message"] and f"mutations_{tool}" in body["message"]
    assert row_counts(data_dir) == before
    records = audit_records(data_dir)
    assert [(r["tool"], r["decision"], r["phase"]) for r in records] == [(t, "blocked", "decision") for t, _ in WRITES]
    assert all(r["reason"].startswith("mutations_disabled") for r in records)
    assert all("Leads" not in json.dumps(r) for r in records)  # raw argument values never reach the audit log


async def test_allowed_write_has_attempt_then_outcome_with_one_request_id(data_dir: Path) -> None:
    async with in_process_client(data_dir, allow_mutations=True) as client:
        ok(await client.call_tool("create_collection", {"name": "Leads"}))
    attempt, outcome = audit_records(data_dir)
    assert (attempt["phase"], attempt["decision"], attempt["outcome"]) == ("attempt", "allowed", None)
    assert (outcome["phase"], outcome["outcome"]) == ("outcome", "ok")
    assert attempt["request_id"] == outcome["request_id"]
    assert set(attempt) == {
        "ts",
        "request_id",
        "principal",
        "tool",
        "args_hmac",
        "decision",
        "reason",
        "phase",
        "outcome",
        "seq",
        "prev_hmac",
        "chain_hmac",
    }


async def test_per_tool_flag_overrides_without_restart(data_dir: Path) -> None:
    flags = data_dir / "flags.json"
    async with in_process_client(data_dir) as client:
        assert error(await client.call_tool("create_collection", {"name": "A"}))["type"] == "mutations_disabled"
        flags.write_text(json.dumps({"mutations": False, "mutations_create_collection": True}))
        assert ok(await client.call_tool("create_collection", {"name": "A"}))["created"] is True
        # the global flag still blocks the other writes
        body = error(await client.call_tool("request_email_discovery", {"company_id": "cmp_00000001"}))
        assert body["type"] == "mutations_disabled" and body["reason"] == "flag:mutations"
        flags.write_text(json.dumps({"mutations_create_collection": False}))
        assert error(await client.call_tool("create_collection", {"name": "B"}))["type"] == "mutations_disabled"


async def test_flags_win_over_the_static_setting(data_dir: Path) -> None:
    (data_dir / "flags.json").write_text(json.dumps({"mutations": False}))
    async with in_process_client(data_dir, allow_mutations=True) as client:
        body = error(await client.call_tool("create_collection", {"name": "A"}))
        assert body["reason"] == "flag:mutations"


async def test_unreadable_flags_fail_closed(data_dir: Path) -> None:
    (data_dir / "flags.json").write_text("{not json")
    async with in_process_client(data_dir, allow_mutations=True) as client:
        body = error(await client.call_tool("create_collection", {"name": "A"}))
        assert (body["type"], body["reason"]) == ("mutations_disabled", "flags_unavailable")
        # reads are unaffected by flags
        ok(await client.call_tool("get_company", {"company_id": "cmp_00000001"}))
    assert row_counts(data_dir)[0] == 0
    assert audit_records(data_dir)[0]["reason"] == "mutations_disabled:flags_unavailable"


async def test_failing_audit_sink_blocks_the_write(data_dir: Path) -> None:
    (data_dir / "audit.jsonl").mkdir()  # the sink cannot open its file
    async with in_process_client(data_dir, allow_mutations=True) as client:
        body = error(await client.call_tool("create_collection", {"name": "A"}))
        assert body["type"] == "unavailable"
        ok(await client.call_tool("search_companies", {"limit": 1}))  # reads keep working
    assert row_counts(data_dir)[0] == 0


async def test_audit_verify_finds_a_tampered_line(data_dir: Path) -> None:
    async with in_process_client(data_dir, allow_mutations=True) as client:
        for name in ("A", "B", "C"):
            ok(await client.call_tool("create_collection", {"name": name}))
    verify = [sys.executable, "-m", "cli.main", "audit", "verify", "--data-dir", str(data_dir)]
    intact = await anyio.run_process(verify, check=False)
    assert intact.returncode == 0 and b"6 records" in intact.stdout
    path = data_dir / "audit.jsonl"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace('"create_collection"', '"add_to_collection"')
    path.write_text("\n".join(lines) + "\n")
    broken = await anyio.run_process(verify, check=False)
    assert broken.returncode == 1 and b"line 3" in broken.stdout  # the keyed chain names the edited record itself
    del lines[2]  # deleting a record is found too
    path.write_text("\n".join(lines) + "\n")
    assert (await anyio.run_process(verify, check=False)).returncode == 1
