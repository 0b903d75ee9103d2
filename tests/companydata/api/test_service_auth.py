"""Service authentication (401 before any resolver), Host/Origin checks and the end-user principal header.

The attacks of issue 12 (points 1 and 8) are tried against real servers: ``company-mcp api`` as a subprocess
(its defaults are what a developer runs) and the app under uvicorn in a thread.
"""

from __future__ import annotations

import json
import stat
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from companydata.api.errors import ApiError
from companydata.api.identity import (
    PRINCIPAL_HEADER,
    ServiceAuth,
    ServiceRequest,
    SharedSecretAuth,
    TrustPlatformAuth,
    owner_from,
)
from companydata.api.replay import NonceCache
from companydata.api.run import run_api
from companydata.api.server import create_api_app
from companydata.sqlite_store import SqliteStore
from core.errors import ConfigError
from core.service_key import load_or_create_key, service_key_path, service_secret
from core.service_signature import NONCE_HEADER, sign_request
from tests.support import ServerProcess, start_api

from .support import DOCUMENTS, SERVICE_SECRET, LiveServer, service_auth

pytestmark = pytest.mark.anyio

CREATE = DOCUMENTS["create_collection"]
LIST = DOCUMENTS["list_collections"]
JSON = {"content-type": "application/json"}


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


def _request(headers: dict[str, str], body: bytes = b"{}", **line: str) -> ServiceRequest:
    return ServiceRequest(
        client_host="198.51.100.1",
        method=line.get("method", "POST"),
        target=line.get("target", "/graphql"),
        headers=httpx.Headers(headers),
        body=body,
    )


# -- company-mcp api, as a developer runs it -------------------------------------------------------


@pytest.fixture(scope="module")
def api_process(tmp_path_factory: pytest.TempPathFactory, api_store_path: Path) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("api-data")
    process = start_api(data_dir, "--store", str(api_store_path))
    try:
        yield process
    finally:
        process.stop()


def _key_of(process: ServerProcess) -> bytes:
    return service_key_path(process.stderr_path.parent).read_bytes().strip()  # the log sits in the data dir


def _signed(process: ServerProcess, body: bytes, principal: str | None, url: str | None = None) -> dict[str, str]:
    return {
        **JSON,
        **sign_request(_key_of(process), method="POST", url=url or process.url, body=body, principal=principal),
    }


async def _collections(http: httpx.AsyncClient, process: ServerProcess, owner: str) -> list[str]:
    body = _body(LIST)
    answer = await http.post(process.url, content=body, headers=_signed(process, body, owner))
    assert answer.status_code == 200, answer.text
    return [item["name"] for item in answer.json()["data"]["list_collections"]["items"]]


async def test_the_issues_curl_is_refused_and_plants_nothing(api_process: ServerProcess) -> None:
    """``curl -H 'X-Company-Principal: alice' -d '{"query":"mutation { create_collection(...) }"}'`` from loopback."""
    alice = f"https://issuer.test|alice-{uuid.uuid4()}"
    planted = json.dumps({"query": 'mutation { create_collection(name: "planted") { created } }'}).encode()
    async with httpx.AsyncClient() as http:
        refused = await http.post(api_process.url, content=planted, headers={**JSON, PRINCIPAL_HEADER: alice})
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        reads = await http.post(api_process.url, json={"query": LIST}, headers={PRINCIPAL_HEADER: alice})
        assert reads.status_code == 401  # nor can it read alice's collections
        anonymous = await http.post(
            api_process.url, json={"query": '{ get_company(company_id: "cmp_00000001") { id } }'}
        )
        assert anonymous.status_code == 401  # unsigned reads are off unless asked for
        assert await _collections(http, api_process, alice) == []
        created = await http.post(api_process.url, content=planted, headers=_signed(api_process, planted, alice))
        assert created.json() == {"data": {"create_collection": {"created": True}}}  # the signed caller can
        assert await _collections(http, api_process, alice) == ["planted"]


def test_the_data_dir_key_is_created_private(api_process: ServerProcess) -> None:
    path = service_key_path(api_process.stderr_path.parent)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) >= 32
    assert " auth=shared-secret" in api_process.ready_line


async def test_a_foreign_host_is_misdirected(api_process: ServerProcess) -> None:
    """DNS rebinding: a page on attacker.example resolving to 127.0.0.1 sends ``Host: attacker.example:PORT``."""
    port = api_process.url.split(":")[2].split("/")[0]
    rebound = f"http://attacker.example:{port}/graphql"
    body = _body(LIST)
    alice = f"https://issuer.test|alice-{uuid.uuid4()}"
    async with httpx.AsyncClient() as http:
        for headers in (
            {**JSON, "host": f"attacker.example:{port}"},
            {**_signed(api_process, body, alice, url=rebound), "host": f"attacker.example:{port}"},
        ):
            answer = await http.post(api_process.url, content=body, headers=headers)
            assert answer.status_code == 421
            assert answer.json()["errors"][0]["extensions"]["code"] == "MISDIRECTED_REQUEST"


async def test_a_foreign_origin_is_forbidden(api_process: ServerProcess) -> None:
    body = _body(LIST)
    alice = f"https://issuer.test|alice-{uuid.uuid4()}"
    async with httpx.AsyncClient() as http:
        foreign = {**_signed(api_process, body, alice), "origin": "https://attacker.example"}
        answer = await http.post(api_process.url, content=body, headers=foreign)
        assert answer.status_code == 403
        assert answer.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        local = {**_signed(api_process, body, alice), "origin": "http://127.0.0.1:3000"}
        assert (await http.post(api_process.url, content=body, headers=local)).status_code == 200


async def test_a_replayed_signed_request_is_refused(api_process: ServerProcess) -> None:
    alice = f"https://issuer.test|alice-{uuid.uuid4()}"
    body = _body(CREATE, {"name": "once"})
    headers = _signed(api_process, body, alice)
    async with httpx.AsyncClient() as http:
        first = await http.post(api_process.url, content=body, headers=headers)
        assert first.json()["data"]["create_collection"]["created"] is True
        replay = await http.post(api_process.url, content=body, headers=headers)
        assert replay.status_code == 401
        read = _body('{ get_company(company_id: "cmp_00000001") { id } }')
        read_headers = _signed(api_process, read, None)
        assert (await http.post(api_process.url, content=read, headers=read_headers)).status_code == 200
        assert (await http.post(api_process.url, content=read, headers=read_headers)).status_code == 401


async def test_a_signature_moved_elsewhere_is_refused(api_process: ServerProcess) -> None:
    """A captured signature is good for its own method, host, path, user and body only."""
    alice = f"https://issuer.test|alice-{uuid.uuid4()}"
    body = _body(CREATE, {"name": "moved"})
    key = _key_of(api_process)
    url = api_process.url
    localhost = url.replace("127.0.0.1", "localhost")  # an allowed Host of this very server, but not the signed one

    def signed(**changes: Any) -> dict[str, str]:
        request = {"method": "POST", "url": url, "body": body, "principal": alice, **changes}
        return {**JSON, **sign_request(key, **request)}

    async with httpx.AsyncClient() as http:
        moved = [
            signed(url=url + "?variant=1"),  # another path (query)
            signed(url=url.replace("/graphql", "/other")),  # another path
            signed(url=localhost),  # another host
            signed(method="PUT"),  # another method
            {**signed(), PRINCIPAL_HEADER: alice + "x"},  # another end user
            signed(body=_body(CREATE, {"name": "signed-for-this"})),  # another body
            {**signed(), "x-company-signature": "v1=" + "0" * 64},  # the old, unbound scheme
        ]
        for headers in moved:
            assert (await http.post(url, content=body, headers=headers)).status_code == 401, headers
        assert await _collections(http, api_process, alice) == []


async def test_stale_and_future_timestamps_are_refused(api_process: ServerProcess) -> None:
    alice = f"https://issuer.test|alice-{uuid.uuid4()}"
    body = _body(CREATE, {"name": "late"})
    key = _key_of(api_process)
    async with httpx.AsyncClient() as http:
        for skew in (-31, 31, -300, 3600):
            stamp = int(time.time()) + skew
            headers = sign_request(key, method="POST", url=api_process.url, body=body, principal=alice, timestamp=stamp)
            answer = await http.post(api_process.url, content=body, headers={**JSON, **headers})
            assert answer.status_code == 401, skew
        assert await _collections(http, api_process, alice) == []


# -- the parts, in process --------------------------------------------------------------------------


async def test_other_addresses_get_401_and_nothing_runs() -> None:
    backend = RecordingBackend()
    app = create_api_app(backend, service_auth=service_auth(), unsigned_loopback_reads=True)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        for headers in ({PRINCIPAL_HEADER: "a|b"}, {}):
            response = await http.post("/graphql", json={"query": "{ list_collections { capped } }"}, headers=headers)
            assert response.status_code == 401
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert backend.calls == 0


async def test_a_configured_public_host_is_answered(api_store_path: Path) -> None:
    """Behind a load balancer: its name is a Host the API answers (signed for it), other names stay refused."""
    app = create_api_app(SqliteStore(api_store_path), service_auth=service_auth(), public_hosts=("api.example.com",))
    body = _body('{ get_company(company_id: "cmp_00000001") { id } }')
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app)) as http:
        for host, status in (("api.example.com", 200), ("other.example.com", 421)):
            url = f"https://{host}/graphql"
            signed = sign_request(SERVICE_SECRET, method="POST", url=url, body=body, principal=None)
            answer = await http.post(url, content=body, headers={**JSON, **signed})
            assert answer.status_code == status, host
        foreign = await http.post(
            "https://api.example.com/graphql",
            content=body,
            headers={**JSON, **signed, "origin": "https://app.attacker.example"},
        )
        assert foreign.status_code == 403


@pytest.fixture(scope="module")
def loopback_reads_api(api_store_path: Path) -> Iterator[LiveServer]:
    app = create_api_app(SqliteStore(api_store_path), service_auth=service_auth(), unsigned_loopback_reads=True)
    with LiveServer(app) as server:
        yield server


async def test_unsigned_loopback_reads_are_public_reads_only(loopback_reads_api: LiveServer, alice: str) -> None:
    url = loopback_reads_api.url
    async with httpx.AsyncClient() as http:
        read = await http.post(url, json={"query": '{ get_company(company_id: "cmp_00000001") { id } }'})
        assert read.json() == {"data": {"get_company": {"id": "cmp_00000001"}}}
        write = await http.post(url, json={"query": 'mutation { create_collection(name: "x") { created } }'})
        assert write.status_code == 401
        mixed = 'query A { __typename } mutation B { create_collection(name: "x") { created } }'
        assert (await http.post(url, json={"query": mixed, "operationName": "A"})).status_code == 401
        as_alice = await http.post(url, json={"query": LIST}, headers={PRINCIPAL_HEADER: alice})
        assert as_alice.status_code == 401  # no end user without a signature
        body = _body(CREATE, {"name": "signed"})
        signed = sign_request(SERVICE_SECRET, method="POST", url=url, body=body, principal=alice)
        created = await http.post(url, content=body, headers={**JSON, **signed})
        assert created.json()["data"]["create_collection"]["created"] is True  # signed callers still write
        bad = {**sign_request(SERVICE_SECRET, method="POST", url=url, body=b"{}", principal=None)}
        read_body = _body("{ __typename }")
        assert (await http.post(url, content=read_body, headers={**JSON, **bad})).status_code == 401


def test_unsigned_loopback_reads_only_on_a_loopback_address(api_store_path: Path) -> None:
    with pytest.raises(ConfigError, match="unsigned loopback reads"):
        run_api(str(api_store_path), "0.0.0.0", 0, service_auth=service_auth(), unsigned_loopback_reads=True)


async def test_shared_secret_window_and_nonces_with_a_clock() -> None:
    now = [1_000_000.0]
    auth = SharedSecretAuth(SERVICE_SECRET, clock=lambda: now[0])
    url = "http://127.0.0.1:8001/graphql"

    def headers(stamp: int, nonce: str) -> dict[str, str]:
        signed = sign_request(
            SERVICE_SECRET, method="POST", url=url, body=b"{}", principal="p", timestamp=stamp, nonce=nonce
        )
        return {**signed, "host": "127.0.0.1:8001"}

    assert await auth.verify(_request(headers(1_000_000 - 30, "n" * 16)))
    assert not await auth.verify(_request(headers(1_000_000 - 31, "m" * 16)))
    assert not await auth.verify(_request(headers(1_000_000 + 31, "m" * 16)))
    fresh = headers(1_000_000, "o" * 16)
    assert await auth.verify(_request(fresh))
    assert not await auth.verify(_request(fresh))  # replay
    now[0] += 31
    assert not await auth.verify(_request(fresh))  # and once forgotten, stale anyway
    assert not await auth.verify(_request({**headers(int(now[0]), "p" * 16), NONCE_HEADER: "short"}))
    with pytest.raises(ValueError, match="at least 32 bytes"):
        SharedSecretAuth(b"short")


def test_a_full_nonce_cache_refuses_until_entries_expire() -> None:
    cache = NonceCache(max_entries=2)
    assert cache.remember("a", now=0, expires_at=10) and cache.remember("b", now=0, expires_at=20)
    assert not cache.remember("c", now=5, expires_at=30)  # full of live nonces: refuse, never evict
    assert not cache.remember("a", now=5, expires_at=30)
    assert cache.remember("c", now=11, expires_at=30)  # "a" expired
    assert not cache.remember("b", now=19, expires_at=40)  # still remembered
    assert len(cache) == 2


def test_the_service_key_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "api-service.key"
    with ThreadPoolExecutor(8) as pool:  # concurrent first use: one key, the same for everyone
        keys = set(pool.map(lambda _: load_or_create_key(path), range(16)))
    assert len(keys) == 1 and len(next(iter(keys))) == 43  # 32 random bytes as URL-safe base64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["api-service.key"]  # no temporary file left
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_or_create_key(path)
    path.chmod(0o600)
    path.write_bytes(b"short")
    with pytest.raises(ConfigError, match="fewer than 32"):
        load_or_create_key(path)
    assert service_secret(tmp_path, "c" * 32) == b"c" * 32  # a configured secret wins over the file
    with pytest.raises(ConfigError, match="at least 32"):
        service_secret(tmp_path, "short")


async def test_trust_platform_auth() -> None:
    anyone: ServiceAuth = TrustPlatformAuth()
    assert await anyone.verify(_request({}))
    easy_auth: ServiceAuth = TrustPlatformAuth("X-MS-CLIENT-PRINCIPAL-ID")
    assert not await easy_auth.verify(_request({}))
    assert await easy_auth.verify(_request({"x-ms-client-principal-id": "00000000-0000-0000-0000-000000000001"}))


def test_loopback_addresses() -> None:
    """One definition for bind addresses, URLs and peers (core.loopback); a peer is an IP, never a name."""
    from core.loopback import is_loopback

    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST.", " localhost "):
        assert is_loopback(host), host
    for other in (None, "", "10.0.0.1", "203.0.113.9", "localhost.example", "::ffff:10.0.0.1", "not-an-ip"):
        assert not is_loopback(other), other


def test_principal_header_rules() -> None:
    assert owner_from("https://issuer.test|user-1") == "https://issuer.test|user-1"
    # adapters.graphql percent-encodes anything but visible ASCII: the owner is the decoded principal
    assert owner_from("https://issuer.test|J%C3%BCrgen%20M%25") == "https://issuer.test|Jürgen M%"
    for bad in (None, "", " ", "x" * 513, "tab\tin", "caf\u00e9", "%FF%FE", "a%0Ab"):
        with pytest.raises(ApiError) as refused:
            owner_from(bad)
        assert refused.value.code == "FORBIDDEN"
    assert owner_from("x" * 512) == "x" * 512
