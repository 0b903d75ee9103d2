"""Service authentication (401 before any resolver) and the end-user principal header."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from companydata.api.errors import ApiError
from companydata.api.identity import (
    PRINCIPAL_HEADER,
    AllowLoopback,
    ServiceAuth,
    ServiceRequest,
    SharedSecretAuth,
    TrustPlatformAuth,
    is_loopback,
    owner_from,
    sign_request,
)
from companydata.api.run import run_api
from companydata.api.server import create_api_app
from companydata.sqlite_store import SqliteStore
from core.errors import ConfigError

from .support import DOCUMENTS, LiveServer

pytestmark = pytest.mark.anyio

SECRET = b"s" * 32
CREATE = DOCUMENTS["create_collection"]


class RecordingBackend:
    """Records whether anything reached the store: a refused request must not."""

    def __init__(self) -> None:
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        async def record(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            raise AssertionError(f"{name} was called")

        return record


def _body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


async def test_loopback_callers_are_accepted(sqlite_api: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(sqlite_api.url, json={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_other_addresses_get_401_and_nothing_runs() -> None:
    backend = RecordingBackend()
    app = create_api_app(backend, service_auth=AllowLoopback())  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        response = await http.post(
            "/graphql", json={"query": "{ list_collections { capped } }"}, headers={PRINCIPAL_HEADER: "a|b"}
        )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert backend.calls == 0


@pytest.fixture(scope="module")
def signed_api(api_store_path: Path) -> Iterator[LiveServer]:
    app = create_api_app(SqliteStore(api_store_path), service_auth=SharedSecretAuth(SECRET))
    with LiveServer(app) as server:
        yield server


async def test_shared_secret_good_bad_and_stale(signed_api: LiveServer, alice: str) -> None:
    body = _body(CREATE, {"name": "signed"})
    async with httpx.AsyncClient() as http:

        async def post(headers: dict[str, str], content: bytes = body) -> httpx.Response:
            return await http.post(
                signed_api.url, content=content, headers={"content-type": "application/json", **headers}
            )

        good = await post(sign_request(SECRET, body, principal=alice))
        assert good.status_code == 200
        assert good.json()["data"]["create_collection"]["collection"]["name"] == "signed"

        assert (await post({PRINCIPAL_HEADER: alice})).status_code == 401  # unsigned
        assert (await post(sign_request(b"x" * 32, body, principal=alice))).status_code == 401  # wrong secret
        stale = sign_request(SECRET, body, principal=alice, timestamp=int(time.time()) - 301)
        assert (await post(stale)).status_code == 401
        future = sign_request(SECRET, body, principal=alice, timestamp=int(time.time()) + 301)
        assert (await post(future)).status_code == 401
        other_user = {**sign_request(SECRET, body, principal=alice), PRINCIPAL_HEADER: alice + "x"}
        assert (await post(other_user)).status_code == 401  # the principal is signed
        tampered = _body(CREATE, {"name": "tampered"})
        assert (await post(sign_request(SECRET, body, principal=alice), tampered)).status_code == 401
        garbage = {**sign_request(SECRET, body, principal=alice), "x-company-timestamp": "soon"}
        assert (await post(garbage)).status_code == 401

        anonymous = _body('{ get_company(company_id: "cmp_00000001") { id } }')
        reads = await post(sign_request(SECRET, anonymous, principal=None), anonymous)
        assert reads.json() == {"data": {"get_company": {"id": "cmp_00000001"}}}


async def test_shared_secret_clock_is_injectable() -> None:
    auth = SharedSecretAuth(SECRET, clock=lambda: 1_000_000.0)
    body = b"{}"
    headers = sign_request(SECRET, body, principal="p", timestamp=1_000_000 - 300)
    assert await auth.verify(ServiceRequest("198.51.100.1", headers, body))
    headers = sign_request(SECRET, body, principal="p", timestamp=1_000_000 - 301)
    assert not await auth.verify(ServiceRequest("198.51.100.1", headers, body))
    with pytest.raises(ValueError, match="at least 32 bytes"):
        SharedSecretAuth(b"short")


async def test_trust_platform_auth() -> None:
    anyone: ServiceAuth = TrustPlatformAuth()
    assert await anyone.verify(ServiceRequest("198.51.100.1", {}, b""))
    easy_auth: ServiceAuth = TrustPlatformAuth("X-MS-CLIENT-PRINCIPAL-ID")
    assert not await easy_auth.verify(ServiceRequest("198.51.100.1", {}, b""))
    headers = httpx.Headers({"x-ms-client-principal-id": "00000000-0000-0000-0000-000000000001"})
    assert await easy_auth.verify(ServiceRequest("198.51.100.1", headers, b""))


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("127.8.9.10")
    assert is_loopback("::1")
    assert is_loopback("[::1]")
    for other in (None, "", "10.0.0.1", "203.0.113.9", "localhost", "::ffff:10.0.0.1", "not-an-ip"):
        assert not is_loopback(other)


def test_principal_header_rules() -> None:
    assert owner_from("https://issuer.test|user-1") == "https://issuer.test|user-1"
    # adapters.graphql percent-encodes anything but visible ASCII: the owner is the decoded principal
    assert owner_from("https://issuer.test|J%C3%BCrgen%20M%25") == "https://issuer.test|Jürgen M%"
    for bad in (None, "", " ", "x" * 513, "tab\tin", "caf\u00e9", "%FF%FE", "a%0Ab"):
        with pytest.raises(ApiError) as refused:
            owner_from(bad)
        assert refused.value.code == "FORBIDDEN"
    assert owner_from("x" * 512) == "x" * 512


def test_run_api_refuses_an_open_address_without_service_auth(api_store_path: Path) -> None:
    with pytest.raises(ConfigError, match="loopback-only"):
        run_api(str(api_store_path), "0.0.0.0", 0)
