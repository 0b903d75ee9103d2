"""Opaque paging cursors, bound to one caller and one query.

A cursor wraps the backend's own position token in an HMAC-signed envelope
(stdlib ``hmac``; no crypto is written here) that also names the tool, the
caller and a fingerprint of the query. A forged, edited or foreign cursor
(another caller's, or one from another query) is a ``validation`` error
instead of a silent jump into someone else's result set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from core.errors import ValidationFailed

_BAD = "The cursor is invalid for this call: pass back the next_cursor of the previous page, with the same arguments."


def fingerprint(parts: dict[str, Any]) -> str:
    """A short, stable digest of the arguments that define a result set."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("cursor secret must be at least 16 bytes")
        self._secret = secret

    def _mac(self, payload: bytes) -> str:
        digest = hmac.new(self._secret, payload, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def encode(self, *, tool: str, principal: str, query: str, position: str) -> str:
        payload = json.dumps([tool, principal, query, position], separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        return f"{body}.{self._mac(payload)}"

    def decode(self, cursor: str, *, tool: str, principal: str, query: str) -> str:
        """Return the backend position token, or raise ``ValidationFailed('cursor')``."""
        body, _, mac = cursor.partition(".")
        try:
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, TypeError):
            raise ValidationFailed("cursor", _BAD) from None
        if not mac or not hmac.compare_digest(mac, self._mac(payload)):
            raise ValidationFailed("cursor", _BAD)
        try:
            c_tool, c_principal, c_query, position = json.loads(payload)
        except (ValueError, TypeError):
            raise ValidationFailed("cursor", _BAD) from None
        if (c_tool, c_principal, c_query) != (tool, principal, query) or not isinstance(position, str):
            raise ValidationFailed("cursor", _BAD)
        return position
