"""Every call has a deadline; past it the client gets ``timeout``, never a hang."""

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
        raise BackendTimeout(f"The call did not finish within {self._timeout_s:g} s. Try a narrower request.")
