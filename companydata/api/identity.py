"""Who is calling the company API: a verified service, acting for an end user.

Two layers. The *service* (the MCP server) is verified per request by a ``ServiceAuth``
before any resolver runs; a request that fails gets HTTP 401. Only then is the *end user's*
principal, the opaque ``X-Company-Principal`` header the MCP server sets, trusted; it scopes
collections and email-discovery requests (a missing one is FORBIDDEN for those operations).

Implementations:

- ``SharedSecretAuth``: the default, locally too. The caller signs each request with
  HMAC-SHA256 over method, host, path, timestamp, nonce, principal and body digest (see
  ``signature``). Refused: a timestamp more than ``MAX_SKEW_S`` (30 s) off, a nonce already
  seen in that window, any change to what was signed. ``company-mcp api`` and the graphql
  adapter take the secret from the same data dir (``service_key``), so they agree unasked.
- ``TrustPlatformAuth``: the platform in front already verified the caller and lets nothing
  else through: AppSync with IAM authorization (only roles allowed ``appsync:GraphQL`` reach
  the resolver), Cloud Run with IAM invoker checks (``--no-allow-unauthenticated``), Azure
  Functions / Container Apps with Easy Auth set to reject unauthenticated requests. Use it only
  there: on an open port it trusts anyone. ``required_header`` adds a cheap check that the
  platform's identity header is present (Easy Auth sets ``X-MS-CLIENT-PRINCIPAL-ID``).

There is no "trust loopback" mode any more: any local process (or a web page reaching
127.0.0.1 by DNS rebinding) could act as any user. ``gate.ServiceGate`` can admit unsigned
loopback requests for reads of the public company data only, when explicitly asked.
"""

from __future__ import annotations

import hmac
import logging
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

from companydata.api.errors import ApiError
from companydata.api.replay import NonceCache
from core.service_signature import (
    MAX_SKEW_S,
    MIN_SECRET_BYTES,
    NONCE_HEADER,
    PRINCIPAL_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignedParts,
    signature,
    well_formed,
)

__all__ = [
    "PRINCIPAL_HEADER",
    "ServiceAuth",
    "ServiceRequest",
    "SharedSecretAuth",
    "TrustPlatformAuth",
    "owner_from",
]

MAX_PRINCIPAL_CHARS = 512
log = logging.getLogger("companydata.api.identity")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceRequest:
    """What a ``ServiceAuth`` may look at: the peer address, the request line, the headers (case-insensitive)
    and the raw body."""

    client_host: str | None
    method: str
    target: str  # raw path and query string
    headers: Mapping[str, str]
    body: bytes


class ServiceAuth(Protocol):
    async def verify(self, request: ServiceRequest) -> bool:
        """True when the request comes from a verified service; False answers HTTP 401."""
        ...


class TrustPlatformAuth:
    """The platform in front (AppSync IAM, Cloud Run IAM, Azure Easy Auth) already verified the caller."""

    def __init__(self, required_header: str | None = None) -> None:
        self._required = required_header.lower() if required_header else None

    async def verify(self, request: ServiceRequest) -> bool:
        return self._required is None or bool(request.headers.get(self._required))


class SharedSecretAuth:
    """The request's HMAC (see ``signature``) with a shared secret, a fresh timestamp and a nonce never seen."""

    def __init__(
        self,
        secret: bytes,
        *,
        max_skew_s: int = MAX_SKEW_S,
        clock: Callable[[], float] = time.time,
        nonces: NonceCache | None = None,
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the shared secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._max_skew_s = max_skew_s
        self._clock = clock
        self._nonces = nonces or NonceCache()

    async def verify(self, request: ServiceRequest) -> bool:
        stamp = request.headers.get(TIMESTAMP_HEADER, "")
        nonce = request.headers.get(NONCE_HEADER, "")
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not well_formed(stamp, nonce):
            return False
        now = self._clock()
        if abs(now - int(stamp)) > self._max_skew_s:
            return False
        parts = SignedParts(
            method=request.method,
            host=request.headers.get("host", ""),
            target=request.target,
            principal=request.headers.get(PRINCIPAL_HEADER, ""),
            body=request.body,
        )
        if not hmac_equal(given, signature(self._secret, parts, stamp, nonce)):
            return False
        # Recorded only once the MAC holds, so nobody without the secret can fill the cache.
        if not self._nonces.remember(nonce, now=now, expires_at=int(stamp) + self._max_skew_s):
            if self._nonces.full:
                log.warning("company-api refused a signed request: the nonce cache is full")
            return False
        return True


def hmac_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("latin-1", "replace"), expected.encode())


def owner_from(principal: str | None) -> str:
    """The end user an owner-scoped operation acts for (the store's ``owner``), or FORBIDDEN.

    The header is opaque to the API except for its transport form: printable ASCII, at most 512
    characters, with anything else percent-encoded as UTF-8 (as ``adapters.graphql`` sends it).
    It is decoded here, so an owner is the same string whichever adapter wrote to the store.
    """
    if not principal:
        raise ApiError(
            "FORBIDDEN",
            "This operation acts for an end user: the calling service must send the X-Company-Principal header.",
        )
    invalid = ApiError(
        "FORBIDDEN",
        f"The X-Company-Principal header must be printable ASCII of at most {MAX_PRINCIPAL_CHARS} characters "
        "(percent-encode anything else as UTF-8).",
    )
    if len(principal) > MAX_PRINCIPAL_CHARS or not all(" " <= ch <= "~" for ch in principal):
        raise invalid
    try:
        owner = unquote(principal, errors="strict")
    except UnicodeDecodeError:
        raise invalid from None
    if not owner.strip() or any(unicodedata.category(ch) == "Cc" for ch in owner):
        raise invalid
    return owner
