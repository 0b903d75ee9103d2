"""Composition root of the GCP adapter: Settings + GcpSettings -> Google adapters -> Runtime.

- Backend: the company API on Cloud Run through ``GraphQLBackend``, each request carrying a Google ID
  token of this service's account with the API's URL as audience (``id_token.py``); the MCP client's
  token is never forwarded.
- Authenticator: built by the composition root from ``COMPANY_MCP_OIDC_*`` (profile ``google``);
  this builder only refuses dev tokens.
- Flags: Parameter Manager (``flags.py``); metrics: Cloud Monitoring (``metrics.py``); audit: Cloud
  Logging ``entries:write`` (``audit.py``); all over REST with an access token of the service account.
- Rate limits: ``LimitsRateLimiter`` on Memorystore (``COMPANY_MCP_REDIS_URL``, ``rediss://`` for TLS).
- Cursor key: ``COMPANY_MCP_CURSOR_SECRET`` and audit key ``COMPANY_MCP_GCP_AUDIT_KEY``, both Secret
  Manager secrets exposed to the service as environment variables (no Secret Manager call here).
"""

from __future__ import annotations

import os

from adapters.gcp.access_token import GoogleAccessToken
from adapters.gcp.audit import CloudLoggingAudit, gcp_audit_key
from adapters.gcp.config import GcpSettings
from adapters.gcp.flags import ParameterManagerFlags
from adapters.gcp.id_token import GoogleIdTokenSigner
from adapters.gcp.metrics import CloudMonitoringMetrics
from adapters.gcp.resource import task_id
from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.main import backend_deadline_s, check_graphql_url
from adapters.ratelimit import LimitsRateLimiter
from core.config import Settings
from core.errors import ConfigError
from core.model import local_principal
from core.ports import Ports
from core.runtime import Runtime

MIN_CURSOR_SECRET_BYTES = 32


def gcp_cursor_secret(settings: Settings) -> bytes:
    if not settings.cursor_secret:
        raise ConfigError(
            "the gcp adapter needs a cursor key shared by every instance: set COMPANY_MCP_CURSOR_SECRET "
            "(a Secret Manager secret of at least 32 random bytes, exposed as an environment variable)"
        )
    key = settings.cursor_secret.encode()
    if len(key) < MIN_CURSOR_SECRET_BYTES:
        raise ConfigError(f"the cursor key must be at least {MIN_CURSOR_SECRET_BYTES} bytes")
    return key


def build_gcp_runtime(
    settings: Settings,
    gcp_settings: GcpSettings | None = None,
    *,
    tokens: tuple[GoogleAccessToken, GoogleAccessToken] | None = None,
    signer: GoogleIdTokenSigner | None = None,
) -> Runtime:
    """Build every port; nothing is contacted here. ``tokens`` (request path, metrics writer) and ``signer``
    replace the credentials google-auth would find (tests)."""
    gcp = gcp_settings or GcpSettings()
    if settings.transport == "http" and settings.effective_auth == "dev":
        raise ConfigError(
            "the gcp adapter verifies Google-signed tokens: set COMPANY_MCP_AUTH=oidc, COMPANY_MCP_OIDC_PROFILE=google "
            "and COMPANY_MCP_OIDC_ISSUER (dev tokens are for local runs)"
        )
    if not gcp.project:
        raise ConfigError("the gcp adapter needs the project: set GOOGLE_CLOUD_PROJECT")
    if not gcp.flags_parameter:
        raise ConfigError("the gcp adapter needs its flag parameter: set COMPANY_MCP_GCP_FLAGS_PARAMETER")
    url = check_graphql_url(settings.graphql_url, signed=True)
    audience = gcp.api_audience or _origin(url)
    request_token, writer_token = tokens or (GoogleAccessToken(), GoogleAccessToken())
    backend = GraphQLBackend(
        url, signer=signer or GoogleIdTokenSigner(audience), call_timeout_s=backend_deadline_s(settings)
    )
    flags = ParameterManagerFlags(gcp, request_token)
    cursor_secret = gcp_cursor_secret(settings)
    audit_key = gcp_audit_key(gcp, cursor_secret)
    audit = CloudLoggingAudit(gcp, request_token, key=audit_key, project=gcp.project)
    metrics = CloudMonitoringMetrics(gcp, writer_token, project=gcp.project, task=task_id())
    limiter = LimitsRateLimiter(settings.redis_url)
    ports = Ports(backend=backend, flags=flags, audit=audit, metrics=metrics, rate_limiter=limiter)

    async def close() -> None:
        try:
            await backend.aclose()
            await flags.aclose()
            await audit.aclose()
        finally:
            await metrics.aclose()

    return Runtime(
        ports=ports,
        cursor_secret=cursor_secret,
        audit_key=audit_key,
        readiness={"api": backend.ping, "flags": flags.get_flags, "audit": audit.ping, "rate_limits": limiter.ping},
        local_principal=local_principal(os.environ.get("USER") or "gcp"),
        close=close,
    )


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def gcp_request_signer(settings: Settings) -> GoogleIdTokenSigner:
    """A Google ID token for a shadow API that is also on Cloud Run (audience: its origin)."""
    if not settings.shadow_graphql_url:
        raise ConfigError("no shadow API to sign for")
    return GoogleIdTokenSigner(_origin(settings.shadow_graphql_url))
