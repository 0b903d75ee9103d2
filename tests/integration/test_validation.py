"""Bad input gets a clear, typed error naming the field, and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import audit_records, in_process_client
from tests.tooling import READ_TOOLS, WRITE_TOOLS, error, ok

pytestmark = pytest.mark.anyio

CASES = [
    ("search_companies", {"query": "x", "colour": "red"}, "colour"),
    ("search_companies", {"limit": "many"}, "limit"),
    ("search_companies", {"limit": 0}, "limit"),
    ("search_companies", {"country": "XX"}, "country"),
    ("search_companies", {"country": "Germany"}, "country"),
    ("search_companies", {"industry": "x" * 101}, "industry"),
    ("search_companies", {"min_employees": 500, "max_employees": 10}, "arguments"),
    ("get_company", {}, "arguments"),
    ("get_company", {"company_id": "cmp_00000001", "domain": "a.com"}, "arguments"),
    ("ai_search", {"prompt": "   "}, "prompt"),
    ("get_collection", {}, "collection_id"),
    ("create_collection", {"name": ""}, "name"),
    ("create_collection", {"name": "   "}, "name"),
    ("create_collection", {"name": "ok", "owner": "someone-else"}, "owner"),
    ("add_to_collection", {"collection_id": "col_1", "company_ids": []}, "company_ids"),
    (
        "add_to_collection",
        {"collection_id": "col_1", "company_ids": [f"cmp_{i:08d}" for i in range(101)]},
        "company_ids",
    ),
    ("request_email_discovery", {"company_id": "cmp_00000001", "roles": ["astronaut"]}, "roles.0"),
]


@pytest.mark.parametrize(("tool", "args", "field"), CASES)
async def test_bad_arguments_name_the_field(data_dir: Path, tool: str, args: dict, field: str) -> None:  # type: ignore[type-arg]
    async with in_process_client(data_dir, allow_mutations=True) as client:
        body = error(await client.call_tool(tool, args))
    assert body["type"] == "validation"
    assert body["field"] == field
    assert body["message"]
    if tool in WRITE_TOOLS:  # a refused write is audited as blocked, and nothing was written
        (record,) = audit_records(data_dir)
        assert (record["decision"], record["reason"]) == ("blocked", "validation")


async def test_unknown_collection_and_foreign_ids_are_not_found(data_dir: Path) -> None:
    async with in_process_client(data_dir, allow_mutations=True) as client:
        assert error(await client.call_tool("get_collection", {"collection_id": "col_nope"}))["type"] == "not_found"
        assert error(await client.call_tool("get_email_discovery", {"request_id": "edr_nope"}))["type"] == "not_found"
        body = error(
            await client.call_tool("add_to_collection", {"collection_id": "col_x", "company_ids": ["cmp_00000001"]})
        )
        assert body["type"] == "not_found"
        created = ok(await client.call_tool("create_collection", {"name": "Mine"}))
        unknown = error(
            await client.call_tool(
                "add_to_collection", {"collection_id": created["collection"]["id"], "company_ids": ["cmp_99999999"]}
            )
        )
        assert (unknown["type"], unknown["field"]) == ("validation", "company_ids")


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
_FIELDS = [
    "query",
    "industry",
    "country",
    "city",
    "min_employees",
    "max_employees",
    "founded_after",
    "founded_before",
    "limit",
    "cursor",
    "company_id",
    "domain",
    "prompt",
    "collection_id",
    "request_id",
    "name",
    "description",
    "company_ids",
    "roles",
    "bogus",
]
_SAMPLES = {
    "country": st.sampled_from(["DE", "us", "XX", "", "GB"]),
    "industry": st.sampled_from(["Software", "software", "Nope"]),
    "limit": st.integers(-5, 1000),
    "company_id": st.sampled_from(["cmp_00000001", "cmp_99999999", "bad id!", ""]),
    "company_ids": st.lists(st.sampled_from(["cmp_00000001", "cmp_00000002", "zzz", ""]), max_size=5),
    "roles": st.lists(st.sampled_from(["ceo", "cfo", "pilot"]), max_size=4),
}
arguments = st.dictionaries(
    st.sampled_from(_FIELDS),
    st.one_of(_json, *(_SAMPLES.values())),
    max_size=5,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tool=st.sampled_from(sorted(READ_TOOLS | WRITE_TOOLS)), args=arguments)
async def test_every_call_ends_in_a_result_or_a_typed_error(data_dir: Path, tool: str, args: dict) -> None:  # type: ignore[type-arg]
    async with in_process_client(data_dir, allow_mutations=True, rate_limits="ai_search=1000/minute") as client:
        result = await client.call_tool(tool, args)
    if result.is_error:
        body = error(result)
        assert body["type"] in {"validation", "not_found", "rate_limited"}, body
        if body["type"] == "validation":
            assert body["field"]
    else:
        assert isinstance(result.structured_content, dict)


async def test_an_industry_beyond_the_seeds_is_searchable_not_refused(data_dir: Path) -> None:
    """A real backend may hold industries the seed data has not: the filter passes through (here: no match)."""
    async with in_process_client(data_dir) as client:
        other = ok(await client.call_tool("search_companies", {"industry": "Underwater Basketry"}))
        known = ok(await client.call_tool("search_companies", {"industry": "  financial technology ", "limit": 5}))
    assert other["items"] == []
    assert known["items"] and {item["industry"] for item in known["items"]} == {"Financial Technology"}
