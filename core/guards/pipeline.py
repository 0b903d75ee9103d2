"""Guards are ``async (call, next) -> result``, composed once at registration (outermost first)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from core.model import Principal
from core.ports import Quota
from core.tools.spec import ToolSpec


@dataclass(slots=True)
class ToolCall:
    """One tool call as it passes through the guards; guards fill in what they decide."""

    spec: ToolSpec
    raw_args: dict[str, Any]
    principal: Principal
    request_id: str
    args: BaseModel | None = None
    limit: int | None = None
    capped: bool = False
    quota: Quota | None = None
    result_count: int | None = None
    attempt_audited: bool = False


Next = Callable[[ToolCall], Awaitable[BaseModel]]
Guard = Callable[[ToolCall, Next], Awaitable[BaseModel]]


def compose(guards: Sequence[Guard], terminal: Next) -> Next:
    """Wrap ``terminal`` so that ``guards[0]`` runs first and ``guards[-1]`` runs just before it."""
    handler = terminal
    for guard in reversed(guards):
        handler = _bind(guard, handler)
    return handler


def _bind(guard: Guard, inner: Next) -> Next:
    async def run(call: ToolCall) -> BaseModel:
        return await guard(call, inner)

    return run
