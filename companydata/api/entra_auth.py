"""``EntraServiceAuth``: the company API on Azure verifies the calling service's Entra ID access token itself.

It does not rely on the platform's built-in authentication (Easy Auth on Flex Consumption has not
reliably refused unauthenticated callers). The token in ``Authorization: Bearer`` is checked by core's
verifier (``OidcVerifier`` with the ``entra`` profile: signature from the tenant's JWKS, the tenant's
v2 issuer, ``exp``/``nbf``, ``aud`` = the API registration's client id, ``tid`` = the issuer's
tenant); then its ``oid`` (the caller's object id: the MCP app's managed identity) must be in the
allow-list. Nothing else is trusted: an empty allow-list refuses every caller.
"""

from __future__ import annotations

from collections.abc import Iterable

from companydata.api.identity import ServiceRequest
from core.auth.verifier import OidcConfig, OidcVerifier

ENTRA_AUTHORITY = "https://login.microsoftonline.com"


def entra_issuer(tenant_id: str) -> str:
    return f"{ENTRA_AUTHORITY}/{tenant_id}/v2.0"


class EntraServiceAuth:
    def __init__(self, verifier: OidcVerifier, allowed_oids: Iterable[str]) -> None:
        self._verifier = verifier
        self._allowed = frozenset(oid.strip().lower() for oid in allowed_oids if oid.strip())

    @classmethod
    def for_tenant(
        cls, *, tenant_id: str | None, audience: str, allowed_oids: Iterable[str], issuer: str | None = None
    ) -> EntraServiceAuth:
        """``issuer`` overrides the tenant's v2 issuer (a local issuer in tests)."""
        if not (issuer or tenant_id):
            raise ValueError("Entra service auth needs the tenant id (or an issuer)")
        config = OidcConfig(issuer=issuer or entra_issuer(tenant_id or ""), audiences=(audience,), profile="entra")
        return cls(OidcVerifier(config), allowed_oids)

    async def verify(self, request: ServiceRequest) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        access = await self._verifier.verify_token(token.strip())
        if access is None:
            return False
        oid = str((access.claims or {}).get("oid", "")).lower()
        return bool(oid) and oid in self._allowed

    async def aclose(self) -> None:
        await self._verifier.aclose()
