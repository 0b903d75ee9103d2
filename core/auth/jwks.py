"""The issuer's public keys: found through discovery, cached, and refetched rarely.

``RemoteJwks`` reads ``<issuer>/.well-known/openid-configuration`` for ``jwks_uri``
(unless a JWKS URL is configured), caches the key set, and fetches it again when
the keys grow old or a token names an unknown ``kid`` -- but at most once per
refresh interval, so a flood of made-up kids cannot turn us into a load
generator against the issuer. Any failure to get keys fails closed: the lookup
answers ``None`` and the token is rejected.

``StaticJwks`` serves a fixed key set (the dev issuer's, in process).

Keys come only from here: a token's own ``jku``, ``x5u``, ``jwk`` or ``x5c``
header is never read. Each key is bound to one algorithm before use (RFC 8725
section 3.1), and symmetric or private key material is never loaded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import anyio
import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from core.errors import ConfigError
from core.loopback import is_loopback

log = logging.getLogger("company_mcp.auth")

DISCOVERY_PATH = "/.well-known/openid-configuration"
# The algorithms a deployment may allow: asymmetric only, never "none" or HS*.
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_MAX_DOCUMENT_BYTES = 512 * 1024  # real key sets are a few KB; a huge one is an attack or a mistake

Clock = Callable[[], float]
HttpClient = httpx.AsyncClient | Callable[[], httpx.AsyncClient]


class KeySource(Protocol):
    """Where a verifier gets the public key for a token's ``kid`` and ``alg``."""

    async def key_for(self, kid: str, alg: str) -> PyJWK | None:
        """The key bound to ``alg``, or ``None`` when there is none (unknown kid, keys unavailable)."""
        ...

    async def aclose(self) -> None: ...


class JwksUnavailable(Exception):
    """The discovery document or key set could not be fetched or made no sense."""


def check_url(url: str, *, allow_insecure_http: bool = False) -> None:
    """Keys must come over HTTPS; plain HTTP only to loopback (tests, the dev issuer) unless allowed."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and (allow_insecure_http or is_loopback(parts.hostname)):
        return
    raise ConfigError(f"{url!r} is not an https URL (plain http is accepted for loopback addresses only)")


def _usable(jwk: Mapping[str, Any], alg: str) -> bool:
    """Whether this JWK may verify ``alg``: the key's declared ``alg`` wins, else its type and curve decide."""
    if jwk.get("kty") not in ("RSA", "EC") or "d" in jwk:  # never a symmetric (oct) or private key
        return False
    if jwk.get("use", "sig") != "sig":
        return False
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        return False
    declared = jwk.get("alg")
    if declared is not None and declared != alg:
        return False
    if jwk["kty"] == "RSA":
        return alg[:2] in ("RS", "PS")
    return _EC_CURVES.get(alg) == jwk.get("crv")


class KeySet:
    """The usable signing keys of one JWK Set document, indexed by ``(kid, alg)``."""

    def __init__(self, keys: Mapping[tuple[str, str], PyJWK]) -> None:
        self._keys = dict(keys)

    @classmethod
    def parse(cls, document: Any, algorithms: Iterable[str]) -> KeySet:
        """Keep the keys that can verify one of ``algorithms``; skip the rest (unknown types, bad material)."""
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise JwksUnavailable("not a JWK Set")
        allowed = [alg for alg in algorithms if alg in ASYMMETRIC_ALGORITHMS]
        keys: dict[tuple[str, str], PyJWK] = {}
        for jwk in document["keys"]:
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
                continue  # a key without a kid cannot be chosen safely
            for alg in allowed:
                if (jwk["kid"], alg) in keys or not _usable(jwk, alg):
                    continue
                try:
                    key = PyJWK(jwk, algorithm=alg)
                except PyJWTError:
                    continue
                if key.Algorithm.check_key_length(key.key) is None:  # e.g. RSA under 2048 bits is skipped
                    keys[(jwk["kid"], alg)] = key
        return cls(keys)

    def get(self, kid: str, alg: str) -> PyJWK | None:
        return self._keys.get((kid, alg))

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(kid for kid, _ in self._keys)


class StaticJwks:
    """A fixed key set: for an issuer that lives in this process (the dev issuer)."""

    def __init__(self, document: Mapping[str, Any], algorithms: Iterable[str] = ("RS256", "PS256", "ES256")) -> None:
        self._keys = KeySet.parse(dict(document), algorithms)

    async def key_for(self, kid: str, alg: str) -> PyJWK | None:
        return self._keys.get(kid, alg)

    async def aclose(self) -> None:
        return None


_FIRST_RETRY_S = 0.25


class RemoteJwks:
    """The issuer's key set over HTTP, cached, with rate-limited refreshes. The constructor does no I/O.

    - ``refresh_interval_s``: at least this long between two fetches, whatever triggers them
      (first use, an unknown kid, old keys), successful or not.
    - ``refresh_after_s``: keys older than this are refetched on next use (new keys show up).
    - ``max_age_s``: keys older than this are no longer used; while the issuer is down,
      tokens are rejected from then on (fail closed).
    """

    def __init__(
        self,
        *,
        issuer: str,
        accepted_issuers: Iterable[str] = (),
        jwks_url: str | None = None,
        algorithms: Iterable[str] = ("RS256", "PS256", "ES256"),
        http: HttpClient | None = None,
        clock: Clock,
        timeout_s: float = 5.0,
        refresh_interval_s: float = 30.0,
        refresh_after_s: float = 300.0,
        max_age_s: float = 3600.0,
        allow_insecure_http: bool = False,
    ) -> None:
        self._discovery_url = issuer.removesuffix("/") + DISCOVERY_PATH
        self._accepted_issuers = frozenset({issuer, *accepted_issuers})
        self._jwks_url = jwks_url
        check_url(jwks_url or self._discovery_url, allow_insecure_http=allow_insecure_http)
        self._algorithms = tuple(algorithms)
        self._http = http
        self._owned_client: httpx.AsyncClient | None = None
        self._clock = clock
        self._timeout_s = timeout_s
        self._refresh_interval_s = refresh_interval_s
        self._refresh_after_s = refresh_after_s
        self._max_age_s = max_age_s
        self._allow_insecure_http = allow_insecure_http
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self._failures = 0
        self._lock = anyio.Lock()

    async def key_for(self, kid: str, alg: str) -> PyJWK | None:
        now = self._clock()
        if self._wants_fetch(kid, now):
            if self._may_fetch(now):
                await self._refresh()
            elif self._lock.locked():
                async with self._lock:  # a fetch is under way: wait for its keys rather than refuse the token
                    pass
        keys = self._current(self._clock())
        return keys.get(kid, alg) if keys is not None else None

    async def aclose(self) -> None:
        if self._owned_client is not None:
            await self._owned_client.aclose()
            self._owned_client = None

    def _current(self, now: float) -> KeySet | None:
        if self._keys is None or now - self._fetched_at > self._max_age_s:
            return None
        return self._keys

    def _wants_fetch(self, kid: str, now: float) -> bool:
        keys = self._current(now)
        return keys is None or kid not in keys.kids or now - self._fetched_at > self._refresh_after_s

    def _may_fetch(self, now: float) -> bool:
        if self._last_attempt is None:
            return True
        interval = self._refresh_interval_s
        if self._current(now) is None:
            # Nothing to verify with: retry sooner, backing off, so a blip at start-up (the issuer, or in dev
            # mode this very server, not answering yet) does not refuse every token for the whole interval.
            interval = min(interval, _FIRST_RETRY_S * 2 ** max(0, self._failures - 1))
        return now - self._last_attempt >= interval

    async def _refresh(self) -> None:
        async with self._lock:
            # Whoever held the lock before us may have fetched already: the rate limit still holds.
            if not self._may_fetch(self._clock()):
                return
            self._last_attempt = self._clock()
            try:
                with anyio.fail_after(self._timeout_s * 2):  # also bounds a server that drips bytes
                    keys = await self._fetch()
            except (JwksUnavailable, httpx.HTTPError, ValueError, TimeoutError, ConfigError) as exc:
                log.warning("jwks fetch failed: %s", _describe(exc))
                self._failures += 1
                return
            self._failures = 0
            self._keys = keys
            self._fetched_at = self._clock()
            log.info("jwks fetched: %d usable keys", len(keys.kids))

    async def _fetch(self) -> KeySet:
        client = self._client()
        if self._jwks_url is None:
            discovery = await self._get_json(client, self._discovery_url)
            if not isinstance(discovery, dict) or discovery.get("issuer") not in self._accepted_issuers:
                raise JwksUnavailable("the discovery document names another issuer")
            jwks_uri = discovery.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise JwksUnavailable("the discovery document has no jwks_uri")
            check_url(jwks_uri, allow_insecure_http=self._allow_insecure_http)
            self._jwks_url = jwks_uri
        return KeySet.parse(await self._get_json(client, self._jwks_url), self._algorithms)

    async def _get_json(self, client: httpx.AsyncClient, url: str) -> Any:
        headers = {"Accept": "application/json"}
        async with client.stream("GET", url, headers=headers, timeout=self._timeout_s) as response:
            if response.status_code != 200:
                raise JwksUnavailable(f"{url} answered HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > _MAX_DOCUMENT_BYTES:
                    raise JwksUnavailable(f"{url} sent more than {_MAX_DOCUMENT_BYTES} bytes")
        return json.loads(body)

    def _client(self) -> httpx.AsyncClient:
        if isinstance(self._http, httpx.AsyncClient):
            return self._http
        if self._owned_client is None:
            # Created on first use, inside the event loop; redirects are not followed (keys come from one place).
            factory = self._http or (lambda: httpx.AsyncClient(timeout=self._timeout_s))
            self._owned_client = factory()
        return self._owned_client


def _describe(exc: Exception) -> str:
    if isinstance(exc, JwksUnavailable | ConfigError):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__
