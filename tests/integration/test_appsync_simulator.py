"""The company API as AppSync runs it: @aws-amplify/amplify-appsync-simulator with the stack's configuration.

The simulator loads ``schema.graphql`` with AppSync's scalars and its IAM authorization mode, and runs the nine
resolvers the Pulumi program declares (their APPSYNC_JS code, with the deployment's origin proof) over the
project's resolver function (``adapters.aws.resolver_handler.handler`` in a warm process) on PostgreSQL. Every
operation is compared with the reference server over the same store, and the MCP server's own GraphQL adapter
(SigV4-signed) runs against it. What the simulator does not model, and how that is covered, is listed at the
top of ``tools/appsync/simulate.mjs``.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials

from adapters.aws.sigv4 import SigV4Signer
from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.errors import IDENTITY_REFUSED
from companydata.api.appsync_check import check_sdl
from companydata.api.server import create_api_app
from companydata.postgres_store import PostgresStore
from core.errors import BackendError, NotFound, ValidationFailed
from core.model import CompanyFilters, PageRequest
from stacks.components.aws.api import read_schema
from tests.companydata.api.support import DOCUMENTS, LiveServer, service_auth, signed_client
from tests.integration.appsync_simulator import MCP_ACCESS_KEY, Simulator, installed, running_simulator
from tests.stacks.mocks import REGION
from tests.support import IN_CI, PG_DSN, seeded_postgres_schema

pytestmark = [pytest.mark.node, pytest.mark.anyio]

COMPANIES = 300


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    with seeded_postgres_schema("appsync_sim", COMPANIES) as name:
        yield name


@pytest.fixture(scope="module")
def simulator(schema: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    if not installed():
        if IN_CI:
            pytest.fail("tools/appsync is not installed (make tools)")
        pytest.skip("tools/appsync is not installed (make tools)")
    with running_simulator(tmp_path_factory.mktemp("appsync"), database_url=PG_DSN, db_schema=schema) as running:
        yield running


@pytest.fixture(scope="module")
def reference(schema: str) -> Iterator[str]:
    """The reference server over the same schema; its discoveries complete at once (the function's take 3 s)."""
    app = create_api_app(PostgresStore(PG_DSN, schema=schema, discovery_delay_s=0), service_auth=service_auth())
    with LiveServer(app) as server:
        yield server.url


def signer(access_key: str = MCP_ACCESS_KEY) -> SigV4Signer:
    return SigV4Signer(REGION, credentials_provider=lambda: Credentials(access_key, "not-checked-by-the-simulator"))


class Both:
    """One operation through AppSync (the simulator, SigV4-signed) and through the reference server."""

    def __init__(self, http: httpx.AsyncClient, simulator: str, reference: str) -> None:
        self.http, self.simulator, self.reference = http, simulator, reference
        self.signer = signer()

    async def raw(self, field: str, principal: str | None = None, **variables: Any) -> dict[str, Any]:
        headers = {"x-company-principal": principal} if principal is not None else {}
        request = self.http.build_request(
            "POST", self.simulator, json={"query": DOCUMENTS[field], "variables": variables}, headers=headers
        )
        await self.signer.sign(request)
        response = await self.http.send(request)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def aws(self, field: str, principal: str | None = None, **variables: Any) -> dict[str, Any]:
        return shaped(await self.raw(field, principal, **variables), field)

    async def ref(self, field: str, principal: str | None = None, **variables: Any) -> dict[str, Any]:
        headers = {"x-company-principal": principal} if principal is not None else {}
        body = {"query": DOCUMENTS[field], "variables": variables}
        async with signed_client(timeout=30) as signed:  # the reference server verifies its service caller
            response = await signed.post(self.reference, json=body, headers=headers)
        return shaped(response.json(), field)

    async def same(self, field: str, principal: str | None = None, **variables: Any) -> dict[str, Any]:
        aws, ref = await self.aws(field, principal, **variables), await self.ref(field, principal, **variables)
        assert aws == ref, (field, variables)
        return aws


def shaped(payload: dict[str, Any], field: str) -> dict[str, Any]:
    """The root field's result, or its error as ``{code, message, field}`` (AppSync's errorType, the reference's
    extensions.code), whichever face answered. graphql-js also reports the null it then puts in a non-null root
    field; that entry names no code and is left out."""
    errors = [e for e in payload.get("errors") or [] if e.get("errorType") or (e.get("extensions") or {}).get("code")]
    if errors:
        error = errors[0]
        extensions = error.get("extensions") or {}
        info = error.get("errorInfo") or {}
        assert payload.get("data") is None, payload
        return {
            "code": error.get("errorType") or extensions.get("code"),
            "message": error["message"],
            "field": info.get("field") or extensions.get("field"),
        }
    assert not payload.get("errors"), payload
    result: dict[str, Any] = payload["data"][field]
    return result


@pytest.fixture
async def both(simulator: Simulator, reference: str) -> AsyncIterator[Both]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Both(http, simulator.url, reference)


def principal(name: str) -> str:
    return f"https://issuer.test|{name}-{uuid.uuid4().hex[:8]}"


async def test_the_nine_operations_answer_through_appsync_as_the_reference_server(both: Both) -> None:
    first = await both.same("search_companies", query="software", limit=5)
    assert len(first["items"]) == 5 and first["next_cursor"]
    await both.same("search_companies", query="software", limit=5, cursor=first["next_cursor"])
    await both.same("search_companies", country="DE", min_employees=50, match="ANY", limit=20)
    capped = await both.same("search_companies", limit=500)
    assert capped["capped"] is True and len(capped["items"]) == 100
    company = await both.same("get_company", company_id=first["items"][0]["id"])
    assert company["updated_at"].endswith("Z")  # an AWSDateTime the simulator's scalar accepted
    assert await both.same("get_company", domain=company["domain"]) == company
    await both.same("ai_search", prompt="software companies in Germany with more than 50 employees", limit=5)

    alice = principal("alice")
    ids = [item["id"] for item in capped["items"][:3]]
    created = await both.aws("create_collection", alice, name="Prospects", description="via AppSync")
    assert created["created"] is True and created["collection"]["created_at"].endswith("Z")
    assert await both.ref("create_collection", alice, name="Prospects", description="via AppSync") == {
        **created,
        "created": False,
    }
    collection_id = created["collection"]["id"]
    added = await both.aws("add_to_collection", alice, collection_id=collection_id, company_ids=ids[:2])
    assert (added["added"], added["size"]) == (ids[:2], 2)
    again = await both.aws("add_to_collection", alice, collection_id=collection_id, company_ids=ids)
    assert (again["added"], again["already_present"], again["size"]) == (ids[2:], ids[:2], 3)
    listed = await both.same("list_collections", alice)
    assert [c["id"] for c in listed["items"]] == [collection_id]
    page = await both.same("get_collection", alice, collection_id=collection_id, limit=2)
    assert len(page["items"]) == 2 and page["next_cursor"]

    requested = await both.aws("request_email_discovery", alice, company_id=ids[0], roles=["cfo"])
    assert requested["created"] is True and requested["status"] == "pending"
    assert await both.ref("request_email_discovery", alice, company_id=ids[0], roles=["cfo"]) == {
        **requested,
        "created": False,
    }
    pending = await both.same("get_email_discovery", alice, request_id=requested["request_id"])
    assert pending["status"] == "pending" and pending["completed_at"] is None
    # A discovery that is already complete (made through the reference store, which completes at once): its
    # results carry AWSEmail values, which the simulator's scalar validates on the way out.
    done = await both.ref("request_email_discovery", alice, company_id=ids[1], roles=["ceo", "cto"])
    completed = await both.same("get_email_discovery", alice, request_id=done["request_id"])
    assert completed["status"] == "completed" and completed["results"]
    assert all("@" in result["email"] for result in completed["results"])


async def test_errors_reach_the_client_with_the_reference_codes(both: Both) -> None:
    alice, bob = principal("alice"), principal("bob")
    created = await both.aws("create_collection", alice, name="Private")
    collection_id = created["collection"]["id"]
    cases: list[tuple[str, str | None, dict[str, Any], str, str | None]] = [
        ("get_company", None, {"company_id": "cmp_99999999"}, "NOT_FOUND", None),
        ("get_company", None, {}, "VALIDATION", "arguments"),
        ("search_companies", None, {"limit": 0}, "VALIDATION", "limit"),
        ("search_companies", None, {"min_employees": 500, "max_employees": 10}, "VALIDATION", "arguments"),
        ("get_collection", bob, {"collection_id": collection_id}, "NOT_FOUND", None),
        ("list_collections", None, {}, "FORBIDDEN", None),
        ("create_collection", alice, {"name": ""}, "VALIDATION", "name"),
        ("add_to_collection", alice, {"collection_id": collection_id, "company_ids": []}, "VALIDATION", "company_ids"),
        ("get_email_discovery", alice, {"request_id": "edr_0000000000000000"}, "NOT_FOUND", None),
    ]
    for field, who, variables, code, named in cases:
        answer = await both.same(field, who, **variables)
        assert (answer["code"], answer["field"]) == (code, named), (field, answer)
        assert answer["message"]


async def test_appsync_itself_refuses_bad_documents_and_callers_it_does_not_authorize(
    both: Both, simulator: Simulator
) -> None:
    # GraphQL validation happens before any resolver runs (an unknown argument, a wrong type).
    for query in ('query { search_companies(sql: "1=1") { capped } }', "query { get_company(company_id: 5) { id } }"):
        request = both.http.build_request("POST", simulator.url, json={"query": query})
        await both.signer.sign(request)
        body = (await both.http.send(request)).json()
        assert body["data"] is None and body["errors"], body
    # No SigV4 signature at all: AppSync answers 401 before the schema is looked at.
    unsigned = await both.http.post(simulator.url, json={"query": DOCUMENTS["list_collections"]})
    assert unsigned.status_code == 401
    assert unsigned.json()["errors"][0]["errorType"] == "UnauthorizedException"
    # Signed, but by another principal of the account: the function answers only the MCP server's role.
    other = signer("AKIDSOMEONEELSE")
    request = both.http.build_request(
        "POST", simulator.url, json={"query": DOCUMENTS["search_companies"], "variables": {"limit": 1}}
    )
    await other.sign(request)
    assert shaped((await both.http.send(request)).json(), "search_companies")["code"] == "FORBIDDEN"


async def test_the_mcp_servers_graphql_adapter_runs_against_appsync(simulator: Simulator) -> None:
    """The adapter the aws adapter builds (GraphQLBackend + SigV4Signer), every port method, through AppSync."""
    backend = GraphQLBackend(simulator.url, signer=signer())
    owner = principal("carol")
    try:
        await backend.ping()  # the readiness query: a store lookup that answers NOT_FOUND
        page = await backend.search_companies(CompanyFilters(query="software"), PageRequest(limit=3))
        assert len(page.items) == 3 and page.next_after
        company = await backend.get_company(company_id=page.items[0].id)
        assert company.domain and company.updated_at.endswith("Z")
        assert (await backend.get_company(domain=company.domain)).id == company.id
        ids = [item.id for item in page.items]
        with pytest.raises(NotFound):
            await backend.get_company(company_id="cmp_99999999")
        with pytest.raises(ValidationFailed) as invalid:
            await backend.search_companies(CompanyFilters(min_employees=500, max_employees=10), PageRequest(limit=3))
        assert invalid.value.field == "arguments"
        collection, created = await backend.create_collection(owner, "Targets", None)
        assert created is True
        assert (await backend.create_collection(owner, "Targets", None)) == (collection, False)
        added = await backend.add_to_collection(owner, collection.id, ids)
        assert (added.added, added.size) == (ids, 3)
        listed = await backend.list_collections(owner, PageRequest(limit=10))
        assert [c.id for c in listed.items] == [collection.id]
        got, members = await backend.get_collection(owner, collection.id, PageRequest(limit=2))
        assert got.size == 3 and len(members.items) == 2 and members.next_after
        discovery, created = await backend.request_email_discovery(owner, ids[0], ["cfo"])
        assert created is True and discovery.status == "pending"
        assert (await backend.get_email_discovery(owner, discovery.request_id)).request_id == discovery.request_id
        with pytest.raises(NotFound):
            await backend.get_collection(principal("mallory"), collection.id, PageRequest(limit=2))
    finally:
        await backend.aclose()
    intruder = GraphQLBackend(simulator.url, signer=signer("AKIDSOMEONEELSE"))
    try:
        with pytest.raises(BackendError) as refused:
            await intruder.search_companies(CompanyFilters(), PageRequest(limit=1))
        assert refused.value.message == IDENTITY_REFUSED
    finally:
        await intruder.aclose()


async def test_what_the_checker_missed_an_auth_directive_that_locks_out_the_apis_callers(
    simulator: Simulator, schema: str, tmp_path: Path
) -> None:
    """On an IAM-only API, ``@aws_api_key`` on a field replaces IAM there: AppSync refuses the MCP server. The SDL
    checker passed it until it learnt the API's modes; now it, and the stack, refuse such an SDL."""
    locked = read_schema().replace(
        "list_collections(limit: Int, cursor: String): CollectionList!",
        "list_collections(limit: Int, cursor: String): CollectionList! @aws_api_key",
    )
    assert check_sdl(locked) == [] and check_sdl(locked, auth_modes=["AWS_IAM"])
    with running_simulator(tmp_path, database_url=PG_DSN, db_schema=schema, sdl=locked) as running:
        async with httpx.AsyncClient(timeout=30) as http:
            sign = signer()
            answers = {}
            for field in ("list_collections", "search_companies"):
                request = http.build_request(
                    "POST",
                    running.url,
                    json={"query": DOCUMENTS[field], "variables": {"limit": 1}},
                    headers={"x-company-principal": principal("dave")},
                )
                await sign.sign(request)
                answers[field] = (await http.send(request)).json()
    (error,) = answers["list_collections"]["errors"]
    assert error["errorType"] == "Unauthorized"
    assert error["message"] == "Not Authorized to access list_collections on type Query"
    assert len(answers["search_companies"]["data"]["search_companies"]["items"]) == 1  # the rest still answers


# Constructs Node runs but the APPSYNC_JS runtime refuses, and the rule of AWS's lint that names each.
UNSUPPORTED = {
    "try { x = 1; } catch (e) { x = 2; }": "@aws-appsync/no-try",
    "while (x < 3) { x = x + 1; }": "@aws-appsync/no-while",
    "x++;": "@aws-appsync/no-disallowed-unary-operators",
}


def test_resolver_code_outside_the_appsync_js_subset_is_refused_before_serving(
    simulator: Simulator, tmp_path: Path
) -> None:
    """Node runs more JavaScript than APPSYNC_JS: AWS's own lint rules stand in for the runtime's refusals."""
    from tests.integration.appsync_simulator import TOOLS_DIR, write_config

    constructs = "\n  ".join(UNSUPPORTED)
    code = simulator.config["resolvers"][0]["code"].replace(
        "export function request(ctx) {", f"export function request(ctx) {{\n  let x = 0;\n  {constructs}"
    )
    config_path, _ = write_config(tmp_path, database_url=PG_DSN, db_schema="unused", code=code)
    run = subprocess.run(
        ["node", str(TOOLS_DIR / "simulate.mjs"), str(config_path)],
        cwd=TOOLS_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2 and run.stdout == "", run
    assert "the resolver code is not valid APPSYNC_JS" in run.stderr, run.stderr
    for rule in UNSUPPORTED.values():
        assert rule in run.stderr, (rule, run.stderr)


def test_the_resolver_code_ran_is_the_stacks(simulator: Simulator) -> None:
    """The simulator was configured from the Pulumi program, not from a copy: the same nine fields and code."""
    from adapters.aws.appsync_origin import resolver_code
    from stacks.components.aws.api import root_fields
    from tests.stacks.mocks import RANDOM_PASSWORD

    config = simulator.config
    assert config["api"]["schema"] == read_schema() and config["api"]["authenticationType"] == "AWS_IAM"
    assert [(r["typeName"], r["fieldName"]) for r in config["resolvers"]] == root_fields(read_schema())
    assert {r["code"] for r in config["resolvers"]} == {resolver_code(RANDOM_PASSWORD)}
    assert Path(config["lambda"]["command"][1]).name == "lambda_host.py"
