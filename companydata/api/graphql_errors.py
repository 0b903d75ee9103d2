"""GraphQL errors of the reference server: every error leaves with ``extensions.code``.

- An ``ApiError`` from a resolver keeps its code (and ``field``) and message.
- A request error (syntax, validation against the SDL, variable values, our query limits)
  has no response path: code VALIDATION, message as graphql-core wrote it (it describes the
  caller's own document and variables).
- Anything else (an exception that escaped a resolver or a scalar, a null in a non-null
  field) is a server fault: logged here, sent as INTERNAL with a generic message.
  With ``debug`` the stack trace is added under ``extensions.exception`` (never in production).
"""

from __future__ import annotations

import logging
from typing import Any

from ariadne import get_error_extension
from graphql import GraphQLError

from companydata.api.errors import INTERNAL_MESSAGE, ApiError, log


class ApiGraphQLError(GraphQLError):
    """An ``ApiError`` on its way out through graphql-core."""


def to_graphql_error(error: ApiError) -> ApiGraphQLError:
    # The cause rides along (for the debug stack trace only); its text is never the message.
    cause = error.__cause__ if error.code == "INTERNAL" and isinstance(error.__cause__, Exception) else None
    return ApiGraphQLError(error.message, extensions=error.extensions(), original_error=cause)


def _ours(error: GraphQLError) -> ApiGraphQLError | None:
    current: BaseException | None = error
    while isinstance(current, GraphQLError):  # graphql-core wraps a resolver's error once, to add its path
        if isinstance(current, ApiGraphQLError):
            return current
        current = current.original_error
    return None


def format_error(error: GraphQLError, debug: bool = False) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    ours = _ours(error)
    if ours is not None:
        formatted["extensions"] = dict(ours.extensions or {})
        if debug and ours.extensions and ours.extensions.get("code") == "INTERNAL":
            formatted["extensions"]["exception"] = get_error_extension(error)
        return formatted
    original = error.original_error
    if error.path is None:  # raised before execution: about the request itself (its text, variables)
        formatted["extensions"] = {**(error.extensions or {}), "code": "VALIDATION"}
        return formatted
    log.error("company-api internal error at %s: %s", error.path, error.message, exc_info=original)
    formatted["message"] = INTERNAL_MESSAGE
    formatted["extensions"] = {"code": "INTERNAL"}
    if debug:
        formatted["extensions"]["exception"] = get_error_extension(error)
    return formatted


def quiet_logger() -> logging.Logger:
    """A logger for Ariadne that drops its records: Ariadne logs every error, client errors included, at
    ERROR; server faults are logged once, with context, by ``errors.from_exception`` and ``format_error``."""
    silent = logging.Logger("companydata.api.ariadne")  # not registered: no effect on global logging
    silent.disabled = True
    return silent
