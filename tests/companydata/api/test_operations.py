"""Every operation of the reference API over real HTTP (uvicorn), checked against the store read directly.

Runs once over SQLite and once over PostgreSQL (``any_api`` / ``any_store``; PostgreSQL skips locally when absent).
"""

from __future__ import annotations

import re

import pytest

from core.model import CompanyFilters, PageRequest
from core.ports import Backend
from core.tools.prompt import parse_prompt

from .support import ApiClient

pytestmark = pytest.mark.anyio


@pytest.fixture
def api(any_api: ApiClient) -> ApiClient:
    return any_api


@pytest.fixture
def store(any_store: Backend) -> Backend:
    return any_store


async def test_search_companies_matches_the_store_page_by_page(api: ApiClient, store: Backend) -> None:
    first = await api.call("search_companies", country="DE", min_employees=50, limit=7)
    expected = await store.search_companies(CompanyFilters(country="DE", min_employees=50), PageRequest(limit=7))
    assert first["items"] == [c.model_dump() for c in expected.items]
    assert first["capped"] is False
    assert first["next_cursor"] == expected.next_after is not None

    second = await api.call("search_companies", country="DE", min_employees=50, limit=7, cursor=first["next_cursor"])
    expected_second = await store.search_companies(
        CompanyFilters(country="DE", min_employees=50), PageRequest(limit=7, after=expected.next_after)
    )
    assert second["items"] == [c.model_dump() for c in expected_second.items]
    assert not {c["id"] for c in first["items"]} & {c["id"] for c in second["items"]}


async def test_search_companies_match_modes(api: ApiClient, store: Backend) -> None:
    default = await api.call("search_companies", query="cloud data", limit=20)
    every = await api.call("search_companies", query="cloud data", match="ALL", limit=20)
    any_word = await api.call("search_companies", query="cloud data", match="ANY", limit=20)
    assert default == every
    expected_any = await store.search_companies(CompanyFilters(query="cloud data", match="any"), PageRequest(limit=20))
    assert any_word["items"] == [c.model_dump() for c in expected_any.items]
    assert len(any_word["items"]) >= len(every["items"])


async def test_search_defaults_to_20_and_caps_500_at_100(api: ApiClient) -> None:
    assert len((await api.call("search_companies"))["items"]) == 20
    capped = await api.call("search_companies", limit=500)
    assert len(capped["items"]) == 100
    assert capped["capped"] is True
    exact = await api.call("search_companies", limit=100)
    assert len(exact["items"]) == 100
    assert exact["capped"] is False


async def test_get_company_by_id_and_by_domain(api: ApiClient, store: Backend) -> None:
    company = await store.get_company(company_id="cmp_00000042")
    by_id = await api.call("get_company", company_id="cmp_00000042")
    by_domain = await api.call("get_company", domain=f"https://www.{company.domain.upper()}/about")
    assert by_id == by_domain == company.model_dump()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", by_id["updated_at"])


async def test_ai_search_understands_and_ranks_like_the_tool(api: ApiClient, store: Backend) -> None:
    prompt = "fintech companies in Germany with more than 200 employees founded after 1990"
    result = await api.call("ai_search", prompt=prompt, limit=10)
    parsed = parse_prompt(prompt)
    assert result["understood"] == {
        "query": None,
        "industry": "Financial Technology",
        "country": "DE",
        "city": None,
        "min_employees": 201,
        "max_employees": None,
        "founded_after": 1990,
        "founded_before": None,
        "industries": None,
        "countries": None,
        "cities": None,
        "exclude_countries": None,
        "interpreter": "rules",
        "fallback": None,
    }
    expected = await store.search_companies(parsed.filters(match="any"), PageRequest(limit=10))
    assert result["items"] == [c.model_dump() for c in expected.items]
    assert result["items"], "the seeded store has German fintechs of that size"
    assert all(c["country"] == "DE" and c["employee_count"] > 200 for c in result["items"])
    assert result["capped"] is False
    assert (await api.call("ai_search", prompt="software", limit=500))["capped"] is True


async def test_collections_lifecycle(api: ApiClient, alice: str) -> None:
    created = await api.call("create_collection", alice, name="Prospects", description="Q3 list")
    collection = created["collection"]
    assert created["created"] is True
    assert collection["name"] == "Prospects"
    assert collection["description"] == "Q3 list"
    assert collection["size"] == 0
    assert re.fullmatch(r"col_[0-9a-f]+", collection["id"])

    ids = ["cmp_00000003", "cmp_00000001", "cmp_00000002"]
    added = await api.call("add_to_collection", alice, collection_id=collection["id"], company_ids=ids)
    assert added == {"collection_id": collection["id"], "added": ids, "already_present": [], "size": 3}
    again = await api.call(
        "add_to_collection", alice, collection_id=collection["id"], company_ids=["cmp_00000001", "cmp_00000004"]
    )
    assert again == {
        "collection_id": collection["id"],
        "added": ["cmp_00000004"],
        "already_present": ["cmp_00000001"],
        "size": 4,
    }

    page = await api.call("get_collection", alice, collection_id=collection["id"], limit=3)
    assert page["collection"] == {**collection, "size": 4}
    assert [c["id"] for c in page["items"]] == ids  # in the order they were added
    assert page["capped"] is False
    assert page["next_cursor"] is not None
    rest = await api.call("get_collection", alice, collection_id=collection["id"], cursor=page["next_cursor"])
    assert [c["id"] for c in rest["items"]] == ["cmp_00000004"]
    assert rest["next_cursor"] is None

    listed = await api.call("list_collections", alice)
    assert listed == {"items": [{**collection, "size": 4}], "next_cursor": None, "capped": False}


async def test_list_collections_pages(api: ApiClient, alice: str) -> None:
    names = [f"list {i}" for i in range(5)]
    for name in names:
        await api.call("create_collection", alice, name=name)
    first = await api.call("list_collections", alice, limit=2)
    seen = [c["name"] for c in first["items"]]
    cursor = first["next_cursor"]
    while cursor is not None:
        page = await api.call("list_collections", alice, limit=2, cursor=cursor)
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == names
    assert (await api.call("list_collections", alice, limit=500))["capped"] is True


async def test_email_discovery(api: ApiClient, alice: str) -> None:
    requested = await api.call("request_email_discovery", alice, company_id="cmp_00000007", roles=["cto", "ceo"])
    assert requested["created"] is True
    assert requested["status"] in ("pending", "completed")
    assert re.fullmatch(r"edr_[0-9a-f]+", requested["request_id"])

    again = await api.call("request_email_discovery", alice, company_id="cmp_00000007", roles=["ceo", "cto", "ceo"])
    assert again == {**requested, "created": False, "status": again["status"]}

    found = await api.call("get_email_discovery", alice, request_id=requested["request_id"])
    assert found["request_id"] == requested["request_id"]
    assert found["company_id"] == "cmp_00000007"
    assert found["roles"] == ["ceo", "cto"]
    assert found["status"] == "completed"  # this server's store answers at once
    assert found["completed_at"] is not None
    assert found["results"]
    assert all(r["synthetic"] is True and r["role"] in ("ceo", "cto") for r in found["results"])
    assert all(re.fullmatch(r"[^@\s]+@[^@\s]+", r["email"]) for r in found["results"])

    default_roles = await api.call("request_email_discovery", alice, company_id="cmp_00000008")
    detail = await api.call("get_email_discovery", alice, request_id=default_roles["request_id"])
    assert detail["roles"] == ["ceo", "cfo", "cto"]
