"""The MCP server on Azure Functions (Python v2 model): one ``AsgiFunctionApp`` over the server's ASGI app.

``create_function_app`` wraps ``core.app.create_asgi_app`` over the runtime the composition root
(``adapters.bootstrap``) builds for ``COMPANY_MCP_ADAPTER`` (``azure`` on Azure, ``fake`` for a trial,
any other adapter by settings). ``AsgiFunctionApp`` registers one HTTP function on ``/{*route}`` for
every method; with ``host.json``'s ``extensions.http.routePrefix`` empty, ``/mcp``, ``/healthz``,
``/readyz`` and ``/.well-known/oauth-protected-resource/...`` keep their paths. The function is
anonymous at the Functions level (no function keys): the app does OAuth itself (bearer tokens, 401
with ``WWW-Authenticate``), and checks Host/Origin.

The ASGI lifespan (the runtime's start-up) runs once per instance, on the first request, on the
worker's event loop; responses are whole JSON bodies (the server answers stateless JSON, no SSE).
The entry module the Functions host loads is ``function_app.py`` at the package root
(``adapters/azure/function_app.py``, shipped there by ``stacks/packages.py``).
"""

from __future__ import annotations

import azure.functions as func

from adapters.bootstrap import build_runtime
from core.app import create_asgi_app
from core.config import Settings
from core.runtime import Runtime
from core.telemetry import configure_logging


def create_function_app(settings: Settings | None = None, runtime: Runtime | None = None) -> func.AsgiFunctionApp:
    """The Functions app for ``settings`` (default: the app settings in the environment)."""
    if settings is None:
        settings = Settings()
        configure_logging(settings.log_format)
    settings.check()
    runtime = runtime or build_runtime(settings)
    return func.AsgiFunctionApp(
        app=create_asgi_app(settings, runtime),
        http_auth_level=func.AuthLevel.ANONYMOUS,
        function_name="mcp",
    )
