"""``dispatch`` called directly with AppSync direct-Lambda-resolver events gives what the HTTP API gives."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from companydata.api.dispatch import MUTATION_RESOLVERS, QUERY_RESOLVERS, resolve, resolve_appsync_event
from companydata.api.errors import ApiError
from companydata.sqlite_store import SqliteStore
from core.tools.contracts import AddToCollectionInput, GetCompanyInput, SearchCompaniesInput
from core.validation import validation_error

from .support import ApiClient

pytestmark = pytest.mark.anyio


def event(field: str, arguments: dict[str, Any], principal: str | None = None, parent: str = "Query") -> dict[str, Any]:
    """The shape AppSync sends a direct Lambda resolver (the parts we read, plus some we do not)."""
    headers = {"content-type": "application/json", "host": "example.appsync-api.eu-west-1.amazonaws.com"}
    if principal is not None:
        headers["x-company-principal"] = principal
    return {
        "arguments": arguments,
        "identity": {"accountId": "123456789012", "userArn": "arn:aws:sts::123456789012:assumed-role/mcp/x"},
        "source": None,
        "request": {"headers": headers, "domainName": None},
        "prev": None,
        "info": {"fieldName": field, "parentTypeName": parent, "variables": {}, "selectionSetList": []},
        "stash": {},
    }


@pytest.fixture
async def store(api_store_path: Path) -> AsyncIterator[SqliteStore]:
    direct = SqliteStore(api_store_path, discovery_delay_s=0)
    try:
        yield direct
    finally:
        await direct.aclose()


READS: list[tuple[str, dict[str, Any]]] = [
    ("search_companies", {"country": "FR", "limit": 5}),
    ("search_companies", {"query": "robotics platform", "match": "ANY", "limit": 500}),
    ("get_company", {"company_id": "cmp_00000099"}),
    ("get_company", {"domain": "DOMAIN"}),
    ("ai_search", {"prompt": "software companies in Berlin with 50 to 500 employees", "limit": 8}),
]


@pytest.mark.parametrize(("field", "arguments"), READS)
async def test_company_reads_equal_http(
    api: ApiClient, store: SqliteStore, field: str, arguments: dict[str, Any]
) -> None:
    if arguments.get("domain") == "DOMAIN":
        arguments = {"domain": (await store.get_company(company_id="cmp_00000099")).domain}
    direct = await resolve_appsync_event(event(field, arguments), store)
    assert direct == await api.call(field, **arguments)


async def test_owner_scoped_operations_equal_http(api: ApiClient, store: SqliteStore, alice: str) -> None:
    created = await resolve_appsync_event(event("create_collection", {"name": "Via AppSync"}, alice, "Mutation"), store)
    assert created["created"] is True
    over_http = await api.call("create_collection", alice, name="Via AppSync")
    assert over_http == {**created, "created": False}
    collection_id = created["collection"]["id"]

    ids = ["cmp_00000021", "cmp_00000022"]
    added = await resolve_appsync_event(
        event("add_to_collection", {"collection_id": collection_id, "company_ids": ids}, alice, "Mutation"), store
    )
    assert added == {"collection_id": collection_id, "added": ids, "already_present": [], "size": 2}
    assert await api.call("add_to_collection", alice, collection_id=collection_id, company_ids=ids) == {
        **added,
        "added": [],
        "already_present": ids,
    }

    requested = await resolve_appsync_event(
        event("request_email_discovery", {"company_id": "cmp_00000021", "roles": ["cmo"]}, alice, "Mutation"), store
    )
    again = await api.call("request_email_discovery", alice, company_id="cmp_00000021", roles=["cmo"])
    assert again == {**requested, "created": False, "status": again["status"]}

    for field, arguments in (
        ("list_collections", {}),
        ("get_collection", {"collection_id": collection_id, "limit": 1}),
        ("get_email_discovery", {"request_id": requested["request_id"]}),
    ):
        direct = await resolve_appsync_event(event(field, arguments, alice), store)
        assert direct == await api.call(field, alice, **arguments), field


async def test_errors_leave_as_api_errors(store: SqliteStore, alice: str) -> None:
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        (event("get_company", {"company_id": "cmp_99999999"}), "NOT_FOUND", None),
        (event("get_company", {"company_id": "cmp_1", "extra": 1}), "VALIDATION", "extra"),
        (event("search_companies", {"match": "SOME"}), "VALIDATION", "match"),
        (event("search_companies", {"match": ["ALL"]}), "VALIDATION", "match"),
        (event("list_collections", {}), "FORBIDDEN", None),
        (event("get_collection", {"collection_id": "col_1"}, None), "FORBIDDEN", None),
        (event("create_collection", {"name": "x"}, alice, parent="Query"), "VALIDATION", "fieldName"),
        (event("drop_everything", {}, alice), "VALIDATION", "fieldName"),
        ({"info": {"fieldName": "get_company"}, "arguments": ["not", "an", "object"]}, "VALIDATION", "arguments"),
    ]
    for shaped, code, field in cases:
        with pytest.raises(ApiError) as raised:
            await resolve_appsync_event(shaped, store)
        assert (raised.value.code, raised.value.field) == (code, field), shaped


async def test_failures_of_the_store_are_internal(alice: str) -> None:
    class Broken:
        async def list_collections(self, *args: Any) -> Any:
            raise OSError("disk /var/lib/secret is full")

    with pytest.raises(ApiError) as raised:
        await resolve("list_collections", {}, alice, Broken())  # type: ignore[arg-type]
    assert raised.value.code == "INTERNAL"
    assert "secret" not in raised.value.message
    assert isinstance(raised.value.__cause__, OSError)


def test_every_tool_has_a_resolver() -> None:
    from core.tools.registry import all_tools

    assert set(QUERY_RESOLVERS) | set(MUTATION_RESOLVERS) == {spec.name for spec in all_tools()}
    assert set(MUTATION_RESOLVERS) == {spec.name for spec in all_tools() if spec.mutates}


@pytest.mark.parametrize(
    ("operation", "model", "raw"),
    [
        ("search_companies", SearchCompaniesInput, {"limit": 0}),
        ("search_companies", SearchCompaniesInput, {"colour": "red"}),
        ("search_companies", SearchCompaniesInput, {"country": "XX"}),
        ("search_companies", SearchCompaniesInput, {"founded_after": 2010, "founded_before": 2011}),
        ("get_company", GetCompanyInput, {}),
        ("add_to_collection", AddToCollectionInput, {"company_ids": ["a"]}),
        ("add_to_collection", AddToCollectionInput, {"collection_id": "c", "company_ids": ["bad id"]}),
    ],
)
async def test_validation_messages_match_the_mcp_tools(
    store: SqliteStore, operation: str, model: type[BaseModel], raw: dict[str, Any]
) -> None:
    """The API words a bad argument exactly as the MCP tool does (one implementation: core.validation)."""
    with pytest.raises(ValidationError) as exc:
        model.model_validate(raw)
    theirs = validation_error(model, exc.value)
    with pytest.raises(ApiError) as caught:
        await resolve(operation, raw, "alice", store)
    ours = caught.value
    assert (ours.code, ours.field, ours.message) == ("VALIDATION", theirs.field, theirs.message)


def test_the_appsync_path_loads_no_web_stack() -> None:
    """A Lambda resolver imports ``dispatch`` only: no Ariadne, Starlette, uvicorn or MCP SDK on its cold start."""
    code = (
        "import sys, companydata.api.dispatch; "
        "print(sorted(m for m in ('ariadne', 'starlette', 'uvicorn', 'mcp', 'graphql') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
