"""Every call has a deadline over the whole guarded call; past it the client gets ``timeout``, never a hang.

A write cut off by the deadline may or may not have happened (its request may have reached the
store): the message says so, and that retrying is safe because every write is idempotent.
"""

from __future__ import annotations

import anyio
from pydantic import BaseModel

from core.errors import BackendTimeout
from core.guards.pipeline import Next, ToolCall


class Deadline:
    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s

    async def __call__(self, call: ToolCall, next_: Next) -> BaseModel:
        with anyio.move_on_after(self._timeout_s):
            return await next_(call)
        if call.spec.mutates:
            raise BackendTimeout(
                f"The write did not finish within {self._timeout_s:g} s; it may or may not have taken effect. "
                "Retrying is safe: writes are idempotent."
            )
        raise BackendTimeout(f"The call did not finish within {self._timeout_s:g} s. Try a narrower request.")
