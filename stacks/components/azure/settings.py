"""The app settings of the two Function apps, as agreed with the azure runtime (see README.md, Deploy to Azure).

``COMPANY_MCP_*`` names of core settings are derived from ``core.config.Settings`` (``stacks.components.env``);
the Azure names follow the platform's conventions (``AZURE_CLIENT_ID``, ``APPLICATIONINSIGHTS_CONNECTION_STRING``,
``AzureWebJobsStorage__*``) and the runtime's ``AzureSettings`` (prefix ``COMPANY_MCP_AZURE_``). Secrets are never
values here, only Key Vault references.
"""

from __future__ import annotations

import hashlib
from typing import Final, TypedDict

import pulumi

from stacks.components.env import core_env

AZURE_CLIENT_ID: Final = "AZURE_CLIENT_ID"
APPINSIGHTS_CONNECTION_STRING: Final = "APPLICATIONINSIGHTS_CONNECTION_STRING"
# The Functions host's own telemetry with the component's local auth off: Entra, as the identity.
APPINSIGHTS_AUTHENTICATION_STRING: Final = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
AZURE_API_SCOPE: Final = "COMPANY_MCP_AZURE_API_SCOPE"
AZURE_APPCONFIG_ENDPOINT: Final = "COMPANY_MCP_AZURE_APPCONFIG_ENDPOINT"
AZURE_FLAGS_LABEL: Final = "COMPANY_MCP_AZURE_FLAGS_LABEL"
AZURE_FLAGS_REFRESH_S: Final = "COMPANY_MCP_AZURE_FLAGS_REFRESH_S"
AZURE_AUDIT_KEY: Final = "COMPANY_MCP_AZURE_AUDIT_KEY"

API_DATABASE_URL: Final = "COMPANY_API_DATABASE_URL"
API_DB_SCHEMA: Final = "COMPANY_API_DB_SCHEMA"
API_AUTH: Final = "COMPANY_API_AUTH"
API_ENTRA_TENANT_ID: Final = "COMPANY_API_ENTRA_TENANT_ID"
API_ENTRA_AUDIENCE: Final = "COMPANY_API_ENTRA_AUDIENCE"
API_ENTRA_ALLOWED_OIDS: Final = "COMPANY_API_ENTRA_ALLOWED_OIDS"
API_PUBLIC_HOSTS: Final = "COMPANY_API_PUBLIC_HOSTS"
# The operator applies migrations as the database's Entra administrator (README, Deploy to Azure, step 4), so the
# API's role needs only SELECT/INSERT/UPDATE/DELETE, not ownership of the schema.
API_DB_MIGRATE: Final = "COMPANY_API_DB_MIGRATE"
# Application Insights' cloud_RoleName: tells the API's telemetry from the MCP server's.
AZURE_CLOUD_ROLE: Final = "COMPANY_MCP_AZURE_CLOUD_ROLE"
API_CLOUD_ROLE: Final = "company-mcp-api"


def entra_issuer(tenant_id: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat("https://login.microsoftonline.com/", tenant_id, "/v2.0")


HOST_ID: Final = "AzureFunctionsWebHost__hostid"
HOST_ID_MAX: Final = 32


def host_id(app_name: str) -> str:
    """A host id unique to the app: the default is the app name cut to 32 characters, which two apps sharing one
    storage account (``<prefix>-mcp``, ``<prefix>-api``) would share once the prefix is long (HostIdCollision)."""
    role = app_name.rsplit("-", 1)[-1]  # mcp | api
    return f"cmcp-{hashlib.sha256(app_name.encode()).hexdigest()[:12]}-{role}"[:HOST_ID_MAX]


def host_storage(
    app_name: str, account_name: pulumi.Input[str], client_id: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """Identity-based host storage (the account has no shared keys), under the app's own host id."""
    return {
        HOST_ID: host_id(app_name),
        "AzureWebJobsStorage__accountName": account_name,
        "AzureWebJobsStorage__credential": "managedidentity",
        "AzureWebJobsStorage__clientId": client_id,
    }


def telemetry(connection_string: pulumi.Input[str], client_id: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    return {
        APPINSIGHTS_CONNECTION_STRING: connection_string,
        APPINSIGHTS_AUTHENTICATION_STRING: pulumi.Output.concat("ClientId=", client_id, ";Authorization=AAD"),
    }


class McpSettingsArgs(TypedDict):
    app_name: str
    tenant_id: pulumi.Input[str]
    mcp_app_client_id: str
    api_app_client_id: str
    mcp_host: str
    api_host: str
    identity_client_id: pulumi.Input[str]
    appconfig_endpoint: pulumi.Input[str]
    flags_label: str | None
    flags_refresh_seconds: int
    allowed_origins: tuple[str, ...]
    connection_string: pulumi.Input[str]
    storage_account_name: pulumi.Input[str]
    redis_url_reference: str
    cursor_secret_reference: str
    audit_key_reference: str


def mcp_app_settings(args: McpSettingsArgs) -> dict[str, pulumi.Input[str]]:
    settings: dict[str, pulumi.Input[str]] = {
        core_env("adapter"): "azure",
        core_env("transport"): "http",
        core_env("auth"): "oidc",
        core_env("oidc_profile"): "entra",
        core_env("oidc_issuer"): entra_issuer(args["tenant_id"]),
        core_env("oidc_audience"): args["mcp_app_client_id"],
        core_env("resource_url"): f"https://{args['mcp_host']}/mcp",
        core_env("graphql_url"): f"https://{args['api_host']}/graphql",
        core_env("redis_url"): args["redis_url_reference"],
        core_env("cursor_secret"): args["cursor_secret_reference"],
        core_env("log_format"): "json",
        AZURE_API_SCOPE: f"api://{args['api_app_client_id']}/.default",
        AZURE_CLIENT_ID: args["identity_client_id"],
        AZURE_APPCONFIG_ENDPOINT: args["appconfig_endpoint"],
        AZURE_FLAGS_REFRESH_S: str(args["flags_refresh_seconds"]),
        AZURE_AUDIT_KEY: args["audit_key_reference"],
        **telemetry(args["connection_string"], args["identity_client_id"]),
        **host_storage(args["app_name"], args["storage_account_name"], args["identity_client_id"]),
    }
    if args["allowed_origins"]:
        settings[core_env("allowed_origins")] = ",".join(args["allowed_origins"])
    if args["flags_label"]:
        settings[AZURE_FLAGS_LABEL] = args["flags_label"]
    return settings


class ApiSettingsArgs(TypedDict):
    app_name: str
    tenant_id: pulumi.Input[str]
    api_app_client_id: str
    api_host: str
    identity_name: str  # the PostgreSQL role of the API's identity (its display name)
    identity_client_id: pulumi.Input[str]
    mcp_identity_principal_id: pulumi.Input[str]
    db_host: pulumi.Input[str]
    db_name: pulumi.Input[str]
    connection_string: pulumi.Input[str]
    storage_account_name: pulumi.Input[str]


def api_app_settings(args: ApiSettingsArgs) -> dict[str, pulumi.Input[str]]:
    return {
        # No password: the API's identity presents an Entra token (scope database.ENTRA_TOKEN_SCOPE) per connection.
        API_DATABASE_URL: pulumi.Output.format(
            "postgresql://{0}@{1}:5432/{2}?sslmode=require", args["identity_name"], args["db_host"], args["db_name"]
        ),
        API_DB_SCHEMA: "public",
        API_AUTH: "entra",
        API_ENTRA_TENANT_ID: args["tenant_id"],
        API_ENTRA_AUDIENCE: args["api_app_client_id"],
        API_ENTRA_ALLOWED_OIDS: args["mcp_identity_principal_id"],
        API_PUBLIC_HOSTS: args["api_host"],
        API_DB_MIGRATE: "false",
        AZURE_CLOUD_ROLE: API_CLOUD_ROLE,
        AZURE_CLIENT_ID: args["identity_client_id"],
        **telemetry(args["connection_string"], args["identity_client_id"]),
        **host_storage(args["app_name"], args["storage_account_name"], args["identity_client_id"]),
    }
