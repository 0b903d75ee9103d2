"""Every list is capped at 100; cursors walk a result set with no repeats or gaps and cannot be forged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import in_process_client
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio


async def test_limit_500_gives_100_items_and_capped(data_dir: Path) -> None:
    async with in_process_client(data_dir) as client:
        page = ok(await client.call_tool("search_companies", {"limit": 500}))
        assert len(page["items"]) == 100 and page["capped"] is True and page["next_cursor"]
        small = ok(await client.call_tool("search_companies", {"limit": 100}))
        assert len(small["items"]) == 100 and small["capped"] is False
        ai = ok(await client.call_tool("ai_search", {"prompt": "software", "limit": 1000}))
        assert len(ai["items"]) <= 100 and ai["capped"] is True


async def test_cursor_walk_has_no_repeats_or_gaps(data_dir: Path) -> None:
    args = {"country": "DE", "limit": 37}
    async with in_process_client(data_dir) as client:
        everything = ok(await client.call_tool("search_companies", {"country": "DE", "limit": 100}))
        seen: list[str] = []
        cursor = None
        while True:
            page = ok(await client.call_tool("search_companies", {**args, **({"cursor": cursor} if cursor else {})}))
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == len(set(seen)) > 100
    assert seen[:100] == [item["id"] for item in everything["items"]]
    assert all(i.startswith("cmp_") for i in seen)


async def test_forged_or_foreign_cursors_are_validation_errors(data_dir: Path) -> None:
    async with in_process_client(data_dir) as client:
        page = ok(await client.call_tool("search_companies", {"country": "DE", "limit": 5}))
        cursor = page["next_cursor"]
        forged = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
        for bad in (forged, "garbage", cursor + "x"):
            body = error(await client.call_tool("search_companies", {"country": "DE", "cursor": bad}))
            assert (body["type"], body["field"]) == ("validation", "cursor")
        other_query = error(await client.call_tool("search_companies", {"country": "FR", "cursor": cursor}))
        assert other_query["field"] == "cursor"
        other_tool = error(await client.call_tool("list_collections", {"cursor": cursor}))
        assert other_tool["field"] == "cursor"
