"""What an adapter hands to the server: its ports plus the hooks the process needs around them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.audit_chain import AuditKey
from core.model import Principal
from core.ports import Ports

Probe = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Runtime:
    ports: Ports
    cursor_secret: bytes
    audit_key: AuditKey  # the deployment's key for the audit chain and argument digests; kept apart from the log
    readiness: dict[str, Probe] = field(default_factory=dict)
    metrics_text: Callable[[], bytes] | None = None
    local_principal: Principal | None = None  # the caller when no token is required (stdio, auth=none)
    close: Callable[[], Awaitable[None]] | None = None
    token_issuer: str | None = None  # with ports.authenticator: the issuer named in the resource metadata
