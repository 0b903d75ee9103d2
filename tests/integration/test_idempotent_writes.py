"""A client that retries any write three times, or sends it concurrently, leaves exactly one effect."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.support import in_process_client, start_server
from tests.tooling import ok

pytestmark = pytest.mark.anyio


def count(data_dir: Path, sql: str) -> int:
    with sqlite3.connect(data_dir / "companies.sqlite") as db:
        return int(db.execute(sql).fetchone()[0])


async def test_retrying_each_write_three_times_leaves_one_effect(data_dir: Path) -> None:
    async with in_process_client(data_dir, allow_mutations=True) as client:
        created = [ok(await client.call_tool("create_collection", {"name": "Retry"})) for _ in range(3)]
        assert [c["created"] for c in created] == [True, False, False]
        assert len({c["collection"]["id"] for c in created}) == 1
        collection_id = created[0]["collection"]["id"]
        args = {"collection_id": collection_id, "company_ids": ["cmp_00000001", "cmp_00000002"]}
        added = [ok(await client.call_tool("add_to_collection", args)) for _ in range(3)]
        assert added[0]["added"] == ["cmp_00000001", "cmp_00000002"]
        assert added[1]["added"] == [] and added[2]["already_present"] == ["cmp_00000001", "cmp_00000002"]
        assert {a["size"] for a in added} == {2}
        discovery = {"company_id": "cmp_00000003", "roles": ["cto", "ceo"]}
        requests = [ok(await client.call_tool("request_email_discovery", discovery)) for _ in range(3)]
        assert [r["created"] for r in requests] == [True, False, False]
        assert len({r["request_id"] for r in requests}) == 1
    assert count(data_dir, "SELECT count(*) FROM collections") == 1
    assert count(data_dir, "SELECT count(*) FROM collection_items") == 2
    assert count(data_dir, "SELECT count(*) FROM email_discovery_requests") == 1


async def test_concurrent_writes_from_several_clients_leave_one_effect(data_dir: Path) -> None:
    server = start_server(data_dir, "--allow-mutations")
    results: dict[str, list[dict]] = {"create": [], "add": [], "discover": []}  # type: ignore[type-arg]
    try:
        async with Client(server.url) as first:
            collection_id = ok(await first.call_tool("create_collection", {"name": "Seed"}))["collection"]["id"]

        async def one_client() -> None:
            async with Client(server.url) as client:
                results["create"].append(ok(await client.call_tool("create_collection", {"name": "Shared"})))
                results["add"].append(
                    ok(
                        await client.call_tool(
                            "add_to_collection", {"collection_id": collection_id, "company_ids": ["cmp_00000010"]}
                        )
                    )
                )
                results["discover"].append(
                    ok(await client.call_tool("request_email_discovery", {"company_id": "cmp_00000011"}))
                )

        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(one_client)
    finally:
        server.stop()
    assert sum(r["created"] for r in results["create"]) == 1
    assert len({r["collection"]["id"] for r in results["create"]}) == 1
    assert sum(len(r["added"]) for r in results["add"]) == 1
    assert sum(r["created"] for r in results["discover"]) == 1
    assert count(data_dir, "SELECT count(*) FROM collections") == 2
    assert count(data_dir, "SELECT count(*) FROM collection_items") == 1
    assert count(data_dir, "SELECT count(*) FROM email_discovery_requests") == 1
