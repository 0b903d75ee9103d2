"""Builds the MCP server from the ports: composes the guards around every tool; does no I/O itself.

Errors are mapped to the client's view in exactly one place, ``_error_result``:
a ``CoreError`` becomes a ``CallToolResult`` with ``isError`` and the
structured body of design.md section 2 (the SDK's ``ToolError`` would give
text only); anything unexpected becomes a ``backend_error`` without its text.
Protocol faults (unknown tool) stay protocol errors.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent, Tool
from pydantic import BaseModel

from core.audit_chain import AuditKey
from core.config import Settings
from core.cursor import CursorCodec
from core.errors import CoreError
from core.guards.audit import AuditTrail
from core.guards.authz import require_scope
from core.guards.deadline import Deadline
from core.guards.mutation import MutationGate
from core.guards.pipeline import Guard, Next, ToolCall, compose
from core.guards.ratelimit import RateLimitGuard
from core.guards.resultcap import cap_results
from core.guards.stdio_audit import audited_stdio
from core.guards.validation import validate_arguments
from core.interpreters import RulesInterpreter
from core.model import Principal
from core.ports import Backend, CallRecord, Ports, PromptInterpreter
from core.telemetry import CallTelemetry
from core.tools.registry import all_tools
from core.tools.spec import ToolContext, ToolSpec

log = logging.getLogger("company_mcp.server")

INSTRUCTIONS = (
    "Company data platform: search over a million B2B company profiles, manage your own collections of companies, "
    "and request (synthetic) contact emails. Start with search_companies or ai_search, then get_company for a full "
    "profile. Lists return at most 100 items; follow next_cursor for more. Write tools may be disabled by the "
    "operator; a refused write says so and changes nothing."
)


def principal_from_token() -> Principal | None:
    token = get_access_token()
    if token is None:
        return None
    issuer = str((token.claims or {}).get("iss") or "unknown")
    return Principal(issuer=issuer, subject=token.subject or token.client_id, scopes=frozenset(token.scopes))


def _error_result(error: CoreError) -> CallToolResult:
    body = error.body()
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(body))], structured_content=body, is_error=True
    )


def _ok_result(result: BaseModel) -> CallToolResult:
    data = result.model_dump(mode="json")
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(data))], structured_content=data)


class CompanyMCPServer(MCPServer):
    """``MCPServer`` whose tools come from ``ToolSpec`` s and run through the guard pipeline.

    ``list_tools`` and ``call_tool`` are the SDK's public extension points; overriding them
    keeps the SDK's transports, auth and protocol handling while core owns validation
    (unknown arguments are errors), per-caller tool lists and structured errors.
    """

    def __init__(
        self,
        specs: tuple[ToolSpec, ...],
        pipeline: Next,
        telemetry: CallTelemetry,
        resolve_principal: Callable[[], Principal | None],
        ports: Ports,
        *,
        protocol_audit: AuditTrail | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.specs = {spec.name: spec for spec in specs}
        self.ports = ports
        self._protocol_audit = protocol_audit
        self._pipeline = pipeline
        self._telemetry = telemetry
        self._resolve_principal = resolve_principal
        self._tools = {spec.name: spec.to_mcp_tool() for spec in specs}

    async def run_stdio_async(self) -> None:
        """stdio, with write calls the SDK refuses before any tool runs audited (``core.guards.stdio_audit``)."""
        principal = self._resolve_principal()
        if self._protocol_audit is None or principal is None:
            await super().run_stdio_async()
            return
        async with stdio_server() as (read_stream, write_stream):
            options = self._lowlevel_server.create_initialization_options()

            async def run(read: Any, write: Any) -> None:
                await self._lowlevel_server.run(read, write, options)

            write_tools = {name for name, spec in self.specs.items() if spec.mutates}
            await audited_stdio(
                run, read_stream, write_stream, audit=self._protocol_audit, principal=principal, write_tools=write_tools
            )

    async def list_tools(self) -> list[Tool]:
        """Only the tools the caller's scopes allow (all of them for the local user)."""
        principal = self._resolve_principal()
        if principal is None:
            return []
        return [self._tools[name] for name, spec in self.specs.items() if spec.scope in principal.scopes]

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        tool = self._tools.get(name)
        return None if tool is None else tool.input_schema

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult:
        spec = self.specs.get(name)
        if spec is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        principal = self._resolve_principal()
        started = time.perf_counter()
        call = ToolCall(
            spec=spec,
            raw_args=dict(arguments),
            principal=principal or Principal("none", "anonymous"),
            request_id=uuid.uuid4().hex,
        )
        error_type: str | None = None
        try:
            if principal is None:  # the HTTP layer authenticates first; this is a second line of defence
                raise _Unauthenticated()
            result = _ok_result(await self._pipeline(call))
        except CoreError as error:
            error_type = error.type
            result = _error_result(error)
        except Exception:
            log.exception("unexpected error in tool %s", name, extra={"request_id": call.request_id})
            error_type = "backend_error"
            result = _error_result(CoreError("The server failed to complete this call. It has been logged."))
        self._telemetry.emit(
            CallRecord(
                tool=name,
                principal=call.principal.id,
                request_id=call.request_id,
                duration_ms=(time.perf_counter() - started) * 1000,
                outcome="error" if error_type else "ok",
                error_type=error_type,
                result_count=call.result_count if not error_type else None,
                capped=call.capped,
            )
        )
        return result


class _Unauthenticated(CoreError):
    type = "unauthorized"

    def __init__(self) -> None:
        super().__init__("No verified caller: send a valid bearer token.")


def _run_handler(backend: Backend, cursors: CursorCodec, interpreter: PromptInterpreter | None) -> Next:
    prompt_interpreter = interpreter or RulesInterpreter()

    async def run(call: ToolCall) -> BaseModel:
        ctx = ToolContext(
            tool=call.spec.name,
            principal=call.principal,
            backend=backend,
            cursors=cursors,
            limit=call.limit or 20,
            quota=call.quota,
            prompt_interpreter=prompt_interpreter,
        )
        return await call.spec.handler(call.args, ctx)

    return run


def build_pipeline(
    settings: Settings,
    ports: Ports,
    cursors: CursorCodec,
    audit_key: AuditKey,
    prompt_interpreter: PromptInterpreter | None = None,
) -> tuple[Next, RateLimitGuard]:
    """Order, outside in: audit refusals -> deadline -> scopes -> validation -> mutation gate -> rate limit
    -> audit attempt/outcome -> result cap -> handler.

    The deadline covers the whole guarded call (flag reads, the rate-limit store, the audit append and
    the tool); only the refusal record of a call past its deadline is written after it, bounded on its own.
    """
    audit = AuditTrail(ports.audit, audit_key)
    rate_limits = RateLimitGuard(ports.rate_limiter, settings.rate_limit_rules())
    guards: list[Guard] = [
        audit.audit_refusals,
        Deadline(settings.call_timeout_s),
        require_scope,
        validate_arguments,
        MutationGate(ports.flags, allow_mutations=settings.allow_mutations),
        rate_limits,
        audit.audit_attempt,
        cap_results,
    ]
    return compose(guards, _run_handler(ports.backend, cursors, prompt_interpreter)), rate_limits


def build_server(
    settings: Settings,
    ports: Ports,
    *,
    cursor_secret: bytes,
    audit_key: AuditKey,
    resolve_principal: Callable[[], Principal | None],
    specs: tuple[ToolSpec, ...] | None = None,
    prompt_interpreter: PromptInterpreter | None = None,
    **sdk_kwargs: Any,
) -> CompanyMCPServer:
    specs = specs if specs is not None else all_tools()
    pipeline, _ = build_pipeline(settings, ports, CursorCodec(cursor_secret), audit_key, prompt_interpreter)
    return CompanyMCPServer(
        specs,
        pipeline,
        CallTelemetry(ports.metrics),
        resolve_principal,
        ports,
        protocol_audit=AuditTrail(ports.audit, audit_key),
        name="company-mcp",
        title="Company data platform",
        version=_version(),
        instructions=INSTRUCTIONS,
        log_level="WARNING",
        **sdk_kwargs,
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("company-mcp")
    except PackageNotFoundError:
        return "0.0.0"
