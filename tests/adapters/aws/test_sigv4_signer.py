"""SigV4: a stand-in AppSync recomputes every signature with botocore; only correctly signed requests pass."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from botocore.credentials import Credentials, RefreshableCredentials

from adapters.aws.sigv4 import NO_CREDENTIALS, SigV4Signer
from adapters.graphql.errors import IDENTITY_REFUSED
from adapters.graphql.signer import RequestSigner
from core.errors import BackendError
from tests.adapters.aws.sigv4_verifier import ACCESS_KEY, REGION, SECRET_KEY, SigV4Verifier
from tests.adapters.graphql.fault_server import ThreadedASGI, serve_in_thread
from tests.adapters.graphql.helpers import OWNER, backend_at, call

pytestmark = pytest.mark.anyio


@pytest.fixture
def verifier() -> SigV4Verifier:
    return SigV4Verifier()


@pytest.fixture
def appsync(verifier: SigV4Verifier) -> Iterator[ThreadedASGI]:
    with serve_in_thread(verifier) as runner:
        yield runner


def signer_with(secret: str = SECRET_KEY, token: str | None = None) -> SigV4Signer:
    return SigV4Signer(REGION, credentials_provider=lambda: Credentials(ACCESS_KEY, secret, token))


async def signed_request(appsync: ThreadedASGI, signer: RequestSigner, body: bytes) -> httpx.Request:
    request = httpx.Request(
        "POST",
        appsync.url + "/graphql",
        content=body,
        headers={"content-type": "application/json", "x-company-principal": OWNER},
    )
    await signer.sign(request)
    return request


@pytest.mark.parametrize("operation", ["search_companies", "list_collections", "create_collection"])
async def test_correctly_signed_adapter_requests_pass(
    appsync: ThreadedASGI, verifier: SigV4Verifier, operation: str
) -> None:
    async with backend_at(appsync.url + "/graphql", signer=signer_with()) as backend:
        await call(backend, operation)
    assert verifier.refused == [] and len(verifier.accepted) == 1
    authorization = verifier.accepted[0].header("authorization") or ""
    assert "/appsync/aws4_request" in authorization
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"host", "x-amz-date", "content-type"} <= set(signed)
    assert ("x-company-principal" in signed) == (operation != "search_companies")


async def test_a_session_token_is_sent_and_signed(appsync: ThreadedASGI, verifier: SigV4Verifier) -> None:
    async with backend_at(appsync.url + "/graphql", signer=signer_with(token="session-token")) as backend:
        await call(backend, "get_company")
    assert verifier.refused == []
    assert verifier.accepted[0].header("x-amz-security-token") == "session-token"


async def test_a_wrong_secret_is_refused(appsync: ThreadedASGI, verifier: SigV4Verifier) -> None:
    async with backend_at(appsync.url + "/graphql", signer=signer_with(secret="not-the-secret")) as backend:
        with pytest.raises(BackendError) as caught:
            await call(backend, "search_companies")
    assert caught.value.message == IDENTITY_REFUSED  # AppSync's own text is not passed on
    assert verifier.refused == ["signature mismatch"] and verifier.accepted == []


async def test_a_tampered_body_is_refused(appsync: ThreadedASGI, verifier: SigV4Verifier) -> None:
    original = await signed_request(appsync, signer_with(), b'{"query":"query Ping { __typename }"}')
    headers = httpx.Headers(original.headers)
    del headers["content-length"]  # the same signed headers on another body
    async with httpx.AsyncClient() as client:
        good = await client.send(original)
        bad = await client.send(httpx.Request("POST", original.url, headers=headers, content=b'{"query":"mutation X"}'))
    assert good.status_code == 200
    assert bad.status_code == 401 and verifier.refused == ["signature mismatch"]


async def test_a_swapped_principal_is_refused(appsync: ThreadedASGI, verifier: SigV4Verifier) -> None:
    original = await signed_request(appsync, signer_with(), b'{"query":"query Ping { __typename }"}')
    headers = httpx.Headers(original.headers)
    headers["x-company-principal"] = "https://issuer.example|mallory"
    async with httpx.AsyncClient() as client:
        response = await client.send(httpx.Request("POST", original.url, headers=headers, content=original.content))
    assert response.status_code == 401 and verifier.refused == ["signature mismatch"]


async def test_no_credentials_sends_nothing(appsync: ThreadedASGI, verifier: SigV4Verifier) -> None:
    signer = SigV4Signer(REGION, credentials_provider=lambda: None)
    async with backend_at(appsync.url + "/graphql", signer=signer) as backend:
        with pytest.raises(BackendError) as caught:
            await call(backend, "search_companies")
    assert caught.value.message == NO_CREDENTIALS
    assert verifier.accepted == [] and verifier.refused == []


async def test_credentials_are_found_once_off_the_event_loop() -> None:
    calls: list[str] = []

    def provider() -> Credentials:
        calls.append(threading.current_thread().name)
        return Credentials(ACCESS_KEY, SECRET_KEY)

    signer = SigV4Signer(REGION, credentials_provider=provider)
    for _ in range(3):
        await signer.sign(httpx.Request("POST", "https://api.example/graphql", content=b"{}"))
    assert len(calls) == 1 and calls[0] != threading.main_thread().name


async def test_expiring_role_credentials_are_refreshed_in_a_worker_thread(
    appsync: ThreadedASGI, verifier: SigV4Verifier
) -> None:
    refreshes: list[str] = []

    def metadata(minutes: int) -> dict[str, str]:
        expiry = datetime.now(UTC) + timedelta(minutes=minutes)
        return {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "token": "t", "expiry_time": expiry.isoformat()}

    def refresh() -> dict[str, str]:
        refreshes.append(threading.current_thread().name)
        return metadata(60)

    credentials = RefreshableCredentials.create_from_metadata(metadata(1), refresh, "test-role")
    signer = SigV4Signer(REGION, credentials_provider=lambda: credentials)
    async with backend_at(appsync.url + "/graphql", signer=signer) as backend:
        await call(backend, "search_companies")
        await call(backend, "search_companies")
    assert len(refreshes) == 1 and refreshes[0] != threading.main_thread().name
    assert len(verifier.accepted) == 2
