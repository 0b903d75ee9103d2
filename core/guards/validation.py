"""Argument validation against the tool's pydantic input model; unknown arguments are errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from core.errors import ValidationFailed
from core.guards.pipeline import Next, ToolCall


def validation_error(model: type[BaseModel], exc: ValidationError) -> ValidationFailed:
    """The first problem, naming the field, in words an LLM can act on."""
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or "arguments"
    if error["type"] == "extra_forbidden":
        accepted = ", ".join(model.model_fields)
        return ValidationFailed(field, f"Unknown argument '{field}'. This tool accepts: {accepted}.")
    if error["type"] == "missing":
        return ValidationFailed(field, f"Missing required argument '{field}'.")
    message = str(error["msg"]).removeprefix("Value error, ")
    return ValidationFailed(field, f"Invalid value for '{field}': {message}.")


def parse_arguments(model: type[BaseModel], raw: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(raw, strict=False)
    except ValidationError as exc:
        raise validation_error(model, exc) from None


async def validate_arguments(call: ToolCall, next_: Next) -> BaseModel:
    call.args = parse_arguments(call.spec.input_model, call.raw_args)
    return await next_(call)
