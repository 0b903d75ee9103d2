"""Bearer-token verification for the OAuth 2.1 resource server (``COMPANY_MCP_AUTH=oidc`` and ``dev``)."""

from __future__ import annotations

from core.auth.jwks import ASYMMETRIC_ALGORITHMS, KeySet, KeySource, RemoteJwks, StaticJwks
from core.auth.profiles import PROFILES, ClaimRule, ProfileName, parse_claim_scopes
from core.auth.verifier import MAX_LEEWAY_S, MAX_TOKEN_BYTES, OidcConfig, OidcVerifier

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "MAX_LEEWAY_S",
    "MAX_TOKEN_BYTES",
    "PROFILES",
    "ClaimRule",
    "KeySet",
    "KeySource",
    "OidcConfig",
    "OidcVerifier",
    "ProfileName",
    "RemoteJwks",
    "StaticJwks",
    "parse_claim_scopes",
]
