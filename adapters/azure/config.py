"""Settings of the Azure adapter: ``COMPANY_MCP_AZURE_*``, plus Azure's own names where they exist.

Names follow ``/work/notes/azure-contract.md`` (the stack sets them on the Function app):
``APPLICATIONINSIGHTS_CONNECTION_STRING`` and ``AZURE_CLIENT_ID`` (the user-assigned managed
identity) are Azure's conventions; the rest is ``COMPANY_MCP_AZURE_``. Secrets (the cursor key,
the audit key, the Redis URL) arrive as app settings that are Key Vault references, resolved by
the platform before the process starts; they are never logged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

APPCONFIG_SCOPE = "https://azconfig.io/.default"  # Entra scope of App Configuration's data plane


class AzureSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPANY_MCP_AZURE_", extra="ignore", populate_by_name=True)

    # The company API's scope the managed identity's token is asked for: api://<api-client-id>/.default.
    api_scope: str | None = None
    # The user-assigned managed identity (Azure's own name; DefaultAzureCredential reads it as well).
    client_id: str | None = Field(default=None, validation_alias=AliasChoices("AZURE_CLIENT_ID", "client_id"))
    # Feature flags: App Configuration by endpoint (Entra token of the identity) or, for a local stand-in or a
    # store with local auth on, by connection string (HMAC: Endpoint=...;Id=...;Secret=...).
    appconfig_endpoint: str | None = None
    appconfig_connection_string: SecretStr | None = None
    flags_label: str | None = None  # default: the key-values without a label
    flags_refresh_s: float = Field(default=15.0, ge=0, le=3600)
    flags_timeout_s: float = Field(default=2.0, gt=0, le=30)
    # Application Insights (metrics, per-call events, audit events).
    applicationinsights_connection_string: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "APPLICATIONINSIGHTS_CONNECTION_STRING", "COMPANY_MCP_AZURE_APPLICATIONINSIGHTS_CONNECTION_STRING"
        ),
    )
    # entra: the exporters send the identity's token (the component has local auth off); key: the connection
    # string's instrumentation key alone (a local stand-in, or a component with local auth on).
    monitor_auth: Literal["entra", "key"] = "entra"
    metrics_export_interval_s: float = Field(default=60.0, ge=1, le=3600)
    audit_timeout_s: float = Field(default=5.0, gt=0, le=30)
    # The deployment's audit key (a Key Vault reference); unset: derived from the cursor key.
    audit_key: SecretStr | None = None
    cloud_role: str = "company-mcp"  # cloud_RoleName of every envelope


POSTGRES_ENTRA_SCOPE = "https://ossrdbms-aad.database.windows.net/.default"


class AzureApiSettings(BaseSettings):
    """The company API's Function app (prefix ``COMPANY_API_``): its store and who may call it."""

    model_config = SettingsConfigDict(env_prefix="COMPANY_API_", extra="ignore", populate_by_name=True)

    # postgresql://<identity-name>@<server>.postgres.database.azure.com:5432/companies?sslmode=require (no password:
    # an Entra token of the app's identity is the password of each new connection), or sqlite:<path> for a trial.
    database_url: str | None = None
    db_schema: str = "public"
    db_entra_auth: bool = True  # false: the DSN's own password (a local PostgreSQL)
    db_migrate: bool = True
    auth: Literal["entra"] = "entra"
    entra_tenant_id: str | None = None
    entra_audience: str | None = None  # the API app registration's client id (v2 tokens)
    entra_allowed_oids: str = ""  # comma separated object ids: the MCP app's managed identity
    entra_issuer: str | None = None  # default: https://login.microsoftonline.com/<tenant>/v2.0 (tests: a local one)
    public_hosts: str = ""  # comma separated: <api-app>.azurewebsites.net
    client_id: str | None = Field(default=None, validation_alias=AliasChoices("AZURE_CLIENT_ID", "client_id"))

    def split(self, value: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in value.split(",") if v.strip())
