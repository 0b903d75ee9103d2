"""Argument validation against the tool's pydantic input model; unknown arguments are errors."""

from __future__ import annotations

from pydantic import BaseModel

from core.guards.pipeline import Next, ToolCall
from core.validation import parse_arguments


async def validate_arguments(call: ToolCall, next_: Next) -> BaseModel:
    call.args = parse_arguments(call.spec.input_model, call.raw_args)
    return await next_(call)
