"""What goes on the wire: the signer's credentials only, the end user's principal only where it scopes data."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from adapters.graphql.backend import PRINCIPAL_HEADER, encode_principal
from adapters.graphql.main import build_graphql_runtime
from adapters.graphql.shared_secret import SharedSecretSigner
from adapters.graphql.signer import RequestSigner
from companydata.api.identity import ServiceRequest, SharedSecretAuth
from core.config import Settings
from core.model import PageRequest
from core.service_key import service_secret
from tests.adapters.graphql.fault_server import BUSY_503, FaultServer
from tests.adapters.graphql.helpers import OWNER, READS, WRITES, backend_at, call
from tests.auth.issuer import LocalIssuer
from tests.support import ThreadedServer

pytestmark = pytest.mark.anyio

OWNER_SCOPED = {"list_collections", "get_collection", "get_email_discovery", *WRITES}
SERVICE_TOKEN = "Bearer service-token-from-the-signer"
OWNER_PAGE = PageRequest(limit=5)


class StaticSigner:
    """A stand-in service identity; records what it was asked to sign."""

    def __init__(self) -> None:
        self.signed: list[tuple[str, str, bytes]] = []

    async def sign(self, request: httpx.Request) -> None:
        self.signed.append((request.method, str(request.url), request.content))
        request.headers["Authorization"] = SERVICE_TOKEN


@pytest.mark.parametrize("operation", READS + WRITES)
async def test_only_the_signers_authorization_and_the_owners_principal(api: FaultServer, operation: str) -> None:
    signer: RequestSigner = StaticSigner()
    async with backend_at(api.url, signer=signer) as backend:
        await call(backend, operation)
    assert api.seen
    for seen in api.seen:
        assert [v for k, v in seen.headers if k == "authorization"] == [SERVICE_TOKEN]
        expected = [OWNER] if operation in OWNER_SCOPED else []
        assert [v for k, v in seen.headers if k == PRINCIPAL_HEADER.lower()] == expected
        assert not {k for k, _ in seen.headers} & {"cookie", "x-api-key", "proxy-authorization"}


async def test_without_a_signer_no_authorization_is_sent(api: FaultServer) -> None:
    async with backend_at(api.url) as backend:
        await call(backend, "create_collection")
    assert api.seen[0].header("authorization") is None
    assert api.seen[0].header(PRINCIPAL_HEADER) == OWNER


async def test_the_signer_sees_the_final_request_on_every_attempt(api: FaultServer) -> None:
    api.script(BUSY_503)
    signer = StaticSigner()
    async with backend_at(api.url, signer=signer) as backend:
        await call(backend, "search_companies")
    assert len(signer.signed) == len(api.seen) == 2
    for (method, url, body), seen in zip(signer.signed, api.seen, strict=True):
        assert (method, url, body) == ("POST", api.url, seen.body)


async def test_the_shared_secret_signer_signs_each_attempt_afresh(api: FaultServer) -> None:
    """A retried read gets a new nonce, so the API does not take it for a replay; both attempts verify."""
    key = b"k" * 32
    api.script(BUSY_503)
    async with backend_at(api.url, signer=SharedSecretSigner(key)) as backend:
        await backend.list_collections(OWNER, OWNER_PAGE)
    assert len(api.seen) == 2
    assert len({seen.header("x-company-nonce") for seen in api.seen}) == 2
    verifier = SharedSecretAuth(key)
    for seen in api.seen:
        request = ServiceRequest(
            client_host="127.0.0.1",
            method=seen.method,
            target=seen.path,
            headers=httpx.Headers(seen.headers),
            body=seen.body,
        )
        assert await verifier.verify(request)
    assert not await SharedSecretAuth(b"another deployment's secret key!").verify(request)


async def test_the_default_runtime_signs_with_the_data_dirs_key(api: FaultServer, tmp_path: Path) -> None:
    runtime = build_graphql_runtime(Settings(data_dir=tmp_path, graphql_url=api.url))
    try:
        await runtime.ports.backend.create_collection(OWNER, "Mine", None)
    finally:
        assert runtime.close is not None
        await runtime.close()
    seen = api.seen[0]
    request = ServiceRequest(
        client_host="127.0.0.1",
        method=seen.method,
        target=seen.path,
        headers=httpx.Headers(seen.headers),
        body=seen.body,
    )
    assert await SharedSecretAuth(service_secret(tmp_path)).verify(request)


@pytest.mark.parametrize(
    ("principal", "header"),
    [
        (OWNER, OWNER),
        ("https://id.example|zoë o'neil", "https://id.example|zo%C3%AB%20o'neil"),
        ("a%41", "a%2541"),
        ("x\r\nX-Injected: 1", "x%0D%0AX-Injected:%201"),
    ],
)
async def test_principals_always_fit_one_header(api: FaultServer, principal: str, header: str) -> None:
    assert encode_principal(principal) == header
    async with backend_at(api.url) as backend:
        await backend.list_collections(principal, OWNER_PAGE)
    assert api.seen[0].header(PRINCIPAL_HEADER) == header
    assert api.seen[0].header("x-injected") is None


RESOURCE = "https://mcp.example.test/mcp"


@pytest.mark.parametrize(
    ("tool", "args"),
    [("search_companies", {"query": "acme"}), ("list_collections", {}), ("create_collection", {"name": "Mine"})],
)
def test_the_mcp_clients_token_never_reaches_the_api(
    api: FaultServer, tmp_path: Path, tool: str, args: dict[str, object]
) -> None:
    """Through the whole server: a verified bearer token in, only the principal's id out to the API."""
    with LocalIssuer(audience=RESOURCE) as issuer:
        settings = Settings(
            data_dir=tmp_path,
            adapter="graphql",
            graphql_url=api.url,
            auth="oidc",
            oidc_issuer=issuer.url,
            resource_url=RESOURCE,
            allow_mutations=True,
        )
        token = issuer.mint(scope="companies:read companies:write", sub="bob")
        with ThreadedServer(settings) as server:
            response = httpx.post(
                server.url + "/mcp",
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tools/call",
                    "params": {"name": tool, "arguments": args},
                },
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json, text/event-stream",
                    "Content-Type": "application/json",
                },
            )
    assert response.status_code == 200 and not response.json()["result"].get("isError"), response.text
    assert api.seen
    for seen in api.seen:
        assert seen.header("authorization") is None  # the data dir's HMAC only (x-company-signature)
        assert seen.header("x-company-signature")
        wire = "\n".join(f"{k}: {v}" for k, v in seen.headers) + "\n" + seen.body.decode()
        for part in token.split("."):
            assert part not in wire
        if tool != "search_companies":
            assert seen.header(PRINCIPAL_HEADER) == f"{issuer.url}|bob"
        else:
            assert seen.header(PRINCIPAL_HEADER) is None
