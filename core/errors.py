"""One error tree for the whole server.

Every failure a client can see is one of these, mapped to the structured
error body of design.md section 2 in exactly one place (``core.server``)::

    CoreError (type)
    ├── ValidationFailed ........ validation        (field)
    ├── NotFound ................ not_found
    ├── Unauthorized ............ unauthorized
    ├── GuardError
    │   ├── Forbidden ........... forbidden         (required_scope)
    │   ├── MutationsDisabled ... mutations_disabled (reason)
    │   ├── RateLimited ......... rate_limited      (retry_after_s)
    │   └── GuardUnavailable .... unavailable       (a guard's own dependency is down)
    ├── BackendError ............ backend_error
    │   ├── BackendUnavailable .. backend_unavailable (nothing happened: try again)
    │   └── BackendTimeout ...... timeout
    │       └── WriteOutcomeUnknown  timeout (a write may or may not have happened)
    └── ConfigError ............. (start-up only; never reaches a client)

Messages are written for the caller (often an LLM): they say what was wrong and
what to do. They never carry raw backend text or secrets.
"""

from __future__ import annotations

from typing import Any, ClassVar

WRITE_OUTCOME_UNKNOWN = (
    "The write was sent but its answer was lost, so it may or may not have taken effect. "
    "Retrying is safe: writes are idempotent."
)


class CoreError(Exception):
    """Base of every typed error; ``type`` is the public error type string."""

    type: ClassVar[str] = "backend_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:
        """Extra public fields of the error body besides ``type`` and ``message``."""
        return {}

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.type, "message": self.message, **self.details()}}


class ValidationFailed(CoreError):
    type = "validation"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def details(self) -> dict[str, Any]:
        return {"field": self.field}


class NotFound(CoreError):
    type = "not_found"


class Unauthorized(CoreError):
    type = "unauthorized"


class GuardError(CoreError):
    """Refused by a guard before the backend was touched."""


class Forbidden(GuardError):
    type = "forbidden"

    def __init__(self, required_scope: str) -> None:
        super().__init__(f"This tool needs the scope '{required_scope}', which the caller's token does not grant.")
        self.required_scope = required_scope

    def details(self) -> dict[str, Any]:
        return {"required_scope": self.required_scope}


class MutationsDisabled(GuardError):
    type = "mutations_disabled"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    def details(self) -> dict[str, Any]:
        return {"reason": self.reason}


class RateLimited(GuardError):
    type = "rate_limited"

    def __init__(self, tool: str, limit: str, retry_after_s: int) -> None:
        super().__init__(f"Rate limit for {tool} reached ({limit} per caller). Retry after {retry_after_s} s.")
        self.retry_after_s = retry_after_s

    def details(self) -> dict[str, Any]:
        return {"retry_after_s": self.retry_after_s}


class GuardUnavailable(GuardError):
    """A guard's own dependency (rate-limit store, audit sink) is down: refuse rather than skip the guard."""

    type = "unavailable"


class BackendError(CoreError):
    type = "backend_error"


class BackendUnavailable(BackendError):
    type = "backend_unavailable"


class BackendTimeout(BackendError):
    type = "timeout"


class WriteOutcomeUnknown(BackendTimeout):
    """A write was sent but its answer was lost (connection cut, commit unacknowledged): it may have happened.

    Never ``backend_unavailable``, which says nothing happened. Retrying is safe because writes are idempotent.
    """

    def __init__(self, message: str = WRITE_OUTCOME_UNKNOWN) -> None:
        super().__init__(message)


class ConfigError(CoreError):
    """Bad settings found at start-up; the process refuses to start."""

    type = "config"


# The error types that say the server side failed (not the request): retryable faults, never data differences.
SERVER_FAULT_TYPES: frozenset[str] = frozenset(
    cls.type for cls in (GuardUnavailable, BackendError, BackendUnavailable, BackendTimeout)
)
