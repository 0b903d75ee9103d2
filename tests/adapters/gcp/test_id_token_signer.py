"""Google ID tokens: fetched through google-auth from injected credentials, cached, refreshed before expiry.

The credentials are real google-auth service-account ID-token credentials with a
test key; their token endpoint is a fake transport (no network), which mints a
JWT with an ``exp`` and counts its calls. Sockets are blocked for good measure.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt
from google.auth.transport import Request, Response
from google.oauth2 import service_account

from adapters.gcp.id_token import NO_CREDENTIALS, GoogleIdTokenSigner
from adapters.graphql.signer import RequestSigner
from core.errors import BackendError
from tests.auth.issuer import FakeClock

pytestmark = pytest.mark.anyio

AUDIENCE = "https://company-api-abc123-ew.a.run.app"
TOKEN_URI = "https://oauth2.googleapis.com/token"
EMAIL = "mcp-server@project.iam.gserviceaccount.com"
LIFETIME_S = 3600


class FakeResponse(Response):
    def __init__(self, status: int, document: dict[str, Any]) -> None:
        self._status, self._data = status, json.dumps(document).encode()

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> dict[str, str]:
        return {"content-type": "application/json"}

    @property
    def data(self) -> bytes:
        return self._data


class FakeTokenEndpoint(Request):
    """Google's token endpoint, in memory: exchanges the signed assertion for an ID token."""

    def __init__(self, clock: FakeClock, status: int = 200) -> None:
        self.clock, self.status = clock, status
        self.calls: list[dict[str, Any]] = []
        self.threads: list[str] = []

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None, **_: Any) -> Response:
        assert (method, url) == ("POST", TOKEN_URI)
        self.threads.append(threading.current_thread().name)
        form = urllib.parse.parse_qs(body.decode())
        claims = jwt.decode(form["assertion"][0], options={"verify_signature": False})
        self.calls.append(claims)
        if self.status != 200:
            return FakeResponse(self.status, {"error": "invalid_grant", "error_description": "secret-google-detail"})
        now = int(self.clock())
        token = jwt.encode(
            {"aud": claims["target_audience"], "iat": now, "exp": now + LIFETIME_S, "n": len(self.calls)}, "k" * 32
        )
        return FakeResponse(200, {"id_token": token})


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(time.time())


def credentials(pem: str) -> service_account.IDTokenCredentials:
    return service_account.IDTokenCredentials(crypt.RSASigner.from_string(pem), EMAIL, TOKEN_URI, AUDIENCE)


def bearer(request: httpx.Request) -> dict[str, Any]:
    scheme, _, token = request.headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    # The same token for Cloud Run's IAM check, which strips the signature of the header it consumes.
    assert request.headers["x-serverless-authorization"] == request.headers["authorization"]
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def sign(signer: RequestSigner) -> httpx.Request:
    request = httpx.Request("POST", AUDIENCE + "/graphql", content=b"{}")
    await signer.sign(request)
    return request


async def test_a_token_for_the_audience_is_attached_and_reused(private_key_pem: str, clock: FakeClock) -> None:
    endpoint = FakeTokenEndpoint(clock)
    signer = GoogleIdTokenSigner(AUDIENCE, credentials=credentials(private_key_pem), request=endpoint, clock=clock)
    first = bearer(await sign(signer))
    clock.advance(LIFETIME_S - 301)  # still outside the refresh margin
    second = bearer(await sign(signer))
    assert first == second and first["aud"] == AUDIENCE
    assert len(endpoint.calls) == 1 and endpoint.calls[0]["iss"] == EMAIL
    assert endpoint.threads[0] != threading.main_thread().name  # google-auth's blocking refresh ran in a worker


async def test_the_token_is_refreshed_shortly_before_expiry(private_key_pem: str, clock: FakeClock) -> None:
    endpoint = FakeTokenEndpoint(clock)
    signer = GoogleIdTokenSigner(AUDIENCE, credentials=credentials(private_key_pem), request=endpoint, clock=clock)
    first = bearer(await sign(signer))
    clock.advance(LIFETIME_S - 299)  # inside the 300 s margin
    second = bearer(await sign(signer))
    assert (first["n"], second["n"]) == (1, 2)
    assert len(endpoint.calls) == 2


async def test_concurrent_callers_share_one_refresh(private_key_pem: str, clock: FakeClock) -> None:
    endpoint = FakeTokenEndpoint(clock)
    signer = GoogleIdTokenSigner(AUDIENCE, credentials=credentials(private_key_pem), request=endpoint, clock=clock)
    async with anyio.create_task_group() as tasks:
        for _ in range(10):
            tasks.start_soon(sign, signer)
    assert len(endpoint.calls) == 1


async def test_a_refused_refresh_is_a_backend_error_without_googles_text(
    private_key_pem: str, clock: FakeClock
) -> None:
    endpoint = FakeTokenEndpoint(clock, status=400)
    signer = GoogleIdTokenSigner(AUDIENCE, credentials=credentials(private_key_pem), request=endpoint, clock=clock)
    with pytest.raises(BackendError) as caught:
        await sign(signer)
    assert caught.value.message == NO_CREDENTIALS


async def test_credentials_are_found_in_the_environment(
    private_key_pem: str, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without injected credentials, google-auth finds them as in production (here: a key file)."""
    key_file = tmp_path / "sa.json"
    key_file.write_text(
        json.dumps(
            {
                "type": "service_account",
                "client_email": EMAIL,
                "private_key": private_key_pem,
                "private_key_id": "k1",
                "token_uri": TOKEN_URI,
            }
        )
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    endpoint = FakeTokenEndpoint(clock)
    signer = GoogleIdTokenSigner(AUDIENCE, request=endpoint, clock=clock)
    assert bearer(await sign(signer))["aud"] == AUDIENCE
    assert len(endpoint.calls) == 1
