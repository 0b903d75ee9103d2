"""The door in front of ``/graphql``: check Host and Origin, cap the body, verify the calling service (pure ASGI).

Order: a ``Host`` that is not loopback, the bind address or a configured public host is
refused (421), a foreign ``Origin`` too (403), with the same rules as ``/mcp`` (``core.hosts``, DNS
rebinding); a declared ``Content-Length`` over the cap is refused at once (413); the body is
read up to the cap (413 beyond it, also for chunked bodies); then ``ServiceAuth.verify`` sees
the peer address, request line, headers and body (401 on failure). Only then is the body
replayed to the GraphQL app, so no resolver runs for an unverified caller.

``unsigned_loopback_reads`` (off unless asked for, e.g. for a generic GraphQL client in a
benchmark) admits an unsigned request from a loopback peer that carries no principal and no
signature headers; the app is told (``SERVICE_VERIFIED`` false in the scope) and refuses any
mutation in it, so such a caller reads the public company data and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from companydata.api.identity import PRINCIPAL_HEADER, ServiceAuth, ServiceRequest
from core.hosts import LOOPBACK_ORIGINS, allowed_hosts_for, host_refusal
from core.loopback import is_loopback
from core.service_signature import SIGNED_HEADERS

MAX_BODY_BYTES = 256 * 1024
SERVICE_VERIFIED = "company_api.service_verified"  # scope key: True only when ServiceAuth verified the caller
_HOST_CODES = {421: "MISDIRECTED_REQUEST", 403: "FORBIDDEN"}


@dataclass(frozen=True, slots=True)
class HostRules:
    """The ``Host`` and ``Origin`` values ``/graphql`` answers."""

    hosts: tuple[str, ...]
    origins: tuple[str, ...]

    def refusal(self, headers: Headers) -> int | None:
        return host_refusal(headers.get("host"), headers.get("origin"), hosts=self.hosts, origins=self.origins)


_HOST_MESSAGES = {421: "Invalid Host header", 403: "Invalid Origin header"}


def host_rules(bind_host: str, public_hosts: tuple[str, ...] = ()) -> HostRules:
    """Loopback, the bind address and ``public_hosts`` (``host[:port]``) as Host; loopback origins and the public
    hosts' https origins as Origin (a service caller sends none)."""
    origins = (*LOOPBACK_ORIGINS, *(f"https://{host}" for host in public_hosts))
    return HostRules(tuple(allowed_hosts_for(bind_host, public_hosts)), origins)


class ServiceGate:
    def __init__(
        self,
        app: ASGIApp,
        service_auth: ServiceAuth,
        *,
        hosts: HostRules,
        max_body_bytes: int = MAX_BODY_BYTES,
        unsigned_loopback_reads: bool = False,
    ) -> None:
        self.app = app
        self.service_auth = service_auth
        self.hosts = hosts
        self.max_body_bytes = max_body_bytes
        self.unsigned_loopback_reads = unsigned_loopback_reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        status = self.hosts.refusal(headers)
        if status is not None:  # 421 a foreign Host, 403 a foreign Origin, in our error shape
            await _refuse(send, status, _HOST_CODES[status], _HOST_MESSAGES[status])
            return
        declared = headers.get("content-length")
        too_large = declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes)
        body = None if too_large else await self._read_body(receive)
        if body is None:
            message = f"The request body is limited to {self.max_body_bytes} bytes."
            await _refuse(send, 413, "PAYLOAD_TOO_LARGE", message)
            return
        client = scope.get("client")
        request = ServiceRequest(
            client_host=client[0] if client else None,
            method=scope["method"],
            target=_target(scope),
            headers=headers,
            body=body,
        )
        verified = await self.service_auth.verify(request)
        if not verified and not self._anonymous_read(request):
            await _refuse(send, 401, "UNAUTHENTICATED", "The calling service could not be verified.")
            return
        await self.app({**scope, SERVICE_VERIFIED: verified}, _replay(body, receive), send)

    def _anonymous_read(self, request: ServiceRequest) -> bool:
        if not self.unsigned_loopback_reads or not is_loopback(request.client_host):
            return False
        # A request that tried to sign, or to act for a user, is judged by its signature alone.
        return not any(name in request.headers for name in (*SIGNED_HEADERS, PRINCIPAL_HEADER))

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


def _target(scope: Scope) -> str:
    """The request target as sent (raw path and query), which is what the caller signed."""
    raw = scope.get("raw_path")
    # Some ASGI servers put the query in raw_path too (httpx's ASGITransport): keep only the path part.
    path = raw.decode("latin-1").partition("?")[0] if isinstance(raw, bytes) else scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


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
