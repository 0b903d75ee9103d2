"""Assembles a served process from Settings: adapter runtime -> core server -> transport."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from mcp.server.auth.provider import TokenVerifier
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from core.auth.resource_server import BearerGate, metadata_routes
from core.auth.settings import dev_oidc_config, oidc_config
from core.auth.verifier import OidcVerifier
from core.config import Settings
from core.errors import ConfigError
from core.guards.protocol_audit import protocol_audit_middleware
from core.http import TrimMcpHeaderWhitespace, build_http_app
from core.model import Principal
from core.runtime import Runtime
from core.server import CompanyMCPServer, build_server, principal_from_token
from core.shadow import shadow_running


def load_runtime(settings: Settings) -> Runtime:
    """The adapter's runtime, with reads mirrored to a second API when shadow mode is on."""
    runtime = _adapter_runtime(settings)
    if settings.shadow_graphql_url:
        from adapters.graphql.shadow import wrap_with_shadow

        runtime = wrap_with_shadow(runtime, settings)
    return runtime


def _adapter_runtime(settings: Settings) -> Runtime:
    """Pick the adapter; each import happens only when chosen, so no cloud SDK loads for the fake one."""
    if settings.adapter == "fake":
        from adapters.fake.main import build_fake_runtime

        return build_fake_runtime(settings)
    if settings.adapter == "graphql":
        from adapters.graphql.main import build_graphql_runtime

        return build_graphql_runtime(settings)
    if settings.adapter == "aws":
        from adapters.aws.main import build_aws_runtime

        return build_aws_runtime(settings)
    raise ConfigError(f"adapter {settings.adapter!r} is not available in this build yet; use fake, graphql or aws")


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
        resolve_principal=resolve,
    )


MCP_PATHS = frozenset({"/mcp"})


MCP_PATHS = frozenset({"/mcp"})


@dataclass(frozen=True, slots=True)
class TokenAuth:
    verifier: OidcVerifier | TokenVerifier
    issuer: str
    routes: list[Route]


def token_auth(settings: Settings, runtime: Runtime) -> TokenAuth | None:
    """How bearer tokens are verified on HTTP: the adapter's own Authenticator, else by COMPANY_MCP_AUTH."""
    mode = settings.effective_auth
    if mode == "none":
        return None
    if runtime.ports.authenticator is not None and runtime.token_issuer:
        return TokenAuth(runtime.ports.authenticator, runtime.token_issuer, [])
    if mode == "oidc":
        config = oidc_config(settings)
        return TokenAuth(OidcVerifier(config), config.issuer, [])
    from adapters.fake.dev_issuer import DevIssuer

    dev = DevIssuer(settings.data_dir)
    config = dev_oidc_config(settings)
    discovery, jwks = dev.discovery(config.issuer), dev.jwks()
    routes = [
        Route("/.well-known/openid-configuration", lambda _: JSONResponse(discovery)),
        Route("/.well-known/jwks.json", lambda _: JSONResponse(jwks)),
    ]
    return TokenAuth(OidcVerifier(config), config.issuer, routes)


def create_http_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Starlette:
    """The ASGI app of one server process (uvicorn calls this factory in each worker)."""
    settings = settings or Settings()
    runtime = runtime or load_runtime(settings)
    server = create_server(settings, runtime)
    inner = build_http_app(server, settings, readiness=runtime.readiness, metrics_text=runtime.metrics_text)
    auth = token_auth(settings, runtime)
    routes: list[BaseRoute] = []
    middleware = [Middleware(TrimMcpHeaderWhitespace)]
    if auth is not None:
        routes += metadata_routes(settings.public_url, auth.issuer) + auth.routes
        gate = Middleware(BearerGate, verifier=auth.verifier, resource_url=settings.public_url, protected=MCP_PATHS)
        middleware.append(gate)
    middleware.append(
        protocol_audit_middleware(settings, runtime, server.specs.values(), principal_resolver(settings, runtime))
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with server.session_manager.run(), shadow_running(runtime.ports.backend):
            # Start-up objects live for the whole process: keep them out of the collector's way (p99).
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                if auth is not None and isinstance(auth.verifier, OidcVerifier):
                    await auth.verifier.aclose()
                if runtime.close is not None:
                    await runtime.close()

    return Starlette(routes=[*routes, Mount("/", app=inner)], lifespan=lifespan, middleware=middleware)
