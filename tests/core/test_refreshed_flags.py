"""The flag cache every cloud's FlagSource uses: one read per interval, shared, and never a stale value."""

from __future__ import annotations

from collections.abc import Mapping

import anyio
import pytest

from core.ports import FlagsUnavailable
from core.refreshed_flags import RefreshedFlags

pytestmark = pytest.mark.anyio


class Store:
    def __init__(self) -> None:
        self.flags = {"mutations": True}
        self.down = False
        self.reads = 0

    async def fetch(self) -> Mapping[str, bool]:
        self.reads += 1
        await anyio.sleep(0.01)
        if self.down:
            raise FlagsUnavailable("down")
        return dict(self.flags)


async def test_concurrent_callers_share_one_read_and_a_failed_refresh_serves_nothing_old() -> None:
    now = [0.0]
    store = Store()
    flags = RefreshedFlags(store.fetch, interval_s=15, clock=lambda: now[0])
    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(flags.get_flags)
    assert store.reads == 1 and await flags.get_flags() == {"mutations": True}
    now[0] = 16
    store.down = True
    for _ in range(2):  # every call after the interval fails closed until a read succeeds
        with pytest.raises(FlagsUnavailable):
            await flags.get_flags()
    store.down, store.flags = False, {"mutations": False}
    assert await flags.get_flags() == {"mutations": False}
