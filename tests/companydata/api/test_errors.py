"""Error codes over real HTTP: NOT_FOUND, VALIDATION (with field), FORBIDDEN, INTERNAL (nothing leaked)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from companydata.api.errors import INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE
from companydata.api.server import create_api_app
from core.errors import BackendError, BackendUnavailable, NotFound

from .support import ApiClient, LiveServer, service_auth, signed_client

pytestmark = pytest.mark.anyio

SECRET_TEXT = "SELECT owner FROM collections WHERE password='hunter2' -- db.internal:5432"


class FailingBackend:
    """A Backend whose every call fails the way a broken store would, with revealing text."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    search_companies = get_company = _fail
    list_collections = get_collection = create_collection = add_to_collection = _fail
    request_email_discovery = get_email_discovery = ping = _fail

    async def aclose(self) -> None:
        return None


@pytest.fixture(scope="module", params=["runtime", "unavailable", "backend_error"])
def failing_api(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    errors = {
        "runtime": RuntimeError(SECRET_TEXT),
        "unavailable": BackendUnavailable(SECRET_TEXT),
        "backend_error": BackendError(SECRET_TEXT),
    }
    app = create_api_app(FailingBackend(errors[request.param]), service_auth=service_auth())  # type: ignore[arg-type]
    with LiveServer(app) as server:
        yield server


@pytest.fixture
async def broken(failing_api: LiveServer) -> AsyncIterator[ApiClient]:
    async with signed_client(timeout=30) as http:
        yield ApiClient(http, failing_api.url)


async def test_not_found(api: ApiClient, alice: str) -> None:
    for answer in (
        await api.op("get_company", company_id="cmp_99999999"),
        await api.op("get_company", domain="no-such-company.example"),
        await api.op("get_collection", alice, collection_id="col_0000000000000000"),
        await api.op("get_email_discovery", alice, request_id="edr_0000000000000000"),
        await api.op("add_to_collection", alice, collection_id="col_0000000000000000", company_ids=["cmp_00000001"]),
        await api.op("request_email_discovery", alice, company_id="cmp_99999999"),
    ):
        assert answer.status == 200
        assert answer.code == "NOT_FOUND", answer.body
        assert "field" not in answer.error["extensions"]
        assert answer.body["data"] is None


@pytest.mark.parametrize(
    ("operation", "variables", "field"),
    [
        ("search_companies", {"country": "XX"}, "country"),
        ("search_companies", {"industry": "   "}, "industry"),
        ("search_companies", {"limit": 0}, "limit"),
        ("search_companies", {"cursor": "not-a-store-token"}, "cursor"),
        ("search_companies", {"min_employees": 50, "max_employees": 10}, "arguments"),
        ("get_company", {}, "arguments"),
        ("get_company", {"company_id": "cmp_1", "domain": "acme.io"}, "arguments"),
        ("get_company", {"company_id": "bad id!"}, "company_id"),
        ("ai_search", {"prompt": "   "}, "prompt"),
        ("list_collections", {"limit": -5}, "limit"),
        ("create_collection", {"name": ""}, "name"),
        ("create_collection", {"name": "x" * 101}, "name"),
        ("add_to_collection", {"collection_id": "col_1", "company_ids": []}, "company_ids"),
        ("add_to_collection", {"collection_id": "col_1", "company_ids": ["c"] * 101}, "company_ids"),
        ("request_email_discovery", {"company_id": "cmp_00000001", "roles": ["janitor"]}, "roles.0"),
    ],
)
async def test_validation_names_the_field(
    api: ApiClient, alice: str, operation: str, variables: dict[str, Any], field: str
) -> None:
    answer = await api.op(operation, alice, **variables)
    assert answer.status == 200
    assert answer.code == "VALIDATION", answer.body
    assert answer.error["extensions"]["field"] == field
    assert field.split(".")[0] in answer.error["message"]


async def test_unknown_company_ids_are_a_validation_error(api: ApiClient, alice: str) -> None:
    collection = (await api.call("create_collection", alice, name="v"))["collection"]
    answer = await api.op("add_to_collection", alice, collection_id=collection["id"], company_ids=["cmp_99999999"])
    assert answer.code == "VALIDATION"
    assert answer.error["extensions"]["field"] == "company_ids"


@pytest.mark.parametrize(
    "query",
    [
        "{ search_companies(limit: 5 { capped } }",  # syntax
        "{ no_such_operation { id } }",  # not in the SDL
        "{ search_companies(match: SOME) { capped } }",  # not a MatchMode
        '{ search_companies(limit: "five") { capped } }',  # wrong type
        '{ search_companies(colour: "red") { capped } }',  # unknown argument
        '{ get_company(company_id: "cmp_00000001") }',  # object without a selection
    ],
)
async def test_graphql_request_errors_are_validation_with_400(api: ApiClient, query: str) -> None:
    answer = await api.post(query)
    assert answer.status == 400
    assert "data" not in answer.body
    assert answer.code == "VALIDATION"


async def test_variable_errors_are_validation_with_400(api: ApiClient) -> None:
    answer = await api.post("query Q($n: Int) { search_companies(limit: $n) { capped } }", {"n": "lots"})
    assert answer.status == 400
    assert answer.code == "VALIDATION"


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        ("list_collections", {}),
        ("get_collection", {"collection_id": "col_1"}),
        ("get_email_discovery", {"request_id": "edr_1"}),
        ("create_collection", {"name": "x"}),
        ("add_to_collection", {"collection_id": "col_1", "company_ids": ["cmp_00000001"]}),
        ("request_email_discovery", {"company_id": "cmp_00000001"}),
    ],
)
async def test_owner_scoped_operations_need_a_principal(
    api: ApiClient, operation: str, variables: dict[str, Any]
) -> None:
    for principal in (None, "", "x" * 513, "tab\there"):
        answer = await api.op(operation, principal, **variables)
        assert answer.status == 200
        assert answer.code == "FORBIDDEN", (principal, answer.body)
        assert answer.body["data"] is None


async def test_company_reads_need_no_principal(api: ApiClient) -> None:
    assert (await api.call("get_company", company_id="cmp_00000001"))["id"] == "cmp_00000001"
    assert (await api.call("ai_search", prompt="software"))["items"]


async def test_internal_errors_hide_their_text(
    broken: ApiClient, alice: str, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    kind = request.node.callspec.params["failing_api"]
    caplog.set_level(logging.ERROR, logger="companydata.api")
    for operation, variables in (
        ("search_companies", {"query": "x"}),
        ("get_company", {"company_id": "cmp_00000001"}),
        ("ai_search", {"prompt": "fintech"}),
        ("list_collections", {}),
        ("create_collection", {"name": "x"}),
    ):
        answer = await broken.op(operation, alice, **variables)
        assert answer.status == 200
        # A store that is down keeps a code of its own ("try again"); anything else is INTERNAL ("this failed").
        expected = ("UNAVAILABLE", UNAVAILABLE_MESSAGE) if kind == "unavailable" else ("INTERNAL", INTERNAL_MESSAGE)
        assert (answer.code, answer.error["message"]) == expected
        assert set(answer.error["extensions"]) == {"code"}
        raw = str(answer.body)
        for secret in ("hunter2", "SELECT", "db.internal", "Traceback", "RuntimeError", "BackendError"):
            assert secret not in raw
    logged = "\n".join(r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in caplog.records)
    assert "hunter2" in logged, "the server keeps the detail in its own log"


async def test_readiness_follows_the_backend(sqlite_api: LiveServer, failing_api: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{sqlite_api.base}/healthz")).json() == {"status": "ok"}
        ready = await http.get(f"{sqlite_api.base}/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ready"
        assert (await http.get(f"{failing_api.base}/healthz")).status_code == 200
        broken = await http.get(f"{failing_api.base}/readyz")
        assert broken.status_code == 503
        assert "hunter2" not in broken.text


def test_not_found_is_not_internal() -> None:
    from companydata.api.errors import from_exception

    assert from_exception(NotFound("gone"), operation="get_company").code == "NOT_FOUND"


async def test_debug_mode_adds_the_stack_trace_only_when_asked() -> None:
    async def post(debug: bool) -> dict[str, Any]:
        app = create_api_app(FailingBackend(RuntimeError(SECRET_TEXT)), service_auth=service_auth(), debug=debug)  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app, client=("127.0.0.1", 40000))
        async with signed_client(transport=transport, base_url="http://127.0.0.1") as http:
            response = await http.post("/graphql", json={"query": '{ get_company(company_id: "cmp_1") { id } }'})
        return dict(response.json()["errors"][0])

    production, debugging = await post(False), await post(True)
    assert production["extensions"] == {"code": "INTERNAL"}
    assert debugging["extensions"]["code"] == "INTERNAL"
    assert debugging["message"] == production["message"] == INTERNAL_MESSAGE
    assert "RuntimeError" in "\n".join(debugging["extensions"]["exception"]["stacktrace"])
