"""The adapter against the reference company API (under uvicorn, over a seeded SQLite store), every method.

The API answers what the store itself answers: searches are compared with the
same store called in process, page by page.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client

from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.errors import IDENTITY_REFUSED
from adapters.graphql.main import build_graphql_runtime
from adapters.graphql.shared_secret import SharedSecretSigner
from companydata.seed import seed_sqlite
from companydata.sqlite_store import SqliteStore
from core.app import create_server
from core.config import Settings
from core.errors import BackendError, NotFound, ValidationFailed
from core.model import CompanyFilters, PageRequest
from core.service_key import service_secret
from tests.adapters.graphql.fault_server import serve_in_thread
from tests.tooling import call_every_tool, check_every_result

server = pytest.importorskip("companydata.api.server", reason="the reference API is not in this build")
identity = pytest.importorskip("companydata.api.identity")

pytestmark = pytest.mark.anyio

COMPANIES = 2_000


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reference-api") / "companies.sqlite"
    seed_sqlite(path, COMPANIES, progress=False)
    return path


@pytest.fixture(scope="module")
def shared_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dir both the API and the MCP server use: its api-service.key is their shared secret."""
    return tmp_path_factory.mktemp("shared-data")


@pytest.fixture(scope="module")
def service_key(shared_data_dir: Path) -> bytes:
    return service_secret(shared_data_dir)


@pytest.fixture(scope="module")
def api_url(store_path: Path, service_key: bytes) -> Iterator[str]:
    auth = identity.SharedSecretAuth(service_key)
    app = server.create_api_app(SqliteStore(store_path, discovery_delay_s=0.3), service_auth=auth)
    with serve_in_thread(app, lifespan="on") as runner:
        yield runner.url + "/graphql"


@pytest.fixture
async def backend(api_url: str, service_key: bytes) -> AsyncIterator[GraphQLBackend]:
    adapter = GraphQLBackend(api_url, signer=SharedSecretSigner(service_key))
    yield adapter
    await adapter.aclose()


@pytest.fixture
async def store(store_path: Path) -> AsyncIterator[SqliteStore]:
    local = SqliteStore(store_path)
    yield local
    await local.aclose()


def owner() -> str:
    return f"https://issuer.example|user-{secrets.token_hex(4)}"


async def test_ping(backend: GraphQLBackend) -> None:
    await backend.ping()


@pytest.mark.parametrize(
    "filters",
    [
        CompanyFilters(),
        CompanyFilters(query="software"),
        CompanyFilters(query="cloud data platform", match="any"),
        CompanyFilters(country="DE", min_employees=50),
        CompanyFilters(founded_after=2000, founded_before=2015, max_employees=5000),
    ],
    ids=["all", "text", "any", "country", "ranges"],
)
async def test_search_pages_as_the_store_does(
    backend: GraphQLBackend, store: SqliteStore, filters: CompanyFilters
) -> None:
    after: str | None = None
    for _ in range(3):
        page = PageRequest(limit=7, after=after)
        remote, local = await backend.search_companies(filters, page), await store.search_companies(filters, page)
        assert remote == local
        if remote.next_after is None:
            break
        after = remote.next_after


async def test_get_company_by_id_and_by_domain(backend: GraphQLBackend, store: SqliteStore) -> None:
    expected = await store.get_company(company_id="cmp_00000042")
    assert await backend.get_company(company_id="cmp_00000042") == expected
    assert await backend.get_company(domain=expected.domain.upper()) == expected
    with pytest.raises(NotFound) as caught:
        await backend.get_company(company_id="cmp_09999999")
    assert "cmp_09999999" in caught.value.message  # the API's own message, passed on


async def test_collections_for_their_owner_only(backend: GraphQLBackend) -> None:
    alice, bob = owner(), owner()
    collection, created = await backend.create_collection(alice, "Prospects", "from tests")
    again, created_again = await backend.create_collection(alice, "Prospects", None)
    assert (created, created_again) == (True, False) and again.id == collection.id

    first = await backend.add_to_collection(alice, collection.id, ["cmp_00000001", "cmp_00000002"])
    second = await backend.add_to_collection(alice, collection.id, ["cmp_00000002", "cmp_00000003"])
    assert (first.added, first.size) == (["cmp_00000001", "cmp_00000002"], 2)
    assert (second.added, second.already_present, second.size) == (["cmp_00000003"], ["cmp_00000002"], 3)

    listed = await backend.list_collections(alice, PageRequest(limit=10))
    assert [c.id for c in listed.items] == [collection.id] and listed.items[0].size == 3
    assert (await backend.list_collections(bob, PageRequest(limit=10))).items == []

    got, members = await backend.get_collection(alice, collection.id, PageRequest(limit=2))
    assert got.id == collection.id and [m.id for m in members.items] == ["cmp_00000001", "cmp_00000002"]
    _, rest = await backend.get_collection(alice, collection.id, PageRequest(limit=2, after=members.next_after))
    assert [m.id for m in rest.items] == ["cmp_00000003"] and rest.next_after is None

    with pytest.raises(NotFound):
        await backend.get_collection(bob, collection.id, PageRequest(limit=2))
    with pytest.raises(NotFound):
        await backend.add_to_collection(bob, collection.id, ["cmp_00000004"])


async def test_email_discovery_for_its_owner_only(backend: GraphQLBackend) -> None:
    alice = owner()
    request, created = await backend.request_email_discovery(alice, "cmp_00000007", ["cfo", "ceo"])
    same, created_again = await backend.request_email_discovery(alice, "cmp_00000007", ["cfo", "ceo"])
    assert (created, created_again) == (True, False) and same.request_id == request.request_id
    assert request.company_id == "cmp_00000007" and request.status == "pending"
    for _ in range(50):  # completes after the store's 0.3 s delay
        done = await backend.get_email_discovery(alice, request.request_id)
        if done.status != "pending":
            break
        await anyio.sleep(0.1)
    assert done.status == "completed" and done.results
    with pytest.raises(NotFound):
        await backend.get_email_discovery(owner(), request.request_id)


async def test_the_apis_validation_errors_name_the_field(backend: GraphQLBackend) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await backend.create_collection(owner(), "   ", None)
    assert caught.value.field == "name"
    with pytest.raises(ValidationFailed):
        await backend.search_companies(CompanyFilters(min_employees=10**12), PageRequest(limit=5))  # not a GraphQL Int


@pytest.mark.parametrize("signer", [None, SharedSecretSigner(b"another deployment's secret key!")])
async def test_an_unverified_service_is_refused(api_url: str, signer: SharedSecretSigner | None) -> None:
    adapter = GraphQLBackend(api_url, signer=signer)
    try:
        with pytest.raises(BackendError) as caught:
            await adapter.search_companies(CompanyFilters(), PageRequest(limit=5))
    finally:
        await adapter.aclose()
    assert caught.value.message == IDENTITY_REFUSED


async def test_every_tool_through_the_mcp_server(api_url: str, shared_data_dir: Path) -> None:
    """No signer given: the runtime signs with the data dir's key, which the API was given."""
    settings = Settings(
        data_dir=shared_data_dir, adapter="graphql", graphql_url=api_url, transport="stdio", allow_mutations=True
    )
    runtime = build_graphql_runtime(settings)
    try:
        async with Client(create_server(settings, runtime)) as client:
            check_every_result(await call_every_tool(client))
    finally:
        assert runtime.close is not None
        await runtime.close()
