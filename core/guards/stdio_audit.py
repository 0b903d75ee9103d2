"""Audit of write calls the SDK refuses before any tool runs, on stdio (HTTP has ``protocol_audit``).

On stdio the SDK answers a malformed ``tools/call`` (``arguments`` a string or a list, a bad ``_meta``) with
a JSON-RPC error and core's ``call_tool`` never runs. ``audited_stdio`` relays the server's two streams:
it notes each ``tools/call`` request that names a write tool (by its JSON-RPC id), and when the answer to
that id is a JSON-RPC *error* (core's pipeline answers tool calls with results, errors included, never
with JSON-RPC errors) it appends one ``blocked`` record with reason ``protocol_rejected`` before the answer
goes out. Uses only the public stream interface (the SDK reads ``last_context`` with a default).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

import anyio
from anyio.abc import ObjectReceiveStream, ObjectSendStream
from mcp.shared.message import SessionMessage
from mcp.types import JSONRPCError, JSONRPCRequest, JSONRPCResponse

from core.guards.audit import AuditTrail
from core.model import Principal

Run = Callable[[Any, Any], Awaitable[None]]


async def audited_stdio(
    run: Run,
    read_stream: ObjectReceiveStream[SessionMessage | Exception],
    write_stream: ObjectSendStream[SessionMessage],
    *,
    audit: AuditTrail,
    principal: Principal,
    write_tools: Collection[str],
) -> None:
    """``run(read, write)`` (the SDK server) between ``read_stream`` and ``write_stream``, auditing refusals."""
    inbound_send, inbound = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    outbound, outbound_receive = anyio.create_memory_object_stream[SessionMessage](0)
    pending: dict[Any, tuple[str, object]] = {}
    reading = anyio.CancelScope()

    async def relay_in() -> None:
        with reading, inbound_send:
            async for item in read_stream:
                message = item.message if isinstance(item, SessionMessage) else None
                if isinstance(message, JSONRPCRequest) and message.method == "tools/call":
                    params = message.params if isinstance(message.params, dict) else {}
                    name = params.get("name")
                    if isinstance(name, str) and name in write_tools:
                        pending[message.id] = (name, params.get("arguments"))
                await inbound_send.send(item)

    async def relay_out() -> None:
        # Ends once the server has closed its side and every answer is out; then stdout's writer may end too.
        async with outbound_receive, write_stream:
            async for item in outbound_receive:
                message = item.message
                if isinstance(message, JSONRPCError | JSONRPCResponse):
                    noted = pending.pop(message.id, None)
                    if noted is not None and isinstance(message, JSONRPCError):
                        await audit.record_protocol_rejection(principal, *noted)
                await write_stream.send(item)

    async with anyio.create_task_group() as group:
        group.start_soon(relay_in)
        group.start_soon(relay_out)
        async with outbound:
            await run(inbound, outbound)
        reading.cancel()  # the server is done: stop reading stdin (relay_out drains what it answered)
