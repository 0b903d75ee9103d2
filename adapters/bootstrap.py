"""The composition root: Settings -> the chosen adapter's Runtime, with shadow mode and the token verifier.

Every entry point calls this module and nothing else to get a runtime: the CLI (``serve``,
``call``), uvicorn's worker factory (``http_app``), the Lambda handler, the pilot's local targets,
the tests, and the Functions and Cloud Run entry points. What it does, once for every adapter:

1. looks the adapter up in ``ADAPTERS`` (one entry per adapter; the module is imported only when
   chosen, so no cloud SDK loads for the fake adapter) and calls its builder;
2. wraps the backend for shadow mode when ``COMPANY_MCP_SHADOW_GRAPHQL_URL`` is set;
3. builds the token verifier (``token_auth``): none on stdio / ``auth=none``, the dev issuer's own
   keys in memory for ``auth=dev`` (no HTTP fetch of its own JWKS), ``OidcVerifier`` for ``auth=oidc``.

The Runtime it returns is an async context manager (``core.runtime``); ``core.app`` turns it into
the MCP server and the ASGI app. Adding an adapter: see the README, "Adding an adapter".
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.app import create_asgi_app, create_server
from core.auth.jwks import StaticJwks
from core.auth.settings import dev_oidc_config, oidc_config
from core.auth.verifier import OidcVerifier
from core.config import Settings
from core.errors import ConfigError
from core.interpreters import RulesInterpreter
from core.ports import PromptInterpreter
from core.runtime import Runtime, TokenAuth
from core.server import CompanyMCPServer

RuntimeBuilder = Callable[[Settings], Runtime]


@dataclass(frozen=True, slots=True)
class AdapterEntry:
    """Where an adapter's builder lives (``module:function``), and optionally the signer its shadow calls use."""

    builder: str
    shadow_signer: str | None = None  # "module:function" (Settings) -> RequestSigner, for signed shadow APIs

    def load(self, target: str) -> Callable[..., object]:
        module, _, name = target.partition(":")
        loaded: Callable[..., object] = getattr(importlib.import_module(module), name)
        return loaded


ADAPTERS: dict[str, AdapterEntry] = {
    "fake": AdapterEntry("adapters.fake.main:build_fake_runtime"),
    "graphql": AdapterEntry("adapters.graphql.main:build_graphql_runtime"),
    "aws": AdapterEntry("adapters.aws.main:build_aws_runtime", shadow_signer="adapters.aws.main:aws_request_signer"),
    "azure": AdapterEntry(
        "adapters.azure.main:build_azure_runtime", shadow_signer="adapters.azure.main:azure_request_signer"
    ),
    "gcp": AdapterEntry("adapters.gcp.main:build_gcp_runtime", shadow_signer="adapters.gcp.main:gcp_request_signer"),
}


# Model-backed ai_search interpreters: "module:function" (Settings) -> PromptInterpreter, imported only when chosen.
PROMPT_INTERPRETERS: dict[str, str] = {
    "bedrock": "adapters.aws.bedrock_interpreter:build_bedrock_interpreter",
    "azure_openai": "adapters.azure.openai_interpreter:build_azure_openai_interpreter",
    "vertex": "adapters.gcp.vertex_interpreter:build_vertex_interpreter",
}


def prompt_interpreter(settings: Settings) -> PromptInterpreter:
    """The ai_search interpreter ``COMPANY_MCP_PROMPT_INTERPRETER`` names (the rules unless a model is chosen)."""
    if settings.prompt_interpreter == "rules":
        return RulesInterpreter()
    target = PROMPT_INTERPRETERS[settings.prompt_interpreter]
    module, _, name = target.partition(":")
    interpreter: PromptInterpreter = getattr(importlib.import_module(module), name)(settings)
    return interpreter


def build_runtime(settings: Settings) -> Runtime:
    """The runtime ``settings`` ask for. Does no network I/O (an adapter may read its own secret store)."""
    entry = ADAPTERS.get(settings.adapter)
    if entry is None:
        raise ConfigError(
            f"adapter {settings.adapter!r} is not available in this build yet; use one of {', '.join(ADAPTERS)}"
        )
    builder = entry.load(entry.builder)
    runtime = builder(settings)
    if not isinstance(runtime, Runtime):
        raise TypeError(f"{entry.builder} returned {type(runtime).__name__}, not a Runtime")
    if settings.shadow_graphql_url:
        from adapters.graphql.shadow import wrap_with_shadow

        signer = entry.load(entry.shadow_signer)(settings) if entry.shadow_signer else None
        runtime = wrap_with_shadow(runtime, settings, signer=signer)  # type: ignore[arg-type]
    return dataclasses.replace(
        runtime, token_auth=token_auth(settings), prompt_interpreter=prompt_interpreter(settings)
    )


def token_auth(settings: Settings) -> TokenAuth | None:
    """How bearer tokens are verified on HTTP (the one place a verifier is built)."""
    mode = settings.effective_auth
    if mode == "none":
        return None
    if mode == "oidc":
        config = oidc_config(settings)
        return TokenAuth(OidcVerifier(config), config.issuer)
    from adapters.fake.dev_issuer import DevIssuer

    dev = DevIssuer(settings.data_dir)
    config = dev_oidc_config(settings)
    jwks = dev.jwks()
    discovery = dev.discovery(config.issuer)
    # The server holds the dev issuer's key: verify against it in memory; the routes are for clients only.
    verifier = OidcVerifier(config, keys=StaticJwks(jwks, config.algorithms))
    routes = [
        Route("/.well-known/openid-configuration", _json_route(discovery)),
        Route("/.well-known/jwks.json", _json_route(jwks)),
    ]
    return TokenAuth(verifier, config.issuer, routes)


def _json_route(document: dict[str, object]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(_: Request) -> Response:
        return JSONResponse(document)

    return endpoint


@asynccontextmanager
async def open_server(settings: Settings) -> AsyncIterator[CompanyMCPServer]:
    """An in-process MCP server on a running runtime (``company-mcp call``, the pilot's local targets, tests)."""
    async with build_runtime(settings) as runtime:
        yield create_server(settings, runtime)


def create_http_app(settings: Settings | None = None) -> Starlette:
    """The ASGI app for ``settings`` (default: from the environment). uvicorn calls this factory in each worker."""
    settings = settings or Settings()
    return create_asgi_app(settings, build_runtime(settings))
