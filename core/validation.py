"""Tool arguments against their pydantic models: the one wording of a validation error, for every face.

The MCP guard (``core.guards.validation``) and the company API's resolvers both parse with this,
so a bad argument reads the same whichever door it came through. Pydantic only: no MCP SDK.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)


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


def parse_arguments(model: type[M], raw: dict[str, Any]) -> M:
    """``raw`` as ``model``, or ``ValidationFailed`` naming the first bad field."""
    try:
        return model.model_validate(raw, strict=False)
    except ValidationError as exc:
        raise validation_error(model, exc) from None
