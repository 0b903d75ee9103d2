"""HTTP behaviour of /graphql and the query limits: methods, media type, body cap, nesting, breadth."""

from __future__ import annotations

import pytest
from graphql import build_schema, parse, validate
from graphql.utilities import get_introspection_query

from companydata.api import limits
from companydata.api.scalars import with_scalar_declarations
from companydata.api.schema import load_sdl

from .support import ApiClient, LiveServer, signed_client

pytestmark = pytest.mark.anyio


async def test_only_post_json(sqlite_api: LiveServer) -> None:
    async with signed_client() as http:
        for method in ("GET", "PUT", "DELETE"):
            response = await http.request(method, sqlite_api.url, params={"query": "{ __typename }"})
            assert response.status_code == 405
        text = await http.post(sqlite_api.url, content=b"{ __typename }", headers={"content-type": "text/plain"})
        assert text.status_code == 415
        assert text.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
        form = await http.post(sqlite_api.url, data={"query": "{ __typename }"})
        assert form.status_code == 415
        bad = await http.post(sqlite_api.url, content=b"{not json", headers={"content-type": "application/json"})
        assert bad.status_code == 400
        deep = await http.post(sqlite_api.url, content=b"[" * 100_000, headers={"content-type": "application/json"})
        assert deep.status_code == 400
        batch = await http.post(sqlite_api.url, json=[{"query": "{ __typename }"}])
        assert batch.status_code == 400
        assert batch.json()["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_body_cap_256_kib(sqlite_api: LiveServer) -> None:
    padding = " " * (256 * 1024)
    async with signed_client() as http:
        declared = await http.post(sqlite_api.url, json={"query": "{ __typename }" + padding})
        assert declared.status_code == 413

        async def chunks():  # no Content-Length: the cap applies while reading
            for _ in range(300):
                yield b" " * 1024

        streamed = await http.post(sqlite_api.url, content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        fits = await http.post(sqlite_api.url, json={"query": "{ __typename }" + " " * 200_000})
        assert fits.status_code == 200


async def test_introspection_is_allowed(api: ApiClient) -> None:
    schema = (await api.post(get_introspection_query(descriptions=True))).data["__schema"]
    assert schema["queryType"]["name"] == "Query"
    assert {"AWSDateTime", "AWSEmail", "CompanyPage"} <= {t["name"] for t in schema["types"]}


async def test_introspection_cannot_be_used_to_multiply_the_answer(api: ApiClient) -> None:
    nested = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    answer = await api.post(nested)
    assert answer.status == 400
    assert answer.code == "VALIDATION"


@pytest.mark.parametrize(
    "query",
    [
        "{ " + "__typename " * 20 + "x: " + "search_companies { items " * 40 + "}" * 40,
        "query { " + "a: search_companies(" + "limit: [" * 40 + "1" + "]" * 40 + ") { capped } }",
        "{" * 20_000,  # would exhaust the Python stack in a recursive parser
        '{ __type(name: "Query") { ' + "ofType { " * 25 + "name" + " }" * 25 + " } }",  # valid, but too deep
        "{ " + " ".join(f"a{i}: search_companies {{ capped }}" for i in range(101)) + " }",
        "{ "
        + " ".join(f'a{i}: get_company(company_id: "cmp_{i}") {{ id name domain industry }}' for i in range(300))
        + " }",
        " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(60)) + " query { ...F0 }",
    ],
)
async def test_hostile_documents_are_refused_before_execution(api: ApiClient, query: str) -> None:
    answer = await api.post(query)
    assert answer.status == 400, answer.body
    assert answer.code == "VALIDATION"


async def test_the_graphql_adapter_probe_of_100_ids_fits(api: ApiClient) -> None:
    variables = ", ".join(f"$id{i}: ID!" for i in range(100))
    fields = " ".join(f"c{i}: get_company(company_id: $id{i}) {{ id }}" for i in range(100))
    ids = {f"id{i}": f"cmp_{i + 1:08d}" for i in range(100)}
    answer = await api.post(f"query CompaniesExist({variables}) {{ {fields} }}", ids)
    assert answer.data["c99"] == {"id": "cmp_00000100"}


def _errors(query: str) -> list[str]:
    schema = build_schema(with_scalar_declarations(load_sdl()))
    return [e.message for e in validate(schema, parse(query), [limits.QueryLimits])]


def test_fragments_are_measured_once_each() -> None:
    # Each fragment doubles the one before: 2**40 fields if expanded naively; measured, it is refused at once.
    chain = " ".join(f"fragment F{i} on CompanySummary {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    query = f"{{ search_companies {{ items {{ ...F0 }} }} }} {chain} fragment F40 on CompanySummary {{ id }}"
    assert any("Too many fields" in message for message in _errors(query))
    assert _errors(get_introspection_query(descriptions=True)) == []
    fine = (
        "fragment S on CompanySummary { id name } "
        '{ search_companies { items { ...S } } a: ai_search(prompt: "x") { items { ...S } } }'
    )
    assert _errors(fine) == []


def test_token_check_counts_without_recursion() -> None:
    limits.check_tokens("{ a { b } }")
    with pytest.raises(Exception, match="nested too deeply"):
        limits.check_tokens("[" * 10_000)
    with pytest.raises(Exception, match="too long"):
        limits.check_tokens("{ " + "a " * (limits.MAX_TOKENS + 1) + "}")
