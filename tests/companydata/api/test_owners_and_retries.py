"""Owner isolation and idempotent writes through the API (real HTTP, concurrent requests), on SQLite and PostgreSQL."""

from __future__ import annotations

import anyio
import pytest

from .support import ApiClient

pytestmark = pytest.mark.anyio


@pytest.fixture
def api(any_api: ApiClient) -> ApiClient:
    return any_api


async def test_another_principal_sees_not_found(api: ApiClient, alice: str, bob: str) -> None:
    collection = (await api.call("create_collection", alice, name="Alice only"))["collection"]
    await api.call("add_to_collection", alice, collection_id=collection["id"], company_ids=["cmp_00000001"])
    request = await api.call("request_email_discovery", alice, company_id="cmp_00000001")

    missing = await api.op("get_collection", alice, collection_id="col_0000000000000000")
    theirs = await api.op("get_collection", bob, collection_id=collection["id"])
    assert theirs.code == missing.code == "NOT_FOUND"
    assert theirs.error["message"].replace(collection["id"], "ID") == missing.error["message"].replace(
        "col_0000000000000000", "ID"
    ), "the same answer as for an id that does not exist"
    add = await api.op("add_to_collection", bob, collection_id=collection["id"], company_ids=["cmp_00000002"])
    assert add.code == "NOT_FOUND"
    assert (await api.op("get_email_discovery", bob, request_id=request["request_id"])).code == "NOT_FOUND"
    assert (await api.call("list_collections", bob))["items"] == []

    # Bob may use the same name: names are unique per owner only.
    bobs = await api.call("create_collection", bob, name="Alice only")
    assert bobs["created"] is True
    assert bobs["collection"]["id"] != collection["id"]
    assert (await api.call("get_collection", alice, collection_id=collection["id"]))["collection"]["size"] == 1


async def test_create_collection_twice_returns_the_first(api: ApiClient, alice: str) -> None:
    first = await api.call("create_collection", alice, name="Retry me", description="one")
    second = await api.call("create_collection", alice, name="Retry me", description="two")
    assert first["created"] is True
    assert second == {"collection": first["collection"], "created": False}


async def test_concurrent_creates_make_one_collection(api: ApiClient, alice: str) -> None:
    results: list[dict[str, object]] = []

    async def create() -> None:
        results.append(await api.call("create_collection", alice, name="Race"))

    async with anyio.create_task_group() as tasks:
        for _ in range(8):
            tasks.start_soon(create)
    assert sum(1 for r in results if r["created"]) == 1
    assert len({r["collection"]["id"] for r in results}) == 1  # type: ignore[index]
    assert len((await api.call("list_collections", alice))["items"]) == 1


async def test_concurrent_add_to_collection_leaves_one_row_each(api: ApiClient, alice: str) -> None:
    collection = (await api.call("create_collection", alice, name="Concurrent adds"))["collection"]
    ids = [f"cmp_{n:08d}" for n in range(10, 20)]
    results: list[dict[str, object]] = []

    async def add() -> None:
        results.append(await api.call("add_to_collection", alice, collection_id=collection["id"], company_ids=ids))

    async with anyio.create_task_group() as tasks:
        for _ in range(8):
            tasks.start_soon(add)
    added = [company for r in results for company in r["added"]]  # type: ignore[attr-defined]
    assert sorted(added) == ids, "each company was added by exactly one of the concurrent calls"
    for r in results:
        assert sorted([*r["added"], *r["already_present"]]) == ids  # type: ignore[misc]
    page = await api.call("get_collection", alice, collection_id=collection["id"], limit=100)
    assert sorted(c["id"] for c in page["items"]) == ids
    assert page["collection"]["size"] == len(ids)


async def test_email_discovery_retries_leave_one_request(api: ApiClient, alice: str) -> None:
    results: list[dict[str, object]] = []

    async def request() -> None:
        results.append(await api.call("request_email_discovery", alice, company_id="cmp_00000005", roles=["cfo"]))

    async with anyio.create_task_group() as tasks:
        for _ in range(6):
            tasks.start_soon(request)
    assert len({r["request_id"] for r in results}) == 1
    assert sum(1 for r in results if r["created"]) == 1
