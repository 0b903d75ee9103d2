"""Entra ID tokens: taken from an injected azure-identity credential (sync or async), cached until expiry."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from adapters.azure.entra_token import NO_CREDENTIALS, EntraTokenSigner
from adapters.graphql.signer import RequestSigner
from core.errors import BackendError
from tests.adapters.graphql.fault_server import FaultServer, running
from tests.adapters.graphql.helpers import backend_at, call
from tests.auth.issuer import FakeClock

pytestmark = pytest.mark.anyio

SCOPE = "api://company-api/.default"
LIFETIME_S = 3600


class FakeCredential:
    """A ``TokenCredential``: hands out numbered tokens valid for an hour of ``clock`` time."""

    def __init__(self, clock: FakeClock, fail: bool = False) -> None:
        self.clock, self.fail = clock, fail
        self.scopes: list[tuple[str, ...]] = []
        self.threads: list[str] = []

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.threads.append(threading.current_thread().name)
        if self.fail:
            raise ClientAuthenticationError("secret-azure-detail: every credential in the chain failed")
        self.scopes.append(scopes)
        return AccessToken(f"entra-token-{len(self.scopes)}", int(self.clock()) + LIFETIME_S)


class FakeAsyncCredential(FakeCredential):
    """An ``AsyncTokenCredential`` (azure.identity.aio style): awaited on the event loop."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:  # type: ignore[override]
        return FakeCredential.get_token(self, *scopes, **kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(time.time())


async def authorization(signer: RequestSigner) -> str:
    request = httpx.Request("POST", "https://company-api.azurewebsites.net/graphql", content=b"{}")
    await signer.sign(request)
    return request.headers["authorization"]


@pytest.mark.parametrize("kind", [FakeCredential, FakeAsyncCredential])
async def test_a_token_for_the_scope_is_attached_and_reused(clock: FakeClock, kind: type[FakeCredential]) -> None:
    credential = kind(clock)
    signer = EntraTokenSigner(SCOPE, credential=credential, clock=clock)
    assert await authorization(signer) == "Bearer entra-token-1"
    clock.advance(LIFETIME_S - 301)
    assert await authorization(signer) == "Bearer entra-token-1"
    assert credential.scopes == [(SCOPE,)]
    on_loop = credential.threads[0] == threading.main_thread().name
    assert on_loop == (kind is FakeAsyncCredential)  # a sync credential's network call runs in a worker thread


async def test_the_token_is_refreshed_shortly_before_expiry(clock: FakeClock) -> None:
    credential = FakeCredential(clock)
    signer = EntraTokenSigner(SCOPE, credential=credential, clock=clock)
    await authorization(signer)
    clock.advance(LIFETIME_S - 299)
    assert await authorization(signer) == "Bearer entra-token-2"
    clock.advance(LIFETIME_S + 1)  # long expired
    assert await authorization(signer) == "Bearer entra-token-3"


async def test_concurrent_callers_share_one_fetch(clock: FakeClock) -> None:
    credential = FakeCredential(clock)
    signer = EntraTokenSigner(SCOPE, credential=credential, clock=clock)
    async with anyio.create_task_group() as tasks:
        for _ in range(10):
            tasks.start_soon(authorization, signer)
    assert len(credential.scopes) == 1


async def test_a_failing_credential_is_a_backend_error_without_azures_text(clock: FakeClock) -> None:
    signer = EntraTokenSigner(SCOPE, credential=FakeCredential(clock, fail=True), clock=clock)
    with pytest.raises(BackendError) as caught:
        await authorization(signer)
    assert caught.value.message == NO_CREDENTIALS


def test_the_constructor_does_no_io() -> None:
    EntraTokenSigner(SCOPE)  # DefaultAzureCredential is made on first use, not here


async def test_the_adapter_sends_the_token(clock: FakeClock) -> None:
    with running(FaultServer()) as api:
        signer = EntraTokenSigner(SCOPE, credential=FakeAsyncCredential(clock), clock=clock)
        async with backend_at(api.url, signer=signer) as backend:
            await call(backend, "list_collections")
            await call(backend, "create_collection")
    assert [s.header("authorization") for s in api.seen] == ["Bearer entra-token-1"] * 2
