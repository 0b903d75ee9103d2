"""Rate-limit store over the ``limits`` library: in-process memory, or Redis/Valkey shared by every process.

Shared by every adapter: each cloud offers a Redis-compatible cache (ElastiCache,
Azure Managed Redis, Memorystore). A moving window, so a burst at a window edge
cannot double the budget.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from core.ports import Quota, RateLimitUnavailable


class LimitsRateLimiter:
    def __init__(self, redis_url: str | None = None, *, socket_timeout_s: float = 1.0) -> None:
        self._storage: Storage
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            self._storage = RedisStorage(
                uri,
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix="company-mcp",
                socket_timeout=socket_timeout_s,
                socket_connect_timeout=socket_timeout_s,
            )
        else:
            self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        self.shared = redis_url is not None

    async def hit(self, key: str, amount: int, window_s: int) -> tuple[bool, Quota]:
        item = RateLimitItemPerSecond(amount, window_s)
        try:
            allowed = await self._limiter.hit(item, key)
            stats = await self._limiter.get_window_stats(item, key)
        except (StorageError, OSError) as exc:  # wrap_exceptions: every storage failure; never skip the limit
            raise RateLimitUnavailable(type(exc).__name__) from exc
        reset_s = max(0, math.ceil(stats.reset_time - time.time()))
        return allowed, Quota(limit=amount, remaining=stats.remaining, reset_s=reset_s)

    async def ping(self) -> None:
        try:
            ok = await self._storage.check()
        except (StorageError, OSError) as exc:
            raise RateLimitUnavailable(type(exc).__name__) from exc
        if not ok:
            raise RateLimitUnavailable("rate-limit store did not answer")
