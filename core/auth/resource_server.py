"""The OAuth 2.1 resource server in front of ``/mcp`` (MCP authorization spec, RFC 9728, RFC 6750).

Wraps the SDK's pieces rather than forking them: ``BearerAuthBackend`` verifies the
token through our verifier, ``AuthContextMiddleware`` hands the verified token to the
tools, and ``create_protected_resource_routes`` serves the metadata. What the SDK's
``RequireAuthMiddleware`` lacks is added here: the ``scope`` a client should ask for in
the 401, ``scopes_supported`` listing every scope, a refusal of tokens in the query
string (RFC 6750 section 5.3, tokens end up in logs), and a cap on the header size
checked before any parsing.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
from pydantic import AnyHttpUrl
from starlette.requests import HTTPConnection
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from core.auth.verifier import MAX_TOKEN_BYTES
from core.model import READ_SCOPE, WRITE_SCOPE

log = logging.getLogger("company_mcp.auth")

SCOPES_SUPPORTED = [READ_SCOPE, WRITE_SCOPE]
# Room for "Bearer " and a token at the verifier's own size limit.
MAX_AUTHORIZATION_BYTES = MAX_TOKEN_BYTES + 64


def metadata_routes(resource_url: str, issuer: str) -> list[Route]:
    """``/.well-known/oauth-protected-resource/mcp``: who issues tokens for us and which scopes exist."""
    return create_protected_resource_routes(
        resource_url=AnyHttpUrl(resource_url),
        authorization_servers=[AnyHttpUrl(issuer)],
        scopes_supported=SCOPES_SUPPORTED,
        resource_name="company-mcp",
    )


class BearerGate:
    """Requires a verified bearer token on the protected paths; other paths pass untouched.

    A request that fails runs nothing: it never reaches the MCP app, so no tool runs and
    nothing is audited (there is no principal to audit).
    """

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, *, resource_url: str, protected: frozenset[str]) -> None:
        self._app = app
        self._authed_app = AuthContextMiddleware(app)
        self._backend = BearerAuthBackend(verifier)
        self._protected = protected
        self._metadata_url = str(build_resource_metadata_url(AnyHttpUrl(resource_url)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") not in self._protected:
            await self._app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if any(key == "access_token" for key, _ in parse_qsl(query, keep_blank_values=True)):
            await self._refuse(send, 400, "invalid_request", "Send the token in the Authorization header, not the URL.")
            return
        for name, value in scope["headers"]:
            if name == b"authorization" and len(value) > MAX_AUTHORIZATION_BYTES:
                await self._refuse(send, 431, "invalid_request", "The Authorization header is too large.")
                return
        result = await self._backend.authenticate(HTTPConnection(scope))
        if result is None:
            await self._refuse(send, 401, "invalid_token", "A valid bearer token is required.")
            return
        credentials, user = result
        scope = {**scope, "auth": credentials, "user": user}
        await self._authed_app(scope, receive, send)

    async def _refuse(self, send: Send, status: int, error: str, description: str) -> None:
        challenge = (
            f'Bearer error="{error}", error_description="{description}", '
            f'resource_metadata="{self._metadata_url}", scope="{READ_SCOPE}"'
        )
        body = json.dumps({"error": error, "error_description": description}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", challenge.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
