"""The company API's errors: four codes, and the one place core errors are mapped to them.

::

    ApiError(code, message, field)
    ├── NOT_FOUND ... core NotFound (another owner's id answers the same)
    ├── VALIDATION .. core ValidationFailed, invalid arguments (with ``field``)
    ├── FORBIDDEN ... no or invalid end-user principal for an owner-scoped operation
    ├── UNAVAILABLE . core BackendUnavailable: the store is down or busy, nothing happened; try again
    ├── TIMEOUT ..... core BackendTimeout: the store was too slow, or a write's outcome is unknown
                      (WriteOutcomeUnknown: it may have happened; retrying is safe, writes are idempotent)
    └── INTERNAL .... everything else (BackendError, bugs): a generic message;
                      the exception is logged here, server-side, and never sent

Pure Python (no GraphQL import): the AppSync Lambda path uses it too.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from core.errors import (
    WRITE_OUTCOME_UNKNOWN,
    BackendTimeout,
    BackendUnavailable,
    CoreError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
    WriteOutcomeUnknown,
)

log = logging.getLogger("companydata.api")

ErrorCode = Literal["NOT_FOUND", "VALIDATION", "FORBIDDEN", "UNAVAILABLE", "TIMEOUT", "INTERNAL"]
ERROR_CODES: frozenset[str] = frozenset({"NOT_FOUND", "VALIDATION", "FORBIDDEN", "UNAVAILABLE", "TIMEOUT", "INTERNAL"})
INTERNAL_MESSAGE = "The company API could not answer this request. Try again later."
UNAVAILABLE_MESSAGE = "The company store is unavailable right now; nothing was changed. Retry in a moment."
TIMEOUT_MESSAGE = "The company store took too long to answer. Retry, or narrow the request."


class ApiError(Exception):
    """An error a caller of the API sees: ``extensions.code`` and, for VALIDATION, ``extensions.field``."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.field = field

    def extensions(self) -> dict[str, Any]:
        if self.field is None:
            return {"code": self.code}
        return {"code": self.code, "field": self.field}


def from_exception(exc: Exception, *, operation: str) -> ApiError:
    """The caller's view of ``exc``. Unexpected failures are logged with their traceback and hidden."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ValidationFailed):
        return ApiError("VALIDATION", exc.message, exc.field)
    if isinstance(exc, NotFound):
        return ApiError("NOT_FOUND", exc.message)
    if isinstance(exc, Forbidden | Unauthorized):
        return ApiError("FORBIDDEN", exc.message)
    # Store faults keep a code of their own, so a caller can tell "try again" from "this failed"; the messages
    # are ours (the stores' own texts are generic too, but never passed on).
    if isinstance(exc, WriteOutcomeUnknown):
        log.error("company-api %s: write outcome unknown", operation, exc_info=exc)
        return ApiError("TIMEOUT", WRITE_OUTCOME_UNKNOWN)
    if isinstance(exc, BackendTimeout):
        return ApiError("TIMEOUT", TIMEOUT_MESSAGE)
    if isinstance(exc, BackendUnavailable):
        log.error("company-api %s: store unavailable", operation, exc_info=exc)
        return ApiError("UNAVAILABLE", UNAVAILABLE_MESSAGE)
    # BackendError / anything else: their text may hold SQL, paths or hosts.
    kind = exc.type if isinstance(exc, CoreError) else type(exc).__name__
    log.error("company-api %s failed (%s)", operation, kind, exc_info=exc)
    return ApiError("INTERNAL", INTERNAL_MESSAGE)
