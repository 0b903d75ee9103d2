"""From a Runtime to a served process: the MCP server, and the ASGI app every HTTP host runs.

The composition root (``adapters.bootstrap``) builds the Runtime; this module turns it into the
SDK server (``create_server``) and the ASGI app (``create_asgi_app``) that uvicorn, Lambda,
Azure Functions and Cloud Run serve alike. Nothing here knows which adapter is behind the ports.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from core.auth.resource_server import BearerGate, metadata_routes
from core.config import Settings
from core.errors import ConfigError
from core.guards.protocol_audit import protocol_audit_middleware
from core.http import TrimMcpHeaderWhitespace, build_http_app
from core.model import Principal
from core.runtime import Runtime
from core.server import CompanyMCPServer, build_server, principal_from_token

MCP_PATHS = frozenset({"/mcp"})


def principal_resolver(settings: Settings, runtime: Runtime) -> Callable[[], Principal | None]:
    """Who is calling: the local user where no token is required, else the verified token's principal."""
    if settings.transport == "stdio" or settings.effective_auth == "none":
        local = runtime.local_principal
        return lambda: local
    return principal_from_token


def create_server(settings: Settings, runtime: Runtime) -> CompanyMCPServer:
    resolve = principal_resolver(settings, runtime)
    return build_server(
        settings,
        runtime.ports,
        cursor_secret=runtime.cursor_secret,
        audit_key=runtime.audit_key,
        prompt_interpreter=runtime.prompt_interpreter,
        resolve_principal=resolve,
    )


def create_asgi_app(settings: Settings, runtime: Runtime) -> Starlette:
    """The ASGI app of one server process; its lifespan enters the runtime (start-up and close, once)."""
    if settings.effective_auth != "none" and runtime.token_auth is None:
        # Fail closed: without a verifier every caller would be served as the local user.
        raise ConfigError(f"auth={settings.effective_auth} needs a token verifier; build the runtime with the root")
    server = create_server(settings, runtime)
    inner = build_http_app(server, settings, readiness=runtime.readiness, metrics_text=runtime.metrics_text)
    auth = runtime.token_auth
    routes: list[BaseRoute] = []
    middleware = [Middleware(TrimMcpHeaderWhitespace)]
    if auth is not None:
        routes += [*metadata_routes(settings.public_url, auth.issuer), *auth.routes]
        gate = Middleware(BearerGate, verifier=auth.verifier, resource_url=settings.public_url, protected=MCP_PATHS)
        middleware.append(gate)
    # Inside authentication: a write call the SDK refuses before any tool runs still leaves a blocked record.
    middleware.append(
        protocol_audit_middleware(settings, runtime, server.specs.values(), principal_resolver(settings, runtime))
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with server.session_manager.run(), runtime:
            # Start-up objects live for the whole process: keep them out of the collector's way (p99).
            gc.collect()
            gc.freeze()
            yield

    return Starlette(routes=[*routes, Mount("/", app=inner)], lifespan=lifespan, middleware=middleware)
