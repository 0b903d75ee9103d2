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

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from core.config import Settings

DEFAULT_HEADER_TIMEOUT_S = 10.0


class _HeaderDeadline:
    """Mixed into a uvicorn HTTP protocol. The deadline rides on uvicorn's ``Config`` (``header_timeout_s``),
    which worker processes receive pickled; the classes are module-level so that they pickle by name."""

    _header_timer: asyncio.TimerHandle | None = None
    _waiting_on: object = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._arm()  # a keep-alive connection's next request gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm(self) -> None:
        this: Any = self
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._waiting_on = this.cycle
        timeout = getattr(this.config, "header_timeout_s", DEFAULT_HEADER_TIMEOUT_S)
        self._header_timer = this.loop.call_later(timeout, self._headers_due)

    def _headers_due(self) -> None:
        this: Any = self
        self._header_timer = None
        if this.cycle is self._waiting_on and not this.transport.is_closing():
            this.transport.close()  # no complete request headers in time: a slow client, or none at all


class HeaderDeadlineH11(_HeaderDeadline, H11Protocol):
    pass


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HeaderDeadlineHttpTools(_HeaderDeadline, HttpToolsProtocol):
        pass

    FASTEST_PROTOCOL: type[asyncio.Protocol] = HeaderDeadlineHttpTools
except ImportError:  # without the ``serve`` extra: uvicorn's pure-Python h11
    FASTEST_PROTOCOL = HeaderDeadlineH11


def event_loop() -> str:
    """uvloop with the ``serve`` extra, else asyncio (the core install serves too, a little slower)."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def uvicorn_config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """The uvicorn ``Config`` every host uses for the MCP server (``options`` add or override, e.g. workers)."""
    config = uvicorn.Config(app, **{**_options(settings), **options})
    config.header_timeout_s = settings.header_timeout_s  # type: ignore[attr-defined]  # read by the protocols
    return config


def _options(settings: Settings) -> dict[str, Any]:
    return {
        "loop": event_loop(),
        "http": FASTEST_PROTOCOL,
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": int(settings.call_timeout_s) + 5,  # SIGTERM drains calls in flight
        "lifespan": "on",
        "log_config": None,
        "access_log": False,
        "server_header": False,
    }
