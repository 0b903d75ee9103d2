"""The hard cap: at most 100 items per call; a larger ``limit`` is clamped and the result says ``capped``."""

from __future__ import annotations

from pydantic import BaseModel

from core.guards.pipeline import Next, ToolCall
from core.model import MAX_ITEMS


async def cap_results(call: ToolCall, next_: Next) -> BaseModel:
    requested = getattr(call.args, "limit", None)
    if isinstance(requested, int):
        call.limit = min(requested, MAX_ITEMS)
        call.capped = requested > MAX_ITEMS
    result = await next_(call)
    items = getattr(result, "items", None)
    if isinstance(items, list):
        if len(items) > MAX_ITEMS:  # a backend that ignores the limit must not break the promise
            result = result.model_copy(update={"items": items[:MAX_ITEMS]})
            call.capped = True
        if call.capped:
            result = result.model_copy(update={"capped": True})
        call.result_count = min(len(items), MAX_ITEMS)
    else:
        call.result_count = 1
    return result
