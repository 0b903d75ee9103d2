"""``NonceCache``: the nonces of accepted signed requests, remembered until their signature expires.

Hand-written because the libraries at hand evict *live* entries when full (cachetools'
``TTLCache`` drops the least recently used), which would let an evicted nonce be replayed.
Here a full cache refuses new requests instead (fail closed) until entries expire. Only
requests whose MAC already verified are recorded, so only a holder of the secret can fill it.

One process's memory: another API process sharing the secret does not see these nonces,
so a request captured on the wire could be replayed to a *different* process until its
timestamp is ``MAX_SKEW_S`` old. That stays harmless because every write of the company
API is idempotent (the same create, add or discovery request leaves one effect), and
the captor already saw the read's answer. The reference server runs one process.
"""

from __future__ import annotations

import heapq


class NonceCache:
    def __init__(self, max_entries: int = 200_000) -> None:
        self._max_entries = max_entries
        self._expiry: dict[str, float] = {}
        self._queue: list[tuple[float, str]] = []  # (expires_at, nonce), a min-heap

    def __len__(self) -> int:
        return len(self._expiry)

    @property
    def full(self) -> bool:
        return len(self._expiry) >= self._max_entries

    def remember(self, nonce: str, *, now: float, expires_at: float) -> bool:
        """True when ``nonce`` is new (and is now remembered until ``expires_at``); False for a replay or a full
        cache. No await inside: on one event loop the check and the insert cannot interleave."""
        self._forget_expired(now)
        if nonce in self._expiry or len(self._expiry) >= self._max_entries:
            return False
        self._expiry[nonce] = expires_at
        heapq.heappush(self._queue, (expires_at, nonce))
        return True

    def _forget_expired(self, now: float) -> None:
        while self._queue and self._queue[0][0] < now:
            _, nonce = heapq.heappop(self._queue)
            self._expiry.pop(nonce, None)
