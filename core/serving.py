"""How core's ASGI app is served under uvicorn, the same for ``company-mcp serve`` and the container hosts.

Unauthenticated slow clients (issue 12, point 9): uvicorn closes idle keep-alive connections
(``timeout_keep_alive``) but has no deadline for a request's headers, so a client sending them a
line at a time holds a connection open for ever. The protocol classes here add one: a connection
whose request headers are not complete ``header_timeout_s`` after it opened (or after its previous
response) is closed. uvicorn's ``limit_concurrency`` bounds connections and tasks per process
(answering 503 beyond it). Written here because uvicorn offers no such setting; the hook is the
two protocol callbacks every uvicorn HTTP protocol has (``connection_made``, ``on_response_complete``)
and its ``cycle`` attribute, which a new request's complete headers replace.
"""

from __future__ import annotations

import asyncio
from typing import Any

from core.config import Settings


def _with_header_deadline(base: type[Any], header_timeout_s: float) -> type[asyncio.Protocol]:
    class HeaderDeadline(base):  # type: ignore[misc, valid-type]
        _header_timer: asyncio.TimerHandle | None = None
        _waiting_on: object = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()  # a keep-alive connection's next request gets the same deadline

        def connection_lost(self, exc: Exception | None) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._waiting_on = self.cycle
            self._header_timer = self.loop.call_later(header_timeout_s, self._headers_due)

        def _headers_due(self) -> None:
            self._header_timer = None
            if self.cycle is self._waiting_on and not self.transport.is_closing():
                self.transport.close()  # no complete request headers in time: a slow client, or none at all

    HeaderDeadline.__name__ = f"HeaderDeadline{base.__name__}"
    return HeaderDeadline


def http_protocol(header_timeout_s: float) -> type[asyncio.Protocol]:
    """uvicorn's fastest available HTTP protocol (httptools with the ``serve`` extra, else h11), with the deadline."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return _with_header_deadline(HttpToolsProtocol, header_timeout_s)
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return _with_header_deadline(H11Protocol, header_timeout_s)


def event_loop() -> str:
    """uvloop with the ``serve`` extra, else asyncio (the core install serves too, a little slower)."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn ``Config`` arguments every host uses for the MCP server."""
    return {
        "loop": event_loop(),
        "http": http_protocol(settings.header_timeout_s),
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": int(settings.call_timeout_s) + 5,  # SIGTERM drains calls in flight
        "lifespan": "on",
        "log_config": None,
        "access_log": False,
        "server_header": False,
    }
