"""The hard cap: at most 100 items per call; a larger ``limit`` is clamped and the result says ``capped``."""

from __future__ import annotations

from pydantic import BaseModel

from core.guards.pipeline import Next, ToolCall
from core.model import MAX_ITEMS
from core.operations import cap_items, clamp_limit


async def cap_results(call: ToolCall, next_: Next) -> BaseModel:
    requested = getattr(call.args, "limit", None)
    if isinstance(requested, int):
        call.limit, call.capped = clamp_limit(requested)
    result = await next_(call)
    items = getattr(result, "items", None)
    if isinstance(items, list):
        kept, call.capped = cap_items(items, call.limit or MAX_ITEMS, call.capped)
        if len(kept) < len(items):
            result = result.model_copy(update={"items": kept})
        if call.capped:
            result = result.model_copy(update={"capped": True})
        call.result_count = len(kept)
    else:
        call.result_count = 1
    return result
