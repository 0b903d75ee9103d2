"""Assembles a served process from Settings: adapter runtime -> core server -> transport."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from core.config import Settings
from core.errors import ConfigError
from core.http import TrimMcpHeaderWhitespace, build_http_app
from core.model import Principal
from core.runtime import Runtime
from core.server import CompanyMCPServer, build_server, principal_from_token


def load_runtime(settings: Settings) -> Runtime:
    """Pick the adapter; each import happens only when chosen, so no cloud SDK loads for the fake one."""
    if settings.adapter == "fake":
        from adapters.fake.main import build_fake_runtime

        return build_fake_runtime(settings)
    raise ConfigError(f"adapter {settings.adapter!r} is not available in this build yet; use --adapter fake")


def principal_resolver(settings: Settings, runtime: Runtime) -> Callable[[], Principal | None]:
    """Who is calling: the local user where no token is required, else the verified token's principal."""
    if settings.transport == "stdio" or settings.effective_auth == "none":
        local = runtime.local_principal
        return lambda: local
    return principal_from_token


def create_server(settings: Settings, runtime: Runtime) -> CompanyMCPServer:
    resolve = principal_resolver(settings, runtime)
    return build_server(settings, runtime.ports, cursor_secret=runtime.cursor_secret, resolve_principal=resolve)


def create_http_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Starlette:
    """The ASGI app of one server process (uvicorn calls this factory in each worker)."""
    settings = settings or Settings()
    runtime = runtime or load_runtime(settings)
    server = create_server(settings, runtime)
    inner = build_http_app(server, settings, readiness=runtime.readiness, metrics_text=runtime.metrics_text)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with server.session_manager.run():
            # Start-up objects live for the whole process: keep them out of the collector's way (p99).
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                if runtime.close is not None:
                    await runtime.close()

    return Starlette(
        routes=[Mount("/", app=inner)], lifespan=lifespan, middleware=[Middleware(TrimMcpHeaderWhitespace)]
    )
