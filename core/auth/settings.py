"""From Settings to the verifier's configuration, for every adapter (design.md section 4 names)."""

from __future__ import annotations

import json

from core.auth.profiles import parse_claim_scopes
from core.auth.verifier import OidcConfig
from core.config import Settings
from core.errors import ConfigError

# `company-mcp token --ttl` mints up to this; the dev verifier refuses longer-lived tokens (e.g. exp 1e30).
DEV_MAX_TOKEN_LIFETIME_S = 366 * 86_400.0


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _claim_map(text: str | None) -> dict[str, list[str]]:
    if not text:
        return {}
    try:
        mapping = json.loads(text)
    except ValueError:
        raise ConfigError(
            'COMPANY_MCP_OIDC_CLAIM_SCOPES must be JSON, e.g. {"hd=example.com": ["companies:read"]}'
        ) from None
    parse_claim_scopes(mapping)  # refuse a malformed map at start-up, not at the first token
    return mapping  # type: ignore[no-any-return]


def oidc_config(settings: Settings) -> OidcConfig:
    """``COMPANY_MCP_AUTH=oidc``: an external issuer, one of the four profiles."""
    return OidcConfig(
        issuer=settings.oidc_issuer or "",
        audiences=_split(settings.oidc_audience),
        resource_url=settings.public_url,
        jwks_url=settings.oidc_jwks_url,
        profile=settings.oidc_profile,
        leeway_s=settings.oidc_leeway_s,
        client_ids=_split(settings.oidc_client_ids),
        scope_prefix=settings.oidc_scope_prefix,
        claim_scopes=_claim_map(settings.oidc_claim_scopes),
        max_lifetime_s=settings.oidc_max_token_lifetime_s,
    )


def dev_oidc_config(settings: Settings) -> OidcConfig:
    """``COMPANY_MCP_AUTH=dev``: this server is its own issuer; verification takes the oidc path unchanged."""
    return OidcConfig(
        issuer=settings.public_origin,
        resource_url=settings.public_url,
        leeway_s=settings.oidc_leeway_s,
        max_lifetime_s=DEV_MAX_TOKEN_LIFETIME_S,  # dev tokens keep their --ttl, up to a year
    )
