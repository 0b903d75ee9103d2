"""The door in front of ``/graphql``: cap the body, then verify the calling service (pure ASGI).

Order: a declared ``Content-Length`` over the cap is refused at once (413); the body is read
up to the cap (413 beyond it, also for chunked bodies); then ``ServiceAuth.verify`` sees the
peer address, headers and body (401 on failure). Only then is the body replayed to the
GraphQL app, so no resolver runs for an unverified caller.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from companydata.api.identity import ServiceAuth, ServiceRequest

MAX_BODY_BYTES = 256 * 1024


class ServiceGate:
    def __init__(self, app: ASGIApp, service_auth: ServiceAuth, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.service_auth = service_auth
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        too_large = declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes)
        body = None if too_large else await self._read_body(receive)
        if body is None:
            message = f"The request body is limited to {self.max_body_bytes} bytes."
            await _refuse(send, 413, "PAYLOAD_TOO_LARGE", message)
            return
        client = scope.get("client")
        request = ServiceRequest(client_host=client[0] if client else None, headers=headers, body=body)
        if not await self.service_auth.verify(request):
            await _refuse(send, 401, "UNAUTHENTICATED", "The calling service could not be verified.")
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then wait for the disconnect, as the server would report it

    return replay


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    # GraphQL-shaped, so a client that only reads "errors" still learns why; the status is the signal.
    payload = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
