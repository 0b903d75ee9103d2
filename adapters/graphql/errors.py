"""Translate the company API's failures into ``core.errors``, once, at the adapter's edge.

In the style of httpx's ``map_httpcore_exceptions``: each context manager maps
one family of faults to the most specific core error and chains the cause with
``raise ... from exc``. Messages are ours and short; the API's own text is passed
on only for NOT_FOUND and VALIDATION (written for callers by our API), sanitized.

============================================  =================================================
fault                                         core error (public type)
============================================  =================================================
GraphQL ``NOT_FOUND``                         NotFound (not_found), the API's message sanitized
GraphQL ``VALIDATION`` (HTTP 200 or 400)      ValidationFailed (validation; ``extensions.field``
                                              else "arguments"), the API's message sanitized
GraphQL ``FORBIDDEN``; HTTP 401/403           BackendError (backend_error): the API refused the
                                              MCP *server*, not the caller (see graphql_error)
GraphQL ``UNAVAILABLE`` (the store is down)   TransientBackendError (backend_unavailable); reads
                                              are retried on it, writes never
GraphQL ``TIMEOUT``                           BackendTimeout (timeout), the API's message sanitized
                                              (for a write: it may have happened)
GraphQL ``INTERNAL`` / unknown / no code      BackendError (backend_error)
connection refused; connect timeout;          TransientBackendError (backend_unavailable);
HTTP 502/503 (reads), 503 (writes)            reads are retried on it, writes never
a read reset or cut mid-body                  TransientBackendError (backend_unavailable)
a write reset or cut after it was sent;       WriteOutcomeUnknown (timeout): it may have happened
HTTP 502/504 on a write
other HTTP 5xx; HTTP 429                      BackendUnavailable (backend_unavailable)
read/write timeout; the call's deadline       BackendTimeout (timeout)
non-JSON, no ``data``, wrong shape, 3xx, 4xx  BackendError (backend_error)
============================================  =================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from core.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    CoreError,
    NotFound,
    ValidationFailed,
    WriteOutcomeUnknown,
)

MAX_MESSAGE_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\[\]]{0,63}$")
_TRANSIENT_STATUS = frozenset({502, 503, 504})
# AppSync reports its own refusals in ``errorType`` rather than ``extensions.code``.
_ERROR_TYPE_ALIASES = {"UnauthorizedException": "FORBIDDEN", "AccessDeniedException": "FORBIDDEN"}

IDENTITY_REFUSED = (
    "The company API refused this server's request (its service identity, or the end-user identity it passes on). "
    "This is a deployment problem, not the caller's: an operator must fix the MCP server's access to the API."
)
API_FAILED = "The company API failed to answer this request. Try again later."
API_UNREACHABLE = "The company API cannot be reached right now. Try again later."
API_GARBLED = "The company API sent an answer this server cannot read."
STORE_UNAVAILABLE = "The company data store is unavailable right now; nothing was changed. Try again shortly."


class TransientBackendError(BackendUnavailable):
    """The request may not have reached the API (connection failed or reset) or a gateway said 502/503/504.

    Reads are retried on this; writes never are.
    """


def sanitize(text: object, default: str) -> str:
    """The API's message made safe to show: no control characters, one line, at most 300 characters."""
    if not isinstance(text, str):
        return default
    clean = " ".join(_CONTROL.sub(" ", text).split())
    if not clean:
        return default
    return clean if len(clean) <= MAX_MESSAGE_CHARS else clean[: MAX_MESSAGE_CHARS - 1] + "…"


@contextmanager
def map_transport_errors(*, write: bool = False) -> Iterator[None]:
    """httpx's exceptions -> core errors. Connection faults are transient; a slow answer is a timeout.

    For a ``write``, a fault after the request may have reached the API is ``WriteOutcomeUnknown``: it may
    have happened, so it must not read as "unavailable" (which says nothing happened).
    """
    try:
        yield
    except (httpx.ConnectTimeout, httpx.ConnectError, httpx.PoolTimeout) as exc:  # never sent
        raise TransientBackendError(API_UNREACHABLE) from exc
    except httpx.TimeoutException as exc:
        if write:
            raise WriteOutcomeUnknown() from exc
        raise BackendTimeout("The company API did not answer in time. Try again later.") from exc
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.CloseError) as exc:
        if write:
            raise WriteOutcomeUnknown() from exc
        raise TransientBackendError(API_UNREACHABLE) from exc
    except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:  # our request or URL is wrong
        raise BackendError("This server cannot send requests to the configured company API URL.") from exc
    except httpx.TransportError as exc:  # proxy errors and the rest
        raise BackendUnavailable(API_UNREACHABLE) from exc


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """An overall deadline (connect, waiting for a slot, retries and backoff included) -> BackendTimeout."""
    try:
        with anyio.fail_after(seconds):
            yield
    except TimeoutError as exc:
        raise BackendTimeout(f"The company API did not answer within {seconds:g} s. Try again later.") from exc


@contextmanager
def map_shape_errors() -> Iterator[None]:
    """A ``data`` object that does not have the selected fields and types -> BackendError."""
    try:
        yield
    except CoreError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:  # pydantic's ValidationError too
        raise BackendError(API_GARBLED) from exc


@dataclass(frozen=True, slots=True)
class Payload:
    """A GraphQL response body that parsed: ``data`` (may be null when errors are set) and ``errors``."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def _errors(body: Any) -> list[dict[str, Any]] | None:
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors):
        return _without_null_echoes(errors)
    return None


def _without_null_echoes(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop the uncoded "Cannot return null for non-nullable field" entry a GraphQL executor may add for a field
    that already has a coded error at the same path (AppSync's simulator lists it first): the coded one says why."""
    coded_paths = [e.get("path") for e in errors if error_code(e) and isinstance(e.get("path"), list)]
    return [e for e in errors if error_code(e) or not isinstance(e.get("path"), list) or e["path"] not in coded_paths]


def read_payload(status: int, content: bytes, *, write: bool = False) -> Payload:
    """HTTP status and body -> Payload, or the core error the HTTP exchange itself means."""
    if write and status in (502, 504):  # the gateway lost the upstream's answer: the write may have happened
        raise WriteOutcomeUnknown()
    if status in _TRANSIENT_STATUS:
        raise TransientBackendError(API_UNREACHABLE)
    if status >= 500 or status == 429:
        raise BackendUnavailable(API_UNREACHABLE)
    if status in (401, 403):  # the API (or AppSync in front of it) did not accept our service credentials
        raise BackendError(IDENTITY_REFUSED)
    body = _json(content)
    errors = _errors(body)
    if status != 200 and errors is None:  # redirects and other 4xx without a GraphQL body
        raise BackendError(f"The company API answered HTTP {status}.")
    if not isinstance(body, dict):
        raise BackendError(API_GARBLED)
    data = body.get("data")
    if errors is None and not isinstance(data, dict):
        raise BackendError(API_GARBLED)
    return Payload(data if isinstance(data, dict) else None, errors or [])


def error_code(error: dict[str, Any]) -> str:
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    if not isinstance(code, str):
        code = error.get("errorType")
    if not isinstance(code, str):
        return ""
    return _ERROR_TYPE_ALIASES.get(code, code)


def _field(error: dict[str, Any]) -> str:
    for holder in (error.get("extensions"), error.get("errorInfo")):
        if isinstance(holder, dict):
            name = holder.get("field")
            if isinstance(name, str) and _FIELD_NAME.match(name):
                return name
    return "arguments"


def graphql_error(error: dict[str, Any]) -> CoreError:
    """One GraphQL error -> the core error its ``extensions.code`` names."""
    code = error_code(error)
    if code == "NOT_FOUND":
        return NotFound(sanitize(error.get("message"), "The company API has no such record."))
    if code == "VALIDATION":
        return ValidationFailed(_field(error), sanitize(error.get("message"), "The company API refused the arguments."))
    if code == "FORBIDDEN":
        # Not core's Forbidden: that names a scope missing from the *caller's* token, which the caller could
        # fix. Here the API refused this server's service identity; only an operator can fix that.
        return BackendError(IDENTITY_REFUSED)
    if code == "UNAVAILABLE":  # the API's store is down: nothing happened, try again (reads retry on it)
        return TransientBackendError(STORE_UNAVAILABLE)
    if code == "TIMEOUT":
        return BackendTimeout(sanitize(error.get("message"), "The company API's store did not answer in time."))
    return BackendError(API_FAILED)


def raise_for_errors(payload: Payload) -> dict[str, Any]:
    """The ``data`` of a successful payload; else the core error of its first GraphQL error."""
    if payload.errors:
        raise graphql_error(payload.errors[0])
    if payload.data is None:
        raise BackendError(API_GARBLED)
    return payload.data
