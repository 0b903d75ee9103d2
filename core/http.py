"""The HTTP face of the server: streamable HTTP at /mcp (stateless, JSON), /healthz, /readyz, optional /metrics.

Request bodies are capped and Host/Origin are checked against DNS rebinding by
the SDK's transport security, configured here from the settings.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from core.config import Settings
from core.hosts import allowed_hosts_for, host_refusal
from core.loopback import is_loopback
from core.readiness import Readiness
from core.runtime import Probe
from core.server import CompanyMCPServer


def allowed_hosts(settings: Settings) -> list[str]:
    return allowed_hosts_for(settings.host, [urlsplit(settings.public_url).netloc])


def build_http_app(
    server: CompanyMCPServer,
    settings: Settings,
    *,
    readiness: dict[str, Probe],
    metrics_text: Callable[[], bytes] | None = None,
) -> Starlette:
    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    ready_check = Readiness(readiness)
    operators = OperatorAccess(settings)

    @server.custom_route("/readyz", methods=["GET"])
    async def readyz(request: Request) -> Response:
        checks = await ready_check.checks()
        ready = all(v == "ok" for v in checks.values())
        body: dict[str, object] = {"status": "ready" if ready else "not_ready"}
        if operators.allowed(request):  # which dependency failed is for operators, not for anyone on the port
            body["checks"] = checks
        return JSONResponse(body, status_code=200 if ready else 503)

    if metrics_text is not None:
        render = metrics_text

        @server.custom_route("/metrics", methods=["GET"])
        async def metrics(request: Request) -> Response:
            if not operators.allowed(request):
                return JSONResponse(
                    {"error": "metrics need the operator token (COMPANY_MCP_METRICS_TOKEN) on this address"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
            return Response(render(), media_type="text/plain; version=0.0.4")

    return server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        max_request_body_size=settings.max_body_bytes,
        host=settings.host,
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=allowed_hosts(settings),
            allowed_origins=settings.origins(),
        ),
    )


class OperatorAccess:
    """Who may read ``/metrics`` and ``/readyz``'s details: the holder of ``COMPANY_MCP_METRICS_TOKEN``, or,
    when no token is set, anyone on a server bound to loopback only (nobody else can reach it). A foreign
    ``Host`` is refused either way (DNS rebinding)."""

    def __init__(self, settings: Settings) -> None:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        self._expected = f"Bearer {token}".encode() if token else None
        self._open_on_loopback = token is None and is_loopback(settings.host)
        self._hosts = allowed_hosts(settings)

    def allowed(self, request: Request) -> bool:
        if host_refusal(request.headers.get("host"), None, hosts=self._hosts, origins=()) is not None:
            return False
        if self._expected is None:
            return self._open_on_loopback
        given = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(given, self._expected)


class TrimMcpHeaderWhitespace:
    """RFC 9110 5.5: field values exclude leading/trailing whitespace. The SDK compares ``Mcp-*`` routing
    headers to the body byte for byte, so trim them before it sees them (pure ASGI: no cost elsewhere)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            if any(name.startswith(b"mcp-") for name, _ in headers):
                scope = dict(scope)
                scope["headers"] = [
                    (name, value.strip(b" \t") if name.startswith(b"mcp-") else value) for name, value in headers
                ]
        await self.app(scope, receive, send)
