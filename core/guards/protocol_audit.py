"""Audit of write calls the SDK refuses before any tool runs (design.md section 3, revised).

A ``tools/call`` whose ``arguments`` is a string or a list, whose ``_meta`` is malformed, or whose
``Mcp-Name`` header disagrees with its body is answered by the SDK with a protocol error: core's
``call_tool`` never runs, so the audit guards never see it. ``ProtocolAudit`` is a pure-ASGI middleware
in front of ``/mcp``, inside authentication. For a caller with a principal it reads the request body
(at most the body cap; the SDK buffers the body whole anyway) and replays it to the app, notes each
``tools/call`` that names a write tool (``params.name``, or the ``Mcp-Name`` header), and before the
response ends appends one ``blocked`` record (reason ``protocol_rejected``) for each such call that did
not enter the pipeline. Requests without a principal leave no record (there is nobody to audit), and
neither does a body over the cap (the SDK refuses it with 413 before reading it as JSON-RPC).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import anyio
from mcp.shared.inbound import MCP_METHOD_HEADER, MCP_NAME_HEADER, decode_header_value
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings
from core.guards.audit import AuditTrail, calls_reaching_the_pipeline
from core.model import Principal
from core.runtime import Runtime
from core.tools.spec import ToolSpec

_RECORD_TIMEOUT_S = 5.0  # bound on writing the records once the response is on its way


@dataclass(frozen=True, slots=True)
class WriteAttempt:
    tool: str  # the write tool named, for the record
    dispatched_as: str | None  # the name the server dispatches on (the body's), if any
    arguments: object


def write_attempts(body: bytes | None, headers: Headers, write_tools: Collection[str]) -> list[WriteAttempt]:
    """Every ``tools/call`` in ``body`` (one message or a batch) that names a write tool, in the body or header."""
    try:
        payload = json.loads(body) if body else None
    except (ValueError, RecursionError):
        payload = None
    messages = payload if isinstance(payload, list) else [payload]
    header_name = decode_header_value(headers.get(MCP_NAME_HEADER))
    header_write = header_name if header_name in write_tools else None
    attempts: list[WriteAttempt] = []
    for message in messages:
        if not isinstance(message, dict) or message.get("method") != "tools/call":
            continue
        params = message.get("params")
        params = params if isinstance(params, dict) else {}
        name = params.get("name")
        dispatched = name if isinstance(name, str) else None
        tool = dispatched if dispatched in write_tools else header_write
        if tool is not None:
            attempts.append(WriteAttempt(tool, dispatched, params.get("arguments")))
    if not attempts and header_write is not None and headers.get(MCP_METHOD_HEADER) == "tools/call":
        attempts.append(WriteAttempt(header_write, None, None))  # the headers announce a write the body lacks
    return attempts


def unreached(attempts: list[WriteAttempt], entered: list[str]) -> list[WriteAttempt]:
    """The attempts none of the pipeline's entries account for (each entry accounts for one attempt)."""
    left = list(entered)
    missing: list[WriteAttempt] = []
    for attempt in attempts:
        if attempt.dispatched_as is not None and attempt.dispatched_as in left:
            left.remove(attempt.dispatched_as)
        else:
            missing.append(attempt)
    return missing


class ProtocolAudit:
    """``audit`` writes to the deployment's AuditSink; ``resolve_principal`` is the server's own (it reads
    the verified token that the authentication middleware around this one put in context)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        audit: AuditTrail,
        write_tools: Collection[str],
        resolve_principal: Callable[[], Principal | None],
        max_body_bytes: int,
        paths: Collection[str] = frozenset({"/mcp"}),
    ) -> None:
        self.app = app
        self._audit = audit
        self._write_tools = frozenset(write_tools)
        self._resolve_principal = resolve_principal
        self._max_body_bytes = max_body_bytes
        self._paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") not in self._paths:
            await self.app(scope, receive, send)
            return
        principal = self._resolve_principal()
        if principal is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        body, replay = await self._read_body(headers, receive)
        attempts = write_attempts(body, headers, self._write_tools)
        if not attempts:
            await self.app(scope, replay, send)
            return
        with calls_reaching_the_pipeline() as entered:
            recorded = False

            async def record_unreached() -> None:
                nonlocal recorded
                if recorded:
                    return
                recorded = True
                for attempt in unreached(attempts, entered):
                    await self._audit.record_protocol_rejection(principal, attempt.tool, attempt.arguments)

            async def send_after_recording(message: Message) -> None:
                # Record before the client has its answer (no race with whoever reads the log next): at the
                # start of a plain response (the call is over by then), at the end of an event stream.
                if message["type"] == "http.response.start":
                    if not _is_event_stream(message):
                        await record_unreached()
                elif not message.get("more_body", False):
                    await record_unreached()
                await send(message)

            try:
                await self.app(scope, replay, send_after_recording)
            finally:
                with anyio.CancelScope(shield=True), anyio.move_on_after(_RECORD_TIMEOUT_S):
                    await record_unreached()

    async def _read_body(self, headers: Headers, receive: Receive) -> tuple[bytes | None, Receive]:
        """The whole body if it fits the cap (else ``None``), and a ``receive`` that replays what was read."""
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_body_bytes:
            return None, receive
        read: deque[Message] = deque()
        body = bytearray()
        fits = True
        while True:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if len(body) > self._max_body_bytes:
                fits = False
                break
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return read.popleft() if read else await receive()

        return (bytes(body) if fits else None), replay


def _is_event_stream(start: Message) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/event-stream")
        for name, value in start.get("headers", [])
    )


def protocol_audit_middleware(
    settings: Settings,
    runtime: Runtime,
    specs: Iterable[ToolSpec],
    resolve_principal: Callable[[], Principal | None],
) -> Middleware:
    """``ProtocolAudit`` for a served app: list it after the bearer gate, so that it runs inside authentication."""
    return Middleware(
        ProtocolAudit,
        audit=AuditTrail(runtime.ports.audit, runtime.audit_key),
        write_tools=frozenset(spec.name for spec in specs if spec.mutates),
        resolve_principal=resolve_principal,
        max_body_bytes=settings.max_body_bytes,
    )
