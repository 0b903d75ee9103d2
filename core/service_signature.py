"""The company API's shared-secret request signature (HMAC-SHA256), used by both ends.

The caller (``adapters.graphql.shared_secret.SharedSecretSigner``) adds four headers; the API
(``identity.SharedSecretAuth``) recomputes the MAC over what it received. The MAC covers:

    company-api-v2 \\n METHOD \\n host \\n path?query \\n timestamp \\n nonce \\n principal \\n sha256(body)

so a captured signature is good for one request only: not another method, path or deployment
(the ``Host`` the API sees, which it also checks against its allowed hosts), not another end
user (the principal header), not another body, not after ``MAX_SKEW_S`` and, with the nonce
remembered by the API, not twice. Stdlib only: the AppSync Lambda bundle never loads it, but
the graphql adapter does, and it must stay free of the API server's dependencies.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

PRINCIPAL_HEADER = "x-company-principal"
TIMESTAMP_HEADER = "x-company-timestamp"
NONCE_HEADER = "x-company-nonce"
SIGNATURE_HEADER = "x-company-signature"
SIGNED_HEADERS = (TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
MIN_SECRET_BYTES = 32
# Short, because a signature may be replayed to another API process sharing the secret within the window
# (each process remembers only its own nonces); long enough for clocks kept by NTP.
MAX_SKEW_S = 30
_VERSION = b"company-api-v2"
_PREFIX = "v2="
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


@dataclass(frozen=True, slots=True)
class SignedParts:
    """What a signature covers, as the API received it (or the caller will send it)."""

    method: str
    host: str  # the Host header: host[:port], as sent
    target: str  # the raw path and query string, e.g. "/graphql" or "/graphql?x=1"
    principal: str  # the X-Company-Principal header, "" when absent
    body: bytes


def sign_headers(
    secret: bytes, parts: SignedParts, *, timestamp: int | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The timestamp, nonce and signature headers for one request (fresh nonce unless given)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = secrets.token_urlsafe(18) if nonce is None else nonce
    return {TIMESTAMP_HEADER: stamp, NONCE_HEADER: nonce, SIGNATURE_HEADER: signature(secret, parts, stamp, nonce)}


def sign_request(
    secret: bytes,
    *,
    method: str,
    url: str,
    body: bytes,
    principal: str | None,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers for a request to ``url`` (the principal header included when given), as httpx would send it."""
    split = urlsplit(url)
    target = (split.path or "/") + (f"?{split.query}" if split.query else "")
    parts = SignedParts(method.upper(), split.netloc, target, principal or "", body)
    headers = sign_headers(secret, parts, timestamp=timestamp, nonce=nonce)
    if principal is not None:
        headers[PRINCIPAL_HEADER] = principal
    return headers


def signature(secret: bytes, parts: SignedParts, stamp: str, nonce: str) -> str:
    fields = (parts.method.upper(), parts.host.lower(), parts.target, stamp, nonce, parts.principal)
    message = b"\n".join([_VERSION, *(f.encode("latin-1", "replace") for f in fields)])
    message += b"\n" + hashlib.sha256(parts.body).hexdigest().encode()
    return _PREFIX + hmac.new(secret, message, hashlib.sha256).hexdigest()


def well_formed(stamp: str, nonce: str) -> bool:
    return stamp.isascii() and stamp.isdigit() and len(stamp) <= 12 and _NONCE.match(nonce) is not None
