"""Flags read from a managed store at most once per interval, failing closed: the one cache every cloud uses.

``RefreshedFlags`` wraps an adapter's ``fetch`` (AppConfig's agent, App Configuration, Parameter
Manager): concurrent callers share one read; a value is served for at most ``interval_s``; when the
read that should replace it fails, nothing is served (``fetch`` raises ``FlagsUnavailable`` and the
mutation guard denies writes), never the older value. Written here because the providers' own
libraries keep stale values on refresh errors (Azure's provider does), which is fail-open for writes.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType

import anyio

Fetch = Callable[[], Awaitable[Mapping[str, bool]]]


class RefreshedFlags:
    def __init__(self, fetch: Fetch, *, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._interval_s = interval_s
        self._clock = clock
        self._flags: Mapping[str, bool] | None = None
        self._fetched_at = 0.0
        self._lock: anyio.Lock | None = None  # made on first use, inside the event loop

    async def get_flags(self) -> Mapping[str, bool]:
        if self._fresh():
            assert self._flags is not None
            return self._flags
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:  # concurrent callers share one read
            if not self._fresh():
                self._flags = None  # fail closed: never serve a value older than the interval
                flags = await self._fetch()
                self._flags, self._fetched_at = MappingProxyType(dict(flags)), self._clock()
            assert self._flags is not None
            return self._flags

    def _fresh(self) -> bool:
        return self._flags is not None and self._clock() - self._fetched_at < self._interval_s
