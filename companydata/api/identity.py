"""Who is calling the company API: a verified service, acting for an end user.

Two layers. The *service* (the MCP server) is verified per request by a ``ServiceAuth``
before any resolver runs; a request that fails gets HTTP 401. Only then is the *end user's*
principal, the opaque ``X-Company-Principal`` header the MCP server sets, trusted; it scopes
collections and email-discovery requests (a missing one is FORBIDDEN for those operations).

Implementations:

- ``AllowLoopback``: development. The caller must connect from a loopback address, so only
  processes on this machine reach the API. The default of ``company-mcp api`` on 127.0.0.1.
- ``SharedSecretAuth``: simple deployments. The caller signs each request with HMAC-SHA256
  over a timestamp, the principal header and the body (``sign_request`` builds the headers).
  A stale timestamp (default: more than 300 s off) is refused, which bounds replays; writes
  are idempotent, so a replay inside the window changes nothing.
- ``TrustPlatformAuth``: the platform in front already verified the caller and lets nothing
  else through: AppSync with IAM authorization (only roles allowed ``appsync:GraphQL`` reach
  the resolver), Cloud Run with IAM invoker checks (``--no-allow-unauthenticated``), Azure
  Functions / Container Apps with Easy Auth set to reject unauthenticated requests. Use it only
  there: on an open port it trusts anyone. ``required_header`` adds a cheap check that the
  platform's identity header is present (Easy Auth sets ``X-MS-CLIENT-PRINCIPAL-ID``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

from companydata.api.errors import ApiError

PRINCIPAL_HEADER = "x-company-principal"
TIMESTAMP_HEADER = "x-company-timestamp"
SIGNATURE_HEADER = "x-company-signature"
MAX_PRINCIPAL_CHARS = 512
MIN_SECRET_BYTES = 32
DEFAULT_MAX_SKEW_S = 300
_SIGNATURE_PREFIX = "v1="


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """What a ``ServiceAuth`` may look at: the peer address, the headers (case-insensitive) and the raw body."""

    client_host: str | None
    headers: Mapping[str, str]
    body: bytes


class ServiceAuth(Protocol):
    async def verify(self, request: ServiceRequest) -> bool:
        """True when the request comes from a verified service; False answers HTTP 401."""
        ...


class AllowLoopback:
    """Accept only callers on a loopback address (127.0.0.0/8, ::1)."""

    async def verify(self, request: ServiceRequest) -> bool:
        return is_loopback(request.client_host)


class TrustPlatformAuth:
    """The platform in front (AppSync IAM, Cloud Run IAM, Azure Easy Auth) already verified the caller."""

    def __init__(self, required_header: str | None = None) -> None:
        self._required = required_header.lower() if required_header else None

    async def verify(self, request: ServiceRequest) -> bool:
        return self._required is None or bool(request.headers.get(self._required))


class SharedSecretAuth:
    """HMAC-SHA256 of timestamp, principal and body with a shared secret; see ``sign_request``."""

    def __init__(
        self, secret: bytes, *, max_skew_s: int = DEFAULT_MAX_SKEW_S, clock: Callable[[], float] = time.time
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the shared secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._max_skew_s = max_skew_s
        self._clock = clock

    async def verify(self, request: ServiceRequest) -> bool:
        stamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            return False
        if abs(self._clock() - int(stamp)) > self._max_skew_s:
            return False
        principal = request.headers.get(PRINCIPAL_HEADER, "")
        expected = _signature(self._secret, stamp, principal, request.body)
        return hmac.compare_digest(signature.encode(), expected.encode())


def sign_request(secret: bytes, body: bytes, *, principal: str | None, timestamp: int | None = None) -> dict[str, str]:
    """The headers a caller adds for ``SharedSecretAuth`` (the principal header included when given)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: _signature(secret, stamp, principal or "", body)}
    if principal is not None:
        headers[PRINCIPAL_HEADER] = principal
    return headers


def _signature(secret: bytes, stamp: str, principal: str, body: bytes) -> str:
    # The principal is signed too: otherwise a captured request could be replayed for another end user.
    message = b"company-api-v1\n" + stamp.encode() + b"\n" + principal.encode("latin-1", "replace") + b"\n" + body
    return _SIGNATURE_PREFIX + hmac.new(secret, message, hashlib.sha256).hexdigest()


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
