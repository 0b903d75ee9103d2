"""Scope check: read tools need companies:read, write tools companies:write."""

from __future__ import annotations

from pydantic import BaseModel

from core.errors import Forbidden
from core.guards.pipeline import Next, ToolCall


async def require_scope(call: ToolCall, next_: Next) -> BaseModel:
    if call.spec.scope not in call.principal.scopes:
        raise Forbidden(call.spec.scope)
    return await next_(call)
