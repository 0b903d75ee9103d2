"""A stand-in company API for the GraphQL adapter's tests, over real sockets on 127.0.0.1.

``FaultServer`` is a raw ASGI app under uvicorn in a background thread. By default
it answers each operation (by ``operationName``) with a small valid result; tests
queue other answers with ``script``: any status and body, a slow answer (it ends
early if the client hangs up), or a response cut off mid-body (the connection is
closed after the headers and part of the body). It records every request it saw
(method, path, headers, body) and the highest number of requests in flight.
``RstServer`` resets every connection (TCP RST) as soon as a request arrives.
``serve_in_thread`` runs any ASGI app the same way (the SigV4 tests use it).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import anyio
import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SUMMARY = {
    "id": "c_1",
    "name": "Acme Analytics",
    "domain": "acme.example",
    "industry": "software",
    "country": "DE",
    "city": "Berlin",
    "employee_count": 120,
    "founded_year": 2001,
}
COMPANY = {
    **SUMMARY,
    "description": "Analytics for B2B teams.",
    "website": "https://acme.example",
    "tags": ["analytics", "b2b"],
    "updated_at": "2026-01-01T00:00:00Z",
}
COLLECTION = {"id": "col_1", "name": "Mine", "description": None, "size": 1, "created_at": "2026-01-01T00:00:00Z"}
DISCOVERY = {
    "request_id": "req_1",
    "company_id": "c_1",
    "roles": ["sales"],
    "status": "completed",
    "requested_at": "2026-01-01T00:00:00Z",
    "completed_at": "2026-01-01T00:00:03Z",
    "results": [{"email": "sales@acme.example", "role": "sales", "confidence": 0.9, "synthetic": True}],
}
CANNED: dict[str, dict[str, Any]] = {
    "SearchCompanies": {"search_companies": {"items": [SUMMARY], "next_cursor": "o20"}},
    "GetCompany": {"get_company": COMPANY},
    "ListCollections": {"list_collections": {"items": [COLLECTION], "next_cursor": None}},
    "GetCollection": {"get_collection": {"collection": COLLECTION, "items": [SUMMARY], "next_cursor": "o1"}},
    "GetEmailDiscovery": {"get_email_discovery": DISCOVERY},
    "CreateCollection": {"create_collection": {"collection": COLLECTION, "created": True}},
    "AddToCollection": {
        "add_to_collection": {"collection_id": "col_1", "added": ["c_2"], "already_present": ["c_1"], "size": 2}
    },
    "RequestEmailDiscovery": {"request_email_discovery": {"request_id": "req_1", "status": "pending", "created": True}},
}


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    delay_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Cut:
    """Send the headers (promising ``length`` bytes) and ``partial``, then close the connection."""

    partial: bytes = b'{"data": {"search_'
    length: int = 4096


Reply = Answer | Cut
BUSY_503 = Answer(b"<html>busy</html>", status=503, content_type="text/html")


def json_answer(document: Any, status: int = 200, delay_s: float = 0.0) -> Answer:
    return Answer(json.dumps(document).encode(), status=status, delay_s=delay_s)


def graphql_error(code: str, message: str = "message", **extensions: Any) -> Answer:
    return json_answer({"data": None, "errors": [{"message": message, "extensions": {"code": code, **extensions}}]})


@dataclass(frozen=True, slots=True)
class Seen:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name.lower()]
        return values[0] if values else None

    @property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def operation(self) -> str:
        return str(self.document.get("operationName"))


def canned(seen: Seen) -> Answer:
    """A valid answer for each operation.

    ``CompaniesExist`` knows the ids starting with ``c_`` and, like graphql-core, reports only the first
    unknown one (its error nulls ``data`` and the rest of the fields are abandoned).
    """
    operation = seen.operation
    if operation == "CompaniesExist":
        variables = seen.document["variables"]
        unknown = [name for name, value in variables.items() if not value.startswith("c_")]
        if unknown:
            error = {"message": "No such company.", "path": ["c" + unknown[0][2:]], "extensions": {"code": "NOT_FOUND"}}
            return json_answer({"data": None, "errors": [error]})
        return json_answer({"data": {"c" + name[2:]: {"id": value} for name, value in variables.items()}})
    if operation in CANNED:
        return json_answer({"data": CANNED[operation]})
    return json_answer({"data": None, "errors": [{"message": "unknown", "extensions": {"code": "VALIDATION"}}]})


class FaultServer:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.default_delay_s = 0.0
        self._script: deque[Reply] = deque()
        self._runner: ThreadedASGI | None = None

    @property
    def url(self) -> str:
        assert self._runner is not None
        return self._runner.url + "/graphql"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order; then back to the canned answers."""
        self._script.extend(replies)

    def operations(self) -> list[str]:
        return [s.operation for s in self.seen]

    def reset(self) -> None:
        self.seen.clear()
        self._script.clear()
        self.max_in_flight = 0
        self.default_delay_s = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        seen = Seen(scope["method"], scope["path"], headers, body)
        self.seen.append(seen)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            reply = self._script.popleft() if self._script else canned(seen)
            delay = reply.delay_s if isinstance(reply, Answer) else 0.0
            delay = delay or self.default_delay_s
            if delay and await _client_left_within(receive, delay):
                return
            if isinstance(reply, Cut):
                await _start(send, 200, "application/json", reply.length)
                await send({"type": "http.response.body", "body": reply.partial, "more_body": True})
                return  # uvicorn closes the connection: the response was never completed
            await _start(send, reply.status, reply.content_type, len(reply.body))
            await send({"type": "http.response.body", "body": reply.body})
        finally:
            self.in_flight -= 1


async def _start(send: Send, status: int, content_type: str, length: int) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _client_left_within(receive: Receive, seconds: float) -> bool:
    """Wait ``seconds``, or less if the client hangs up first (then True)."""
    with anyio.move_on_after(seconds):
        while True:
            if (await receive())["type"] == "http.disconnect":
                return True
    return False


class ThreadedASGI:
    """uvicorn on a free 127.0.0.1 port, in a daemon thread, with its own event loop."""

    def __init__(self, app: ASGIApp, *, lifespan: str = "off") -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, lifespan=lifespan, timeout_graceful_shutdown=1, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert time.monotonic() < deadline, "stand-in server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()


@contextmanager
def serve_in_thread(app: ASGIApp, *, lifespan: str = "off") -> Iterator[ThreadedASGI]:
    runner = ThreadedASGI(app, lifespan=lifespan)
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


@contextmanager
def running(server: FaultServer) -> Iterator[FaultServer]:
    with serve_in_thread(server) as runner:
        server._runner = runner
        yield server


class RstServer:
    """Accepts connections, reads the request, and answers with a TCP reset."""

    def __init__(self) -> None:
        self.connections = 0
        self._sock = socket.socket()
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/graphql"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.settimeout(2)
            with suppress(OSError):
                conn.recv(65536)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    @contextmanager
    def running(self) -> Iterator[RstServer]:
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(5)
            self._sock.close()


def refused_url() -> str:
    """A loopback URL nobody listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"
