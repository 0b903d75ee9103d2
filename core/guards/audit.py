"""Audit of every write attempt, allowed or blocked (design.md section 3).

Two guards share one ``AuditTrail``: ``audit_refusals`` runs outermost and
records a refusal by any inner guard (scope, validation, flags, rate limit) as
one ``blocked`` record; ``audit_attempt`` runs just before the handler and
writes the ``attempt`` record durably before the write (no record, no write),
then the ``outcome`` record. Only a keyed digest of the arguments is recorded
(HMAC with the deployment's audit key: a digest cannot be reversed by guessing
the arguments without the key).

Every call that enters the pipeline is noted in ``calls_reaching_the_pipeline``
(when a caller is watching), so that ``core.guards.protocol_audit`` can record the
write calls the SDK refused before they got here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import anyio
from pydantic import BaseModel

from core.audit_chain import AuditKey
from core.errors import CoreError, GuardUnavailable, MutationsDisabled
from core.guards.pipeline import Next, ToolCall
from core.model import Principal
from core.ports import AuditRecord, AuditSink, AuditUnavailable

log = logging.getLogger("company_mcp.audit")

# Bound on writing a record once the decision is made (shielded from the call's deadline).
_OUTCOME_WRITE_TIMEOUT_S = 5.0
# The outcome of a write cut off mid-flight: the store may or may not have applied it.
UNKNOWN_OUTCOME = "unknown"


PROTOCOL_REJECTED = "protocol_rejected"

_calls_entered: ContextVar[list[str] | None] = ContextVar("company_mcp_calls_entered", default=None)


def args_digest(raw_args: object, key: AuditKey) -> str:
    """HMAC-SHA256 of the arguments' canonical JSON (whatever their shape) with the audit key."""
    return key.args_hmac(raw_args)


@contextmanager
def calls_reaching_the_pipeline() -> Iterator[list[str]]:
    """The names of the tools whose calls entered the pipeline while this is open, in this context and the
    tasks it starts (they share the list)."""
    entered: list[str] = []
    token = _calls_entered.set(entered)
    try:
        yield entered
    finally:
        _calls_entered.reset(token)


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def refusal_reason(error: Exception) -> str:
    if isinstance(error, MutationsDisabled):
        return f"{error.type}:{error.reason}"
    if isinstance(error, CoreError):
        return error.type
    return "internal_error"


class AuditTrail:
    """``key`` is the deployment's audit key, the one its AuditSink chains with."""

    def __init__(self, sink: AuditSink, key: AuditKey) -> None:
        self._sink = sink
        self._key = key

    def _record(
        self, call: ToolCall, *, decision: str, phase: str, reason: str | None, outcome: str | None
    ) -> AuditRecord:
        return AuditRecord(
            ts=utc_now_iso(),
            request_id=call.request_id,
            principal=call.principal.id,
            tool=call.spec.name,
            args_hmac=args_digest(call.raw_args, self._key),
            decision=decision,
            reason=reason,
            phase=phase,
            outcome=outcome,
        )

    async def record_protocol_rejection(self, principal: Principal, tool: str, arguments: object) -> None:
        """One ``blocked`` record for a write call refused before it reached the pipeline."""
        record = AuditRecord(
            ts=utc_now_iso(),
            request_id=uuid.uuid4().hex,
            principal=principal.id,
            tool=tool,
            args_hmac=args_digest(arguments, self._key),
            decision="blocked",
            reason=PROTOCOL_REJECTED,
            phase="decision",
            outcome=None,
        )
        try:
            await self._sink.append(record)
        except AuditUnavailable as exc:
            log.error("audit sink unavailable: blocked attempt not recorded (%s)", exc, extra={"tool": tool})

    async def audit_refusals(self, call: ToolCall, next_: Next) -> BaseModel:
        entered = _calls_entered.get()
        if entered is not None:
            entered.append(call.spec.name)
        if not call.spec.mutates:
            return await next_(call)
        try:
            return await next_(call)
        except Exception as error:
            if not call.attempt_audited:
                record = self._record(
                    call, decision="blocked", phase="decision", reason=refusal_reason(error), outcome=None
                )
                problem = await self._append_bounded(record)
                if problem is not None:
                    # The call is refused anyway; say loudly that its record is missing.
                    log.error(
                        "audit sink unavailable: blocked attempt not recorded (%s)",
                        problem,
                        extra={"request_id": call.request_id},
                    )
            raise

    async def audit_attempt(self, call: ToolCall, next_: Next) -> BaseModel:
        if not call.spec.mutates:
            return await next_(call)
        try:
            await self._sink.append(self._record(call, decision="allowed", phase="attempt", reason=None, outcome=None))
        except AuditUnavailable as exc:
            log.error("audit sink unavailable: write refused (%s)", exc, extra={"request_id": call.request_id})
            raise GuardUnavailable(
                "The audit log cannot be written, so the write was refused. Retry shortly."
            ) from None
        call.attempt_audited = True
        outcome = "ok"
        try:
            return await next_(call)
        except Exception as error:
            outcome = refusal_reason(error)
            raise
        except BaseException:
            # Cancelled mid-write (the deadline, or the client went away): it may or may not have happened.
            outcome = UNKNOWN_OUTCOME
            raise
        finally:
            await self._write_outcome(call, outcome)

    async def _write_outcome(self, call: ToolCall, outcome: str) -> None:
        record = self._record(call, decision="allowed", phase="outcome", reason=None, outcome=outcome)
        problem = await self._append_bounded(record)
        if problem is not None:
            log.error(
                "audit sink unavailable: outcome not recorded (%s)", problem, extra={"request_id": call.request_id}
            )

    async def _append_bounded(self, record: AuditRecord) -> str | None:
        """Write a record after the decision, shielded from the call's cancellation but bounded in time;
        None when written, else what went wrong."""
        with anyio.CancelScope(shield=True), anyio.move_on_after(_OUTCOME_WRITE_TIMEOUT_S):
            try:
                await self._sink.append(record)
                return None
            except AuditUnavailable as exc:
                return str(exc)
        return f"not written within {_OUTCOME_WRITE_TIMEOUT_S:g} s"
