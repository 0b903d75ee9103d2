"""The ports that adapters implement. Core depends only on these shapes.

Each is a small ``typing.Protocol`` (adapters need not inherit), with core types
in and out. Errors cross a port only as ``core.errors`` types: an adapter maps
its vendor's failures once, at its edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from core.interpretation import ParsedPrompt
from core.model import (
    AddResult,
    Collection,
    Company,
    CompanyFilters,
    CompanySummary,
    EmailDiscovery,
    Page,
    PageRequest,
)

if TYPE_CHECKING:  # the SDK's token type, named only for the checker: the ports load without the MCP SDK
    from mcp.server.auth.provider import AccessToken


class Authenticator(Protocol):
    """The SDK's ``TokenVerifier`` shape, so it plugs into the SDK's bearer auth: a verified token or None."""

    async def verify_token(self, token: str) -> AccessToken | None: ...


class CompanyDirectory(Protocol):
    async def search_companies(self, filters: CompanyFilters, page: PageRequest) -> Page[CompanySummary]: ...

    async def get_company(self, *, company_id: str | None = None, domain: str | None = None) -> Company:
        """Raises ``NotFound``."""
        ...


class CollectionRepository(Protocol):
    async def list_collections(self, owner: str, page: PageRequest) -> Page[Collection]: ...

    async def get_collection(
        self, owner: str, collection_id: str, page: PageRequest
    ) -> tuple[Collection, Page[CompanySummary]]:
        """Raises ``NotFound`` for an unknown id or another owner's collection."""
        ...

    async def create_collection(self, owner: str, name: str, description: str | None) -> tuple[Collection, bool]:
        """Returns the collection and whether it was created (False: the owner already had that name)."""
        ...

    async def add_to_collection(self, owner: str, collection_id: str, company_ids: list[str]) -> AddResult: ...


class EmailDiscoveryRepository(Protocol):
    async def request_email_discovery(
        self, owner: str, company_id: str, roles: list[str]
    ) -> tuple[EmailDiscovery, bool]:
        """Returns the request and whether it was created (False: same owner, company and roles within 24 h)."""
        ...

    async def get_email_discovery(self, owner: str, request_id: str) -> EmailDiscovery: ...


@runtime_checkable
class Backend(CompanyDirectory, CollectionRepository, EmailDiscoveryRepository, Protocol):
    """The company data platform: the nine operations, plus a readiness probe."""

    async def ping(self) -> None:
        """Raises ``BackendUnavailable`` when the store does not answer."""
        ...

    async def aclose(self) -> None: ...


class PromptInterpreter(Protocol):
    """Turns an ``ai_search`` prompt into filters. Never raises for what the prompt says: an interpreter
    that cannot answer (a model that times out, refuses, is throttled or answers off-schema) answers with
    the rules instead, and says so in ``ParsedPrompt.interpreter`` / ``fallback``."""

    async def interpret(self, prompt: str) -> ParsedPrompt: ...


class FlagsUnavailable(Exception):
    """The FlagSource could not be read; the mutation guard then fails closed."""


class FlagSource(Protocol):
    async def get_flags(self) -> Mapping[str, bool]:
        """The current flags. Raises ``FlagsUnavailable`` when they cannot be read."""
        ...


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit event. Raw argument values are never here, only their keyed digest (HMAC-SHA256 with the
    deployment's audit key). The sink adds the chain fields (``seq``, ``prev_hmac``, ``chain_hmac``)."""

    ts: str
    request_id: str
    principal: str
    tool: str
    args_hmac: str
    decision: str  # "blocked" | "allowed"
    reason: str | None
    phase: str  # "decision" (blocked) | "attempt" | "outcome"
    outcome: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "request_id": self.request_id,
            "principal": self.principal,
            "tool": self.tool,
            "args_hmac": self.args_hmac,
            "decision": self.decision,
            "reason": self.reason,
            "phase": self.phase,
            "outcome": self.outcome,
        }


class AuditUnavailable(Exception):
    """The audit record could not be written durably; the write must not happen."""


class AuditSink(Protocol):
    async def append(self, record: AuditRecord) -> None:
        """Write durably before returning. Raises ``AuditUnavailable``."""
        ...

    async def ping(self) -> None:
        """Raises ``AuditUnavailable`` when records could not be written now."""
        ...


@dataclass(frozen=True, slots=True)
class CallRecord:
    """The figures of one tool call, as logged and as sent to the MetricsSink."""

    tool: str
    principal: str
    request_id: str
    duration_ms: float
    outcome: str  # "ok" | "error"
    error_type: str | None
    result_count: int | None
    capped: bool


class MetricsSink(Protocol):
    def record_call(self, call: CallRecord) -> None:
        """Must not block or raise: metrics never fail a call."""
        ...


class RateLimitUnavailable(Exception):
    """The shared rate-limit store cannot be reached."""


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int
    remaining: int
    reset_s: int


class RateLimiter(Protocol):
    async def hit(self, key: str, amount: int, window_s: int) -> tuple[bool, Quota]:
        """Count one call against ``amount`` per ``window_s`` for ``key``. Raises ``RateLimitUnavailable``."""
        ...

    async def ping(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Ports:
    backend: Backend
    flags: FlagSource
    audit: AuditSink
    metrics: MetricsSink
    rate_limiter: RateLimiter
