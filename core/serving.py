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
import contextlib
import signal
import socket
import threading
from collections.abc import Iterator
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


DEFAULT_MAX_CONNECTIONS = 1000


def serving_config(
    app: Any,
    *,
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    graceful_shutdown_s: int = 15,
    **options: Any,
) -> uvicorn.Config:
    """A uvicorn ``Config`` with the header deadline and the connection bound (``options`` add or override)."""
    defaults: dict[str, Any] = {
        "loop": event_loop(),
        "http": FASTEST_PROTOCOL,
        "limit_concurrency": max_connections,
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": graceful_shutdown_s,  # SIGTERM drains calls in flight
        "lifespan": "on",
        "log_config": None,
        "access_log": False,
        "server_header": False,
    }
    config = uvicorn.Config(app, **{**defaults, **options})
    config.header_timeout_s = header_timeout_s  # type: ignore[attr-defined]  # read by the protocols
    return config


def uvicorn_config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """The MCP server's uvicorn ``Config``, from its settings (every host: CLI, Cloud Run)."""
    return serving_config(
        app,
        header_timeout_s=settings.header_timeout_s,
        max_connections=settings.max_connections,
        graceful_shutdown_s=int(settings.call_timeout_s) + 5,
        **options,
    )


def bind_socket(host: str, port: int) -> socket.socket:
    """The listening socket, bound before uvicorn starts (port 0 picks a free one; workers inherit it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class DrainingServer(uvicorn.Server):
    """uvicorn's server, ending with status 0 after a SIGTERM drain (an orchestrator's stop is a normal end).

    uvicorn closes its listening socket first, answers what was accepted, then re-raises the signal it
    caught, so a clean drain would exit 143. SIGINT keeps that meaning (130); SIGTERM does not.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)
        if signal.SIGINT in self._captured_signals:
            signal.raise_signal(signal.SIGINT)
