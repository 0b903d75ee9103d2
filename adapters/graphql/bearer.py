"""``CachedBearerToken``: one service token, fetched when needed and reused until shortly before it expires.

Shared by the token-based signers (Google ID tokens, Entra access tokens); each
supplies ``fetch``, which does its cloud's work off the event loop. One fetch
at a time: callers arriving during a refresh wait for it instead of stampeding
the token endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

# Refresh this long before expiry (or at half the token's lifetime, if that is sooner), so a token never
# expires between signing and the API checking it.
DEFAULT_MARGIN_S = 300.0


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    expires_at: float  # Unix time, seconds


class CachedBearerToken:
    def __init__(
        self,
        fetch: Callable[[], Awaitable[Token]],
        *,
        margin_s: float = DEFAULT_MARGIN_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._margin_s = margin_s
        self._clock = clock
        self._token: Token | None = None
        self._refresh_at = 0.0
        self._lock = anyio.Lock()

    async def get(self) -> str:
        token = self._token
        if token is not None and self._clock() < self._refresh_at:
            return token.value
        async with self._lock:
            token = self._token
            if token is None or self._clock() >= self._refresh_at:
                now = self._clock()
                token = await self._fetch()
                lifetime = max(0.0, token.expires_at - now)
                self._token, self._refresh_at = token, token.expires_at - min(self._margin_s, lifetime / 2)
            return token.value
