"""The documents match the SDL, and every port method speaks them correctly (against the stand-in API)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from graphql import build_schema, parse, validate

from adapters.graphql import operations as ops
from adapters.graphql.backend import GraphQLBackend
from core.errors import BackendUnavailable, ValidationFailed
from core.model import Collection, Company, CompanyFilters, CompanySummary, EmailDiscovery, PageRequest
from core.ports import Backend
from tests.adapters.graphql.fault_server import Answer, FaultServer, graphql_error
from tests.adapters.graphql.helpers import FIRST_PAGE, OWNER, backend_at

pytestmark = pytest.mark.anyio

SDL = Path(__file__).parents[3] / "companydata" / "api" / "schema.graphql"
# AppSync's built-in scalars, which the SDL uses without declaring them.
APPSYNC_SCALARS = "scalar AWSDateTime\nscalar AWSEmail\n"


def test_the_adapter_conforms_to_the_backend_port() -> None:
    _: Backend = GraphQLBackend("http://127.0.0.1:9/graphql")
    assert isinstance(_, Backend)


@pytest.mark.parametrize("operation", ops.ALL, ids=lambda op: op.name)
def test_every_document_is_valid_against_the_sdl(operation: ops.Operation) -> None:
    schema = build_schema(APPSYNC_SCALARS + SDL.read_text())
    document = parse(operation.document)
    assert validate(schema, document) == []
    definition = document.definitions[0]
    assert definition.operation.value == operation.kind  # type: ignore[attr-defined]
    assert definition.name.value == operation.name  # type: ignore[attr-defined]


def test_there_is_one_document_per_sdl_operation_the_port_calls() -> None:
    """Every SDL operation but ai_search (core interprets prompts itself, for every adapter)."""
    schema = build_schema(APPSYNC_SCALARS + SDL.read_text())
    assert schema.query_type is not None and schema.mutation_type is not None
    sdl_fields = set(schema.query_type.fields) | set(schema.mutation_type.fields)
    selected = {parse(op.document).definitions[0].selection_set.selections[0].name.value for op in ops.ALL}  # type: ignore[attr-defined]
    assert selected == sdl_fields - {"ai_search"} and len(ops.ALL) == 8
    assert {op.name: op.kind for op in ops.ALL}["CreateCollection"] == "mutation"


def test_selections_are_exactly_the_model_fields() -> None:
    assert ops.SUMMARY.split() == list(CompanySummary.model_fields)
    assert ops.COMPANY.split() == list(Company.model_fields)
    assert ops.COLLECTION.split() == list(Collection.model_fields)
    assert ops.DISCOVERY.replace("{", " ").replace("}", " ").split() == [
        *[f for f in EmailDiscovery.model_fields if f != "results"],
        "results",
        "email",
        "role",
        "confidence",
        "synthetic",
    ]


async def test_search_sends_filters_match_and_cursor(api: FaultServer) -> None:
    filters = CompanyFilters(query="data tools", country="DE", min_employees=50, match="any")
    async with backend_at(api.url) as backend:
        page = await backend.search_companies(filters, PageRequest(limit=7, after="o14"))
    assert page.items[0] == CompanySummary(**page.items[0].model_dump()) and page.items[0].id == "c_1"
    assert page.next_after == "o20"  # the API's next_cursor
    sent = api.seen[0].document
    assert sent["operationName"] == "SearchCompanies"
    assert sent["variables"] == {
        "query": "data tools",
        "country": "DE",
        "min_employees": 50,
        "match": "ANY",
        "limit": 7,
        "cursor": "o14",
    }
    assert api.seen[0].method == "POST" and api.seen[0].path == "/graphql"


async def test_match_all_is_sent_as_all(api: FaultServer) -> None:
    async with backend_at(api.url) as backend:
        await backend.search_companies(CompanyFilters(), FIRST_PAGE)
    assert api.seen[0].document["variables"] == {"match": "ALL", "limit": 20}


async def test_every_port_method_returns_core_records(api: FaultServer) -> None:
    async with backend_at(api.url) as backend:
        company = await backend.get_company(domain="acme.example")
        collections = await backend.list_collections(OWNER, PageRequest(limit=5, after="o5"))
        collection, members = await backend.get_collection(OWNER, "col_1", FIRST_PAGE)
        created = await backend.create_collection(OWNER, "Mine", "notes")
        added = await backend.add_to_collection(OWNER, "col_1", ["c_1", "c_2"])
        discovery = await backend.get_email_discovery(OWNER, "req_1")
        await backend.ping()
    assert isinstance(company, Company) and company.tags == ["analytics", "b2b"]
    assert collections.items[0].id == "col_1" and collections.next_after is None
    assert collection.name == "Mine" and members.items[0].id == "c_1" and members.next_after == "o1"
    assert created == (collections.items[0], True)
    assert (added.added, added.already_present, added.size) == (["c_2"], ["c_1"], 2)
    assert discovery.results[0].email == "sales@acme.example"
    variables = [s.document["variables"] for s in api.seen]
    assert variables[:6] == [
        {"domain": "acme.example"},
        {"limit": 5, "cursor": "o5"},
        {"collection_id": "col_1", "limit": 20},
        {"name": "Mine", "description": "notes"},
        {"collection_id": "col_1", "company_ids": ["c_1", "c_2"]},
        {"request_id": "req_1"},
    ]


async def test_request_email_discovery_reads_the_request_back(api: FaultServer) -> None:
    async with backend_at(api.url) as backend:
        discovery, created = await backend.request_email_discovery(OWNER, "c_1", ["sales"])
    assert created is True and isinstance(discovery, EmailDiscovery) and discovery.request_id == "req_1"
    assert api.operations() == ["RequestEmailDiscovery", "GetEmailDiscovery"]
    assert api.seen[0].document["variables"] == {"company_id": "c_1", "roles": ["sales"]}


@pytest.mark.parametrize("arguments", [{}, {"company_id": "c_1", "domain": "acme.example"}])
async def test_get_company_needs_exactly_one_key(api: FaultServer, arguments: dict[str, str]) -> None:
    async with backend_at(api.url) as backend:
        with pytest.raises(ValidationFailed):
            await backend.get_company(**arguments)
    assert api.seen == []


@pytest.mark.parametrize(
    "answer",
    [Answer(b"", status=500), graphql_error("FORBIDDEN"), graphql_error("UNAVAILABLE"), Answer(b'{"data": 1}')],
    ids=["500", "forbidden", "store-unavailable", "garbled"],
)
async def test_ping_failures_are_unavailable_and_not_retried(api: FaultServer, answer: Answer) -> None:
    api.script(answer)
    async with backend_at(api.url) as backend:
        with pytest.raises(BackendUnavailable):
            await backend.ping()
    assert api.operations() == ["GetCompany"]


async def test_ping_reaches_the_store_and_not_found_means_ready(api: FaultServer) -> None:
    api.script(graphql_error("NOT_FOUND", "No company with id cmp_readiness_probe."))
    async with backend_at(api.url) as backend:
        await backend.ping()
    assert api.operations() == ["GetCompany"]
    assert api.seen[0].document["variables"] == {"company_id": "cmp_readiness_probe"}


async def test_an_injected_client_is_used_and_left_open(api: FaultServer) -> None:
    async with httpx.AsyncClient() as client:
        backend = GraphQLBackend(api.url, client=client)
        await backend.get_company(company_id="c_1")
        await backend.aclose()
        assert not client.is_closed
    assert api.seen[0].header("content-type") == "application/json"
