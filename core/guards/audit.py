"""Audit of every write attempt, allowed or blocked (design.md section 3).

Two guards share one ``AuditTrail``: ``audit_refusals`` runs outermost and
records a refusal by any inner guard (scope, validation, flags, rate limit) as
one ``blocked`` record; ``audit_attempt`` runs just before the handler and
writes the ``attempt`` record durably before the write (no record, no write),
then the ``outcome`` record. Only a digest of the arguments is recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime

import anyio
from pydantic import BaseModel

from core.errors import CoreError, GuardUnavailable, MutationsDisabled
from core.guards.pipeline import Next, ToolCall
from core.ports import AuditRecord, AuditSink, AuditUnavailable

log = logging.getLogger("company_mcp.audit")

# Bound on writing a record once the decision is made (shielded from the call's deadline).
_OUTCOME_WRITE_TIMEOUT_S = 5.0
# The outcome of a write cut off mid-flight: the store may or may not have applied it.
UNKNOWN_OUTCOME = "unknown"


def args_digest(raw_args: dict[str, object]) -> str:
    canonical = json.dumps(raw_args, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def refusal_reason(error: Exception) -> str:
    if isinstance(error, MutationsDisabled):
        return f"{error.type}:{error.reason}"
    if isinstance(error, CoreError):
        return error.type
    return "internal_error"


class AuditTrail:
    def __init__(self, sink: AuditSink) -> None:
        self._sink = sink

    def _record(
        self, call: ToolCall, *, decision: str, phase: str, reason: str | None, outcome: str | None
    ) -> AuditRecord:
        return AuditRecord(
            ts=utc_now_iso(),
            request_id=call.request_id,
            principal=call.principal.id,
            tool=call.spec.name,
            args_sha256=args_digest(call.raw_args),
            decision=decision,
            reason=reason,
            phase=phase,
            outcome=outcome,
        )

    async def audit_refusals(self, call: ToolCall, next_: Next) -> BaseModel:
        if not call.spec.mutates:
            return await next_(call)
        try:
            return await next_(call)
        except Exception as error:
            if not call.attempt_audited:
                record = self._record(
                    call, decision="blocked", phase="decision", reason=refusal_reason(error), outcome=None
                )
                if not await self._append_bounded(record):
                    # The call is refused anyway; say loudly that its record is missing.
                    log.error(
                        "audit sink unavailable: blocked attempt not recorded", extra={"request_id": call.request_id}
                    )
            raise

    async def audit_attempt(self, call: ToolCall, next_: Next) -> BaseModel:
        if not call.spec.mutates:
            return await next_(call)
        try:
            await self._sink.append(self._record(call, decision="allowed", phase="attempt", reason=None, outcome=None))
        except AuditUnavailable:
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
        if not await self._append_bounded(record):
            log.error("audit sink unavailable: outcome not recorded", extra={"request_id": call.request_id})

    async def _append_bounded(self, record: AuditRecord) -> bool:
        """Write a record after the decision, shielded from the call's cancellation but bounded in time."""
        with anyio.CancelScope(shield=True), anyio.move_on_after(_OUTCOME_WRITE_TIMEOUT_S):
            try:
                await self._sink.append(record)
                return True
            except AuditUnavailable:
                return False
        return False
