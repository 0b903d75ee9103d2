"""The company API's own check of the calling service's Entra token: v2 tokens from a local issuer (real JWKS over
HTTP), shaped as Entra issues them to a managed identity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from companydata.api.entra_auth import EntraServiceAuth, entra_issuer
from companydata.api.identity import ServiceAuth, ServiceRequest
from tests.auth.issuer import LocalIssuer

pytestmark = pytest.mark.anyio

TENANT = "8d2a7c1e-0000-4000-8000-00000000aaaa"
API = "9e3c2d4f-0000-4000-8000-00000000cccc"
MCP_OID = "1a2b3c4d-0000-4000-8000-00000000dddd"


@pytest.fixture(scope="module")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer(audience=API) as local:
        yield local


def request(token: str | None, scheme: str = "Bearer") -> ServiceRequest:
    headers = {"authorization": f"{scheme} {token}"} if token else {}
    return ServiceRequest(client_host=None, method="POST", target="/graphql", headers=headers, body=b"{}")


def identity_token(issuer: LocalIssuer, **claims: Any) -> str:
    base: dict[str, Any] = {
        "iss": issuer.issuer_for(f"{TENANT}/v2.0"),
        "aud": API,
        "tid": TENANT,
        "sub": MCP_OID,
        "oid": MCP_OID,
        "azp": "7f6e5d4c-0000-4000-8000-00000000eeee",
        "scope": None,
    }
    return issuer.mint(**{**base, **claims})


def auth_for(issuer: LocalIssuer) -> EntraServiceAuth:
    auth = EntraServiceAuth.for_tenant(
        tenant_id=TENANT, audience=API, allowed_oids=[MCP_OID.upper()], issuer=issuer.issuer_for(f"{TENANT}/v2.0")
    )
    _: ServiceAuth = auth
    return auth


async def test_the_mcp_identitys_token_is_accepted(issuer: LocalIssuer) -> None:
    auth = auth_for(issuer)
    assert await auth.verify(request(identity_token(issuer)))
    await auth.aclose()


@pytest.mark.parametrize(
    "claims",
    [
        {"oid": "ffffffff-0000-4000-8000-000000000000"},  # another identity of the same tenant
        {"oid": None},
        {"aud": "api://" + API},  # a v1-style audience: the registration asks for v2 tokens
        {"aud": "00000003-0000-0000-c000-000000000000"},  # a token for Microsoft Graph
        {"tid": "00000000-0000-4000-8000-00000000ffff"},  # tid is not the issuer's tenant
        {"exp": 1},
    ],
)
async def test_other_tokens_are_refused(issuer: LocalIssuer, claims: dict[str, Any]) -> None:
    auth = auth_for(issuer)
    assert not await auth.verify(request(identity_token(issuer, **claims)))
    await auth.aclose()


async def test_another_tenants_issuer_and_other_schemes_are_refused(issuer: LocalIssuer) -> None:
    auth = auth_for(issuer)
    other_tenant = identity_token(issuer, iss=issuer.issuer_for("00000000-0000-4000-8000-00000000ffff/v2.0"))
    assert not await auth.verify(request(other_tenant))
    assert not await auth.verify(request(identity_token(issuer), scheme="Basic"))
    assert not await auth.verify(request(None))
    await auth.aclose()


def test_the_default_issuer_is_the_tenants_v2_issuer() -> None:
    assert entra_issuer(TENANT) == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    with pytest.raises(ValueError):
        EntraServiceAuth.for_tenant(tenant_id=None, audience=API, allowed_oids=[MCP_OID])
