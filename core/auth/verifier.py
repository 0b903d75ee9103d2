"""The OAuth 2.1 resource server's token check: a JWT access token in, an ``AccessToken`` or ``None`` out.

``OidcVerifier`` has the SDK's ``TokenVerifier`` shape. Every failure answers ``None``
(the SDK then sends 401) and is logged as a short reason plus at most the first
8 hex digits of the token's SHA-256; a token or signature is never logged.

Order of checks, cheapest first: size (16 KB), cache, header (``alg`` allowed, ``kid``
present), key from the issuer's JWKS only, signature (PyJWT), then issuer, ``sub``,
``exp``/``nbf``/``iat`` against the injectable clock with the configured leeway, and
last the profile (audience or its equivalent, scopes, principal). A token whose lifetime
(``exp`` minus ``iat``, or minus now without ``iat``) exceeds ``max_lifetime_s`` is refused.
Verified tokens are cached by hash until ``exp`` so that signature checks stay off the hot
path; a cached token is served only while its signing key is still in the issuer's key set
(a JWKS refresh that drops the ``kid`` ends the entry).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt.exceptions import InvalidKeyError, InvalidSignatureError, PyJWTError
from jwt.types import Options
from mcp.server.auth.provider import AccessToken

from core.auth.jwks import ASYMMETRIC_ALGORITHMS, Clock, HttpClient, KeySource, RemoteJwks
from core.auth.profiles import PROFILES, Profile, ProfileName, TokenRejected, build_profile
from core.errors import ConfigError

log = logging.getLogger("company_mcp.auth")

MAX_TOKEN_BYTES = 16 * 1024
MAX_LEEWAY_S = 60.0

# Signature only: PyJWT's own claim checks read the wall clock, ours read the injected one.
_DECODE_OPTIONS: Options = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
    "enforce_minimum_key_length": True,  # an RSA key under 2048 bits is refused, not just warned about
}


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """How to verify tokens from one issuer. Invalid values raise ``ConfigError`` at construction.

    ``audiences`` defaults to ``(resource_url,)``. When ``resource_url`` is set it is also reported as
    ``AccessToken.resource`` for every accepted token, since the profile's check (audience, or
    Cognito's client allow-list) is what binds a token to this server.
    ``claim_scopes`` is the google profile's claim map (see ``profiles.parse_claim_scopes``).
    """

    issuer: str
    audiences: tuple[str, ...] = ()
    resource_url: str | None = None
    jwks_url: str | None = None
    profile: ProfileName = "generic"
    leeway_s: float = 60.0
    algorithms: tuple[str, ...] = ("RS256", "PS256", "ES256")
    client_ids: tuple[str, ...] = ()  # cognito: the app clients allowed to call us
    scope_prefix: str | None = None  # cognito: the resource server identifier, e.g. "https://api.example/"
    claim_scopes: Mapping[str, Sequence[str]] = field(default_factory=dict)  # google
    token_cache_size: int = 10_000
    max_lifetime_s: float | None = 86_400.0  # a token valid for longer than this is refused (None: no ceiling)
    http_timeout_s: float = 5.0
    jwks_refresh_interval_s: float = 30.0  # at most one JWKS fetch per interval (unknown kids included)
    jwks_refresh_after_s: float = 300.0
    jwks_max_age_s: float = 3600.0
    allow_insecure_http: bool = False  # plain http to a non-loopback issuer (never in production)

    def __post_init__(self) -> None:
        if not self.issuer:
            raise ConfigError("the OIDC issuer is required")
        if self.profile not in PROFILES:
            raise ConfigError(f"unknown OIDC profile {self.profile!r}: expected one of {', '.join(PROFILES)}")
        if not 0 <= self.leeway_s <= MAX_LEEWAY_S:
            raise ConfigError(f"the clock leeway must be between 0 and {MAX_LEEWAY_S:g} seconds, not {self.leeway_s}")
        unsafe = [alg for alg in self.algorithms if alg not in ASYMMETRIC_ALGORITHMS]
        if unsafe or not self.algorithms:
            raise ConfigError(
                f"token algorithms must be asymmetric ({', '.join(sorted(ASYMMETRIC_ALGORITHMS))}), not {unsafe}"
            )
        if self.token_cache_size < 0 or self.http_timeout_s <= 0 or self.jwks_refresh_interval_s < 0:
            raise ConfigError("the token cache size, HTTP timeout and JWKS refresh interval cannot be negative")

    @property
    def effective_audiences(self) -> tuple[str, ...]:
        if self.audiences:
            return self.audiences
        return (self.resource_url,) if self.resource_url else ()


@dataclass(frozen=True, slots=True)
class _Cached:
    token: AccessToken
    kid: str  # the signing key: the entry lives only while the issuer still publishes it
    alg: str


class _TokenCache:
    """Verified tokens by SHA-256, least recently used out first; an entry dies at ``exp`` (+ leeway)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, _Cached] = OrderedDict()

    def get(self, digest: bytes, now: float, leeway_s: float) -> _Cached | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        expires_at = entry.token.expires_at
        if expires_at is None or now >= expires_at + leeway_s:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return entry

    def drop(self, digest: bytes) -> None:
        self._entries.pop(digest, None)

    def put(self, digest: bytes, entry: _Cached) -> None:
        if self._size <= 0:
            return
        self._entries[digest] = entry
        self._entries.move_to_end(digest)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def _numeric_claim(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(f"malformed {name}")
    return float(value)


class OidcVerifier:
    """Verifies JWT access tokens from one OIDC issuer (the SDK ``TokenVerifier`` protocol).

    The constructor does no I/O. ``keys`` replaces the issuer's JWKS over HTTP (e.g. ``StaticJwks``
    for the in-process dev issuer); ``http`` is an ``httpx.AsyncClient`` (owned by the caller) or a
    factory for one (owned here, closed by ``aclose``); ``clock`` returns Unix time in seconds.
    """

    def __init__(
        self,
        config: OidcConfig,
        *,
        keys: KeySource | None = None,
        http: HttpClient | None = None,
        clock: Clock = time.time,
    ) -> None:
        self._config = config
        self._clock = clock
        self._profile: Profile = build_profile(
            config.profile,
            issuer=config.issuer,
            audiences=config.effective_audiences,
            client_ids=config.client_ids,
            scope_prefix=config.scope_prefix,
            claim_scopes=config.claim_scopes,
        )
        if keys is None:
            keys = RemoteJwks(
                issuer=config.issuer,
                accepted_issuers=self._profile.issuers,
                jwks_url=config.jwks_url,
                algorithms=config.algorithms,
                http=http,
                clock=clock,
                timeout_s=config.http_timeout_s,
                refresh_interval_s=config.jwks_refresh_interval_s,
                refresh_after_s=config.jwks_refresh_after_s,
                max_age_s=config.jwks_max_age_s,
                allow_insecure_http=config.allow_insecure_http,
            )
        self._keys: KeySource = keys
        self._cache = _TokenCache(config.token_cache_size)

    @property
    def config(self) -> OidcConfig:
        return self._config

    async def verify_token(self, token: str) -> AccessToken | None:
        if len(token) > MAX_TOKEN_BYTES:  # before hashing or parsing anything
            log.info("token rejected: larger than %d bytes", MAX_TOKEN_BYTES)
            return None
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = self._clock()
        cached = self._cache.get(digest, now, self._config.leeway_s)
        if cached is not None:
            # The same lookup a fresh token makes (no fetch unless the key set is due for one): a key the issuer
            # no longer publishes ends the entry, and the token is verified afresh (and refused).
            if await self._keys.key_for(cached.kid, cached.alg) is not None:
                return cached.token
            self._cache.drop(digest)
        try:
            access, kid, alg = await self._verify(token, now)
        except TokenRejected as exc:
            log.info("token rejected: %s (sha256 %s)", exc.reason, digest.hex()[:8])
            return None
        except Exception as exc:  # fail closed on anything unforeseen, without its text (it may quote the token)
            log.warning("token rejected: unexpected %s (sha256 %s)", type(exc).__name__, digest.hex()[:8])
            return None
        self._cache.put(digest, _Cached(access, kid, alg))
        return access

    async def aclose(self) -> None:
        """Close the key source (and the HTTP client it made; an injected client stays open)."""
        await self._keys.aclose()

    async def _verify(self, token: str, now: float) -> tuple[AccessToken, str, str]:
        claims, kid, alg = await self._verified_claims(token)
        issuer = claims.get("iss")
        if not isinstance(issuer, str) or issuer not in self._profile.issuers:
            raise TokenRejected("wrong issuer")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise TokenRejected("no sub")
        leeway = self._config.leeway_s
        exp = _numeric_claim(claims, "exp")
        if exp is None:
            raise TokenRejected("no exp")
        if now >= exp + leeway:
            raise TokenRejected("expired")
        nbf = _numeric_claim(claims, "nbf")
        if nbf is not None and nbf > now + leeway:
            raise TokenRejected("not valid yet (nbf)")
        iat = _numeric_claim(claims, "iat")
        if iat is not None and iat > now + leeway:
            raise TokenRejected("issued in the future (iat)")
        ceiling = self._config.max_lifetime_s
        if ceiling is not None and exp - (iat if iat is not None else now) > ceiling + leeway:
            raise TokenRejected("lifetime over the maximum")
        grant = self._profile.grant(claims)
        access = AccessToken(
            token=token,
            client_id=grant.client_id,
            scopes=list(grant.scopes),
            expires_at=int(exp),
            resource=self._config.resource_url or grant.resource,
            subject=subject,
            claims={**grant.claims, "iss": grant.principal_issuer},
        )
        return access, kid, alg

    async def _verified_claims(self, token: str) -> tuple[dict[str, Any], str, str]:
        try:
            header = jwt.get_unverified_header(token)
        except PyJWTError:
            raise TokenRejected("malformed") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._config.algorithms:
            raise TokenRejected("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("no kid")
        # jku, x5u, jwk and x5c in the header are never read: keys come from the issuer's JWKS only.
        key = await self._keys.key_for(kid, alg)
        if key is None:
            raise TokenRejected("no key for this kid and alg (or keys unavailable)")
        try:
            return jwt.decode(token, key=key, algorithms=[alg], options=_DECODE_OPTIONS), kid, alg
        except InvalidSignatureError:
            raise TokenRejected("bad signature") from None
        except InvalidKeyError:
            raise TokenRejected("unusable key") from None
        except PyJWTError:
            raise TokenRejected("malformed") from None
