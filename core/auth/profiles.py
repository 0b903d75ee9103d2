"""How each identity provider's tokens prove they are for this server, and what they grant.

The verifier checks what every profile shares (signature, issuer, ``exp``/``nbf``/``iat``,
``sub``); a profile then decides the rest from the verified claims:

- ``generic``: ``aud`` (string or list) must name one of our audiences. Scopes come from
  ``scope`` (space separated) and ``scp`` (string or list).
- ``cognito``: access tokens carry ``client_id`` and no ``aud``, so ``token_use`` must be
  ``"access"`` and ``client_id`` must be in the allow-list. Scopes look like
  ``<resource-server-id>/companies:read``: the configured prefix is stripped and scopes
  without it are dropped.
- ``entra``: ``aud`` must be one of our audiences (app ID URI or client id). Scopes come from
  ``scp`` (delegated, space separated) and ``roles`` (application, a list); each value may be
  spelled ``companies:read`` or ``companies.read`` (Entra app roles and scope names
  conventionally use dots); anything else is dropped. ``tid`` is required and must be the tenant
  in the v2 issuer, so issuer + ``sub`` is unique per tenant.
- ``google``: Google ID tokens (issuer ``https://accounts.google.com``, also spelled
  ``accounts.google.com``) or Identity Platform tokens (``https://securetoken.google.com/<project>``,
  whose ``aud`` is the project id, accepted automatically). ID tokens carry no scopes, so scopes
  come from a claim map (see ``parse_claim_scopes``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from core.errors import ConfigError
from core.model import ALL_SCOPES

ProfileName = Literal["generic", "cognito", "entra", "google"]
PROFILES: tuple[ProfileName, ...] = ("generic", "cognito", "entra", "google")

GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
IDENTITY_PLATFORM_PREFIX = "https://securetoken.google.com/"


class TokenRejected(Exception):
    """A verified token does not grant access here; ``reason`` is short and safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Grant:
    """What a token grants, once its profile accepted it."""

    client_id: str
    scopes: tuple[str, ...]
    # The principal's issuer: the token's ``iss``, made unique per tenant where tenants share one issuer.
    principal_issuer: str
    resource: str | None = None  # the audience that matched, if the profile checks one
    claims: Mapping[str, Any] = field(default_factory=dict)  # non-secret extras (tid, hd, ...)


class Profile(Protocol):
    @property
    def issuers(self) -> frozenset[str]:
        """The exact ``iss`` values accepted."""
        ...

    def grant(self, claims: Mapping[str, Any]) -> Grant:
        """Raises ``TokenRejected``. ``claims`` are verified and have a string ``iss`` and ``sub``."""
        ...


def token_scopes(claims: Mapping[str, Any]) -> list[str]:
    """Scopes from ``scope`` (space separated) and ``scp`` (a string or a list of strings)."""
    scopes: list[str] = []
    for name in ("scope", "scp"):
        value = claims.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            scopes.extend(value.split())
        elif name == "scp" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            scopes.extend(value)
        else:
            raise TokenRejected(f"malformed {name} claim")
    return list(dict.fromkeys(scopes))


def match_audience(claims: Mapping[str, Any], audiences: frozenset[str]) -> str:
    """The first of the token's audiences that is ours; raises when there is none."""
    aud = claims.get("aud")
    if aud is None:
        raise TokenRejected("no audience")
    values = [aud] if isinstance(aud, str) else aud
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TokenRejected("malformed audience")
    for value in values:
        if value in audiences:
            return value
    raise TokenRejected("wrong audience")


def _first_str(claims: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None


@dataclass(frozen=True, slots=True)
class GenericProfile:
    issuer: str
    audiences: frozenset[str]

    @property
    def issuers(self) -> frozenset[str]:
        return frozenset({self.issuer})

    def grant(self, claims: Mapping[str, Any]) -> Grant:
        resource = match_audience(claims, self.audiences)
        client_id = _first_str(claims, "client_id", "azp", "cid") or claims["sub"]
        return Grant(client_id, tuple(token_scopes(claims)), claims["iss"], resource)


@dataclass(frozen=True, slots=True)
class CognitoProfile:
    issuer: str
    client_ids: frozenset[str]
    scope_prefix: str | None = None  # e.g. "https://api.example/" (a missing final "/" is added)

    @property
    def issuers(self) -> frozenset[str]:
        return frozenset({self.issuer})

    def grant(self, claims: Mapping[str, Any]) -> Grant:
        if claims.get("token_use") != "access":
            raise TokenRejected("not an access token")
        client_id = claims.get("client_id")
        if not isinstance(client_id, str) or client_id not in self.client_ids:
            raise TokenRejected("client_id not allowed")
        scopes = token_scopes(claims)
        if self.scope_prefix is not None:
            prefix = self.scope_prefix if self.scope_prefix.endswith("/") else self.scope_prefix + "/"
            scopes = [s.removeprefix(prefix) for s in scopes if s.startswith(prefix) and len(s) > len(prefix)]
        return Grant(client_id, tuple(scopes), claims["iss"])


def _entra_scope(value: str) -> str | None:
    if value in ALL_SCOPES:
        return value
    colon = value.replace(".", ":", 1)
    return colon if colon in ALL_SCOPES else None


@dataclass(frozen=True, slots=True)
class EntraProfile:
    issuer: str  # https://login.microsoftonline.com/<tenant>/v2.0
    audiences: frozenset[str]

    @property
    def issuers(self) -> frozenset[str]:
        return frozenset({self.issuer})

    def grant(self, claims: Mapping[str, Any]) -> Grant:
        resource = match_audience(claims, self.audiences)
        tid = claims.get("tid")
        if not isinstance(tid, str) or not tid:
            raise TokenRejected("no tid")
        if f"/{tid}/" not in claims["iss"] + "/":
            raise TokenRejected("tid is not the issuer's tenant")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise TokenRejected("malformed roles claim")
        mapped = (_entra_scope(v) for v in [*token_scopes(claims), *roles])
        scopes = tuple(dict.fromkeys(s for s in mapped if s is not None))
        client_id = _first_str(claims, "azp", "appid") or claims["sub"]
        extras = {"tid": tid}
        oid = _first_str(claims, "oid")
        if oid is not None:  # the caller's object id: what an API allow-lists (companydata.api.entra_auth)
            extras["oid"] = oid
        return Grant(client_id, scopes, claims["iss"], resource, extras)


@dataclass(frozen=True, slots=True)
class ClaimRule:
    """``claim=value`` grants ``scopes``: the claim equals the value, or is a list that contains it."""

    claim: str
    value: str
    scopes: tuple[str, ...]

    def matches(self, claims: Mapping[str, Any]) -> bool:
        # An unverified email address proves nothing about who holds the account.
        if self.claim == "email" and claims.get("email_verified") is not True:
            return False
        actual = claims.get(self.claim)
        values = actual if isinstance(actual, list) else [actual]
        return any(_claim_text(v) == self.value for v in values)


def _claim_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    return None


def parse_claim_scopes(spec: str | Mapping[str, Sequence[str]]) -> tuple[ClaimRule, ...]:
    """Parse the google profile's claim map: a mapping (or its JSON text) ``{"claim=value": [scopes]}``.

    Example: ``{"hd=example.com": ["companies:read"], "email=ops@example.com": ["companies:read",
    "companies:write"], "groups=admins": ["companies:write"]}``. A token gets the union of the scopes
    of every rule it matches. Values compare as text (``true``/``false`` for booleans); a list claim
    matches when it contains the value; ``email`` rules need ``email_verified: true``.
    """
    if isinstance(spec, str):
        try:
            spec = json.loads(spec) if spec.strip() else {}
        except ValueError as exc:
            raise ConfigError(f"the claim scope map is not valid JSON: {exc}") from None
    if not isinstance(spec, Mapping):
        raise ConfigError('the claim scope map must be an object like {"hd=example.com": ["companies:read"]}')
    rules: list[ClaimRule] = []
    for key, scopes in spec.items():
        claim, sep, value = str(key).partition("=")
        if not sep or not claim.strip() or not value.strip():
            raise ConfigError(f"bad claim scope rule {key!r}: expected CLAIM=VALUE")
        if isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes):
            raise ConfigError(f"bad claim scope rule {key!r}: the scopes must be a list of strings")
        rules.append(ClaimRule(claim.strip(), value.strip(), tuple(scopes)))
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class GoogleProfile:
    issuer: str
    audiences: frozenset[str]
    rules: tuple[ClaimRule, ...] = ()

    @property
    def issuers(self) -> frozenset[str]:
        return GOOGLE_ISSUERS if self.issuer in GOOGLE_ISSUERS else frozenset({self.issuer})

    @property
    def project(self) -> str | None:
        return self.issuer.removeprefix(IDENTITY_PLATFORM_PREFIX) if self.is_identity_platform else None

    @property
    def is_identity_platform(self) -> bool:
        return self.issuer.startswith(IDENTITY_PLATFORM_PREFIX)

    def grant(self, claims: Mapping[str, Any]) -> Grant:
        # Identity Platform tokens are always for the project itself.
        audiences = self.audiences if self.project is None else self.audiences | {self.project}
        resource = match_audience(claims, audiences)
        scopes = tuple(dict.fromkeys(s for rule in self.rules if rule.matches(claims) for s in rule.scopes))
        client_id = _first_str(claims, "azp") or resource
        # One Google account, two spellings of its issuer: one principal.
        issuer = "https://accounts.google.com" if claims["iss"] in GOOGLE_ISSUERS else claims["iss"]
        extras: dict[str, Any] = {}
        if isinstance(claims.get("hd"), str):
            extras["hd"] = claims["hd"]
        firebase = claims.get("firebase")
        tenant = firebase.get("tenant") if isinstance(firebase, dict) else None
        if isinstance(tenant, str) and tenant:
            # Identity Platform tenants share one issuer; a fragment never appears in a real issuer URL.
            issuer = f"{issuer}#tenant={tenant}"
            extras["tenant"] = tenant
        return Grant(client_id, scopes, issuer, resource, extras)


def build_profile(
    name: ProfileName,
    *,
    issuer: str,
    audiences: Iterable[str],
    client_ids: Iterable[str] = (),
    scope_prefix: str | None = None,
    claim_scopes: str | Mapping[str, Sequence[str]] | None = None,
) -> Profile:
    audience_set = frozenset(audiences)
    if name == "generic":
        if not audience_set:
            raise ConfigError("the generic OIDC profile needs an audience (or the resource URL)")
        return GenericProfile(issuer, audience_set)
    if name == "cognito":
        if not client_ids:
            raise ConfigError("the cognito OIDC profile needs the allowed app client ids")
        return CognitoProfile(issuer, frozenset(client_ids), scope_prefix)
    if name == "entra":
        if not audience_set:
            raise ConfigError("the entra OIDC profile needs an audience (app ID URI or client id)")
        return EntraProfile(issuer, audience_set)
    if name == "google":
        profile = GoogleProfile(issuer, audience_set, parse_claim_scopes(claim_scopes or {}))
        if not audience_set and not profile.is_identity_platform:
            raise ConfigError("the google OIDC profile needs an audience (service URL or client id)")
        return profile
    raise ConfigError(f"unknown OIDC profile {name!r}: expected one of {', '.join(PROFILES)}")
