"""What the composition root hands to the server: the ports, the token check, and the hooks around them.

A ``Runtime`` is an async context manager: ``async with runtime:`` starts what runs beside the
server (the shadow comparer, when shadow mode is on) and, on the way out, stops it and closes the
token verifier and the adapter's clients. Every entry point (HTTP app lifespan, stdio, in-process
calls, Lambda, Functions, Cloud Run) enters it the same way, so start-up and close are written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from core.audit_chain import AuditKey
from core.model import Principal
from core.ports import Authenticator, Ports, PromptInterpreter
from core.shadow import shadow_running

Probe = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class TokenAuth:
    """How HTTP callers are verified: the Authenticator, the issuer named in the resource metadata, and any
    routes the issuer itself serves from this process (the dev issuer's discovery document and JWKS)."""

    verifier: Authenticator
    issuer: str
    routes: Sequence[Any] = ()  # starlette routes


@dataclass(frozen=True, slots=True)
class Runtime:
    ports: Ports
    cursor_secret: bytes
    audit_key: AuditKey  # the deployment's key for the audit chain and argument digests; kept apart from the log
    readiness: dict[str, Probe] = field(default_factory=dict)
    metrics_text: Callable[[], bytes] | None = None
    local_principal: Principal | None = None  # the caller when no token is required (stdio, auth=none)
    close: Callable[[], Awaitable[None]] | None = None  # the adapter's own clients
    token_auth: TokenAuth | None = None  # None: no bearer tokens (stdio, auth=none)
    prompt_interpreter: PromptInterpreter | None = None  # ai_search's; None: the rules (core.interpreters)
    _running: AsyncExitStack = field(default_factory=AsyncExitStack, compare=False, repr=False)

    async def __aenter__(self) -> Runtime:
        stack = self._running
        stack.push_async_callback(self._close_all)
        await stack.enter_async_context(shadow_running(self.ports.backend))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._running.aclose()

    async def _close_all(self) -> None:
        try:
            closer = getattr(self.token_auth.verifier, "aclose", None) if self.token_auth else None
            if closer is not None:
                await closer()
        finally:
            try:
                interpreter_close = getattr(self.prompt_interpreter, "aclose", None)
                if interpreter_close is not None:
                    await interpreter_close()
            finally:
                if self.close is not None:
                    await self.close()
