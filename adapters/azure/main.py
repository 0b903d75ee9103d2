"""Composition root of the Azure adapter: Settings + AzureSettings -> Azure adapters -> Runtime.

- Backend: the company API on Azure Functions through ``GraphQLBackend``, each request carrying an
  Entra token of this app's managed identity for ``COMPANY_MCP_AZURE_API_SCOPE``
  (``EntraTokenSigner``); the API verifies it itself. The MCP client's token is never forwarded.
- Authenticator: built by the composition root from ``COMPANY_MCP_OIDC_*`` (profile ``entra``, or any
  OIDC issuer); this builder only refuses dev tokens.
- Flags: App Configuration feature flags (``AppConfigurationFlags``); metrics and per-call events:
  Application Insights (``AppInsightsMetrics``); audit: ``AuditRecord`` events acknowledged by
  Application Insights before the write (``AppInsightsAudit``).
- Rate limits: ``LimitsRateLimiter`` on Azure Managed Redis (``COMPANY_MCP_REDIS_URL``, ``rediss://``, port 10000).
- Cursor key and audit key: ``COMPANY_MCP_CURSOR_SECRET`` and ``COMPANY_MCP_AZURE_AUDIT_KEY``, app settings
  that are Key Vault references (the platform resolves them before the process starts).
"""

from __future__ import annotations

import os

import anyio.to_thread
from azure.core.credentials import TokenCredential

from adapters.azure.audit import AppInsightsAudit, azure_audit_key
from adapters.azure.config import AzureSettings
from adapters.azure.entra_token import EntraTokenSigner
from adapters.azure.flags import AppConfigurationFlags, appconfig_client
from adapters.azure.metrics import AppInsightsMetrics
from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.main import backend_deadline_s, check_graphql_url
from adapters.ratelimit import LimitsRateLimiter
from core.config import Settings
from core.errors import ConfigError
from core.model import local_principal
from core.ports import Ports
from core.runtime import Runtime

MIN_CURSOR_SECRET_BYTES = 32


def azure_credential(azure: AzureSettings) -> TokenCredential:
    """The app's identity: the user-assigned managed identity ``AZURE_CLIENT_ID`` on Azure (no I/O until a token
    is asked for); locally whatever ``DefaultAzureCredential`` finds."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(managed_identity_client_id=azure.client_id)


def cursor_key(settings: Settings) -> bytes:
    if not settings.cursor_secret:
        raise ConfigError(
            "the azure adapter needs a cursor key shared by every instance: set COMPANY_MCP_CURSOR_SECRET "
            "(a Key Vault reference to at least 32 random bytes)"
        )
    key = settings.cursor_secret.encode()
    if len(key) < MIN_CURSOR_SECRET_BYTES:
        raise ConfigError(f"the cursor key must be at least {MIN_CURSOR_SECRET_BYTES} bytes")
    return key


def _require(value: str | None, name: str, what: str) -> str:
    if not value:
        raise ConfigError(f"the azure adapter needs {what}: set {name}")
    return value


def build_azure_runtime(
    settings: Settings,
    azure_settings: AzureSettings | None = None,
    *,
    credential: TokenCredential | None = None,
) -> Runtime:
    """Build every port; nothing is contacted here (tokens, flags and telemetry are fetched or sent on use)."""
    azure = azure_settings or AzureSettings()
    if settings.transport == "http" and settings.effective_auth == "dev":
        raise ConfigError(
            "the azure adapter verifies Entra ID (or another OIDC issuer's) tokens: set COMPANY_MCP_AUTH=oidc, "
            "COMPANY_MCP_OIDC_PROFILE=entra and COMPANY_MCP_OIDC_ISSUER (dev tokens are for local runs)"
        )
    scope = _require(azure.api_scope, "COMPANY_MCP_AZURE_API_SCOPE", "the company API's scope (api://<id>/.default)")
    monitor = _require(
        azure.applicationinsights_connection_string,
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "Application Insights for metrics and audit",
    )
    secret = azure.appconfig_connection_string
    connection_string = secret.get_secret_value() if secret else None
    if not connection_string:
        _require(azure.appconfig_endpoint, "COMPANY_MCP_AZURE_APPCONFIG_ENDPOINT", "App Configuration for the flags")
    cursor_secret = cursor_key(settings)
    audit_key = azure_audit_key(azure.audit_key.get_secret_value() if azure.audit_key else None, cursor_secret)
    identity = credential or azure_credential(azure)
    monitor_credential = identity if azure.monitor_auth == "entra" else None

    url = check_graphql_url(settings.graphql_url, signed=True)
    backend = GraphQLBackend(
        url, signer=EntraTokenSigner(scope, credential=identity), call_timeout_s=backend_deadline_s(settings)
    )
    flags = AppConfigurationFlags(
        appconfig_client(
            endpoint=azure.appconfig_endpoint,
            connection_string=connection_string,
            credential=identity,
            timeout_s=azure.flags_timeout_s,
        ),
        label=azure.flags_label,
        refresh_s=azure.flags_refresh_s,
    )
    metrics = AppInsightsMetrics(
        monitor,
        credential=monitor_credential,
        export_interval_s=azure.metrics_export_interval_s,
        role=azure.cloud_role,
    )
    audit = AppInsightsAudit(
        monitor, key=audit_key, credential=monitor_credential, timeout_s=azure.audit_timeout_s, role=azure.cloud_role
    )
    limiter = LimitsRateLimiter(settings.redis_url)
    ports = Ports(backend=backend, flags=flags, audit=audit, metrics=metrics, rate_limiter=limiter)

    async def close() -> None:
        try:
            await backend.aclose()
            await flags.aclose()
        finally:
            await anyio.to_thread.run_sync(metrics.close)
            await anyio.to_thread.run_sync(audit.close)

    return Runtime(
        ports=ports,
        cursor_secret=cursor_secret,
        audit_key=audit_key,
        readiness={"api": backend.ping, "flags": flags.get_flags, "audit": audit.ping, "rate_limits": limiter.ping},
        local_principal=local_principal(os.environ.get("USER") or "azure"),
        close=close,
    )


def azure_request_signer(settings: Settings) -> EntraTokenSigner:
    """An Entra token of this app's identity, for a shadow API that is also on Functions."""
    azure = AzureSettings()
    scope = _require(azure.api_scope, "COMPANY_MCP_AZURE_API_SCOPE", "the company API's scope (api://<id>/.default)")
    return EntraTokenSigner(scope, credential=azure_credential(azure))
