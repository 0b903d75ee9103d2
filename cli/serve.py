"""``company-mcp serve``: stdio, or streamable HTTP under uvicorn (one or several processes)."""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time

import anyio
import uvicorn
from uvicorn.supervisors import Multiprocess

from adapters.bootstrap import build_runtime
from adapters.fake.main import ensure_default_store
from cli.options import export_to_environment, overrides, settings_from
from core.app import create_server
from core.catalog import TOOL_NAMES
from core.config import Settings
from core.serving import DrainingServer, bind_socket, uvicorn_config
from core.telemetry import configure_logging


def ready_line(settings: Settings, url: str | None) -> str:
    parts = [
        "company-mcp ready",
        f"adapter={settings.adapter}",
        f"auth={settings.effective_auth}",
        f"mutations={str(settings.allow_mutations).lower()}",
        f"tools={len(TOOL_NAMES)}",
        f"transport={settings.transport}",
    ]
    if url:
        parts.append(f"url={url}")
        if settings.public_url != url:
            parts.append(f"resource={settings.public_url}")
    return " ".join(parts)


def _announce_when_healthy(settings: Settings, timeout_s: float = 120.0) -> None:
    """Print the startup line once the server answers /healthz, so "ready" means ready (workers included)."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host.strip("[]")
    host = "::1" if host == "::" else host
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, settings.port), timeout=1) as conn:
                conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if conn.recv(64).startswith(b"HTTP/1.1 200"):
                    print(ready_line(settings, settings.bind_url), file=sys.stderr, flush=True)
                    return
        except OSError:
            pass
        time.sleep(0.02)
    print("company-mcp: error: the server did not become healthy", file=sys.stderr, flush=True)


def serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    settings.check()
    configure_logging(settings.log_format)
    if settings.adapter == "fake":  # once, before any worker starts
        ensure_default_store(settings)
    if settings.transport == "stdio":
        return _serve_stdio(settings)
    return _serve_http(settings, args)


def _serve_stdio(settings: Settings) -> int:
    runtime = build_runtime(settings)
    server = create_server(settings, runtime)
    configure_logging(settings.log_format)  # the SDK configures logging when built; ours wins
    print(ready_line(settings, None), file=sys.stderr, flush=True)

    async def run() -> None:
        async with runtime:
            await server.run_stdio_async()

    anyio.run(run)
    return 0


def _serve_http(settings: Settings, args: argparse.Namespace) -> int:
    sock = bind_socket(settings.host, settings.port)
    settings = settings.model_copy(update={"port": sock.getsockname()[1]})
    config = uvicorn_config("adapters.bootstrap:create_http_app", settings, factory=True, workers=settings.workers)
    export_to_environment(settings, {**overrides(args), "port": settings.port})
    threading.Thread(target=_announce_when_healthy, args=(settings,), daemon=True).start()
    if settings.workers == 1:
        DrainingServer(config).run(sockets=[sock])
    else:
        draining_supervisor(config, sock).run()
    return 0


def draining_supervisor(config: uvicorn.Config, sock: socket.socket) -> Multiprocess:
    """uvicorn's process supervisor, closing its own copy of the listening socket when told to stop.

    Every worker closes its copy as it starts draining, but the parent holds one too: while it is open the
    kernel keeps queueing connections that nobody will accept, and resets them at exit. Closing it first
    makes new connections fail fast (refused) once the workers have closed theirs, while the workers answer
    what they had accepted.
    """

    class _Draining(Multiprocess):
        def _stop_accepting(self) -> None:
            for listening in self.sockets:
                listening.close()

        def handle_term(self) -> None:
            self._stop_accepting()
            super().handle_term()

        def handle_int(self) -> None:
            self._stop_accepting()
            super().handle_int()

    return _Draining(config, sockets=[sock])
