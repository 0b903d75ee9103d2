"""The Azure deployment: every component, wired together, and the stack outputs.

ResourceGroup ─> Network (VNet, delegated subnets, private DNS zones)
Identities (MCP, API) ─┬─> Access (the only role assignments) <─ Storage, Flags, Secrets, Observability
Cache (Managed Redis) ─> Secrets (Key Vault: cursor secret, audit key, Redis URL)
Database (PostgreSQL 16, Entra only) ─> FunctionApp "api" (company API) ─> FunctionApp "mcp" (MCP server)
Flags (App Configuration) ───────────────────────────────────────────────┘
Observability (Log Analytics, Application Insights, alerts, workbook) is read by both apps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pulumi
import pulumi_azure_native as azure_native

from stacks.components.azure import roles
from stacks.components.azure.cache import Cache
from stacks.components.azure.config import AzureConfig
from stacks.components.azure.database import Database
from stacks.components.azure.flags import Flags
from stacks.components.azure.functions import FunctionApp
from stacks.components.azure.identities import Identities
from stacks.components.azure.network import Network
from stacks.components.azure.observability import Observability
from stacks.components.azure.secrets import AUDIT_KEY, CURSOR_SECRET, REDIS_URL, Secrets
from stacks.components.azure.settings import api_app_settings, entra_issuer, mcp_app_settings
from stacks.components.azure.storage import HOST_CONTAINERS, Storage
from stacks.config import PROJECT, StackConfigError

BUILD_HINT: Final = "build it first (see README.md, Deploy to Azure)"
MCP_CONTAINER: Final = "mcp-package"
API_CONTAINER: Final = "api-package"


def checked_archive(cfg: AzureConfig, key: str) -> Path:
    path = cfg.archive(key)
    if not path.is_file():
        raise StackConfigError(f"{PROJECT}:{key}: {path} does not exist; {BUILD_HINT}")
    return path


def deploy(cfg: AzureConfig) -> dict[str, pulumi.Input[str]]:
    """Declare the whole Azure deployment; returns the stack outputs."""
    prefix = cfg.name_prefix
    mcp_archive = checked_archive(cfg, "mcpPackagePath")
    api_archive = checked_archive(cfg, "apiPackagePath")
    client = azure_native.authorization.get_client_config_output()
    tenant_id = client.tenant_id
    subscription_id = client.subscription_id

    group_name = f"{prefix}-rg"
    group = azure_native.resources.ResourceGroup(
        "group",
        resource_group_name=group_name,
        location=cfg.location,
        tags={"Project": PROJECT, "Environment": cfg.environment, "ManagedBy": "pulumi"},
    )
    rg = group.name
    location = cfg.location
    network = Network(
        "network", {"prefix": prefix, "resource_group_name": rg, "location": location, "vnet_cidr": cfg.vnet_cidr}
    )
    observability = Observability(
        "observability",
        {
            "prefix": prefix,
            "resource_group_name": rg,
            "location": location,
            "log_retention_days": cfg.log_retention_days,
            "audit_retention_days": cfg.audit_retention_days,
            "alarm_email": cfg.alarm_email,
            "error_rate_threshold_percent": cfg.error_rate_threshold_percent,
            "p99_latency_threshold_ms": cfg.p99_latency_threshold_ms,
            "blocked_writes_threshold": cfg.blocked_writes_threshold,
        },
    )
    identities = Identities("identities", {"prefix": prefix, "resource_group_name": rg, "location": location})
    cache = Cache(
        "cache",
        {
            "prefix": prefix,
            "resource_group_name": rg,
            "location": location,
            "sku": cfg.redis_sku,
            "endpoints_subnet_id": network.endpoints_subnet_id,
            "zone_id": network.zone_ids["redis"],
        },
    )
    vault_name = f"{cfg.compact_prefix}kv"
    secrets = Secrets(
        "secrets",
        {
            "vault_name": vault_name,
            "resource_group_name": rg,
            "location": location,
            "tenant_id": tenant_id,
            "redis_url": cache.url,
            "endpoints_subnet_id": network.endpoints_subnet_id,
            "zone_id": network.zone_ids["vault"],
        },
    )
    flags = Flags(
        "flags",
        {
            "store_name": f"{prefix}-flags",
            "resource_group_name": rg,
            "location": location,
            "label": cfg.flags_label,
            "deployer_object_id": client.object_id,
            "subscription_id": subscription_id,
            "endpoints_subnet_id": network.endpoints_subnet_id,
            "zone_id": network.zone_ids["appconfig"],
        },
    )
    storage = Storage(
        "storage",
        {
            "account_name": f"{cfg.compact_prefix}st",
            "resource_group_name": rg,
            "location": location,
            "package_containers": [MCP_CONTAINER, API_CONTAINER],
            "endpoints_subnet_id": network.endpoints_subnet_id,
            "zone_id": network.zone_ids["blob"],
        },
    )
    database = Database(
        "database",
        {
            "prefix": prefix,
            "resource_group_name": rg,
            "location": location,
            "tenant_id": tenant_id,
            "subnet_id": network.postgres_subnet_id,
            "private_dns_zone_id": network.postgres_zone_id,
            "sku_name": cfg.postgres_sku,
            "sku_tier": cfg.postgres_tier,
            "storage_gb": cfg.postgres_storage_gb,
            "db_name": cfg.db_name,
            "backup_retention_days": cfg.backup_retention_days,
            "geo_redundant_backup": cfg.geo_redundant_backup,
            "deletion_protection": cfg.deletion_protection,
            "admin_object_id": cfg.db_admin_object_id,
            "admin_principal_name": cfg.db_admin_principal_name,
            "admin_principal_type": cfg.db_admin_principal_type,
        },
    )

    # Least privilege: each identity gets exactly what its app calls, at the narrowest scope.
    grants: list[roles.Grant] = []
    for who, principal, container in (
        ("mcp", identities.mcp_principal_id, MCP_CONTAINER),
        ("api", identities.api_principal_id, API_CONTAINER),
    ):
        for blob_container in (container, *HOST_CONTAINERS):
            grants.append(
                {
                    "key": f"{who}-blob-{blob_container}",
                    "role": roles.STORAGE_BLOB_DATA_OWNER,
                    "scope": storage.container_ids[blob_container],
                    "principal_id": principal,
                }
            )
        grants.append(
            {
                "key": f"{who}-telemetry",
                "role": roles.MONITORING_METRICS_PUBLISHER,
                "scope": observability.component_id,
                "principal_id": principal,
            }
        )
    grants.append(
        {
            "key": "mcp-flags",
            "role": roles.APP_CONFIGURATION_DATA_READER,
            "scope": flags.store_id,
            "principal_id": identities.mcp_principal_id,
        }
    )
    for secret_name in (CURSOR_SECRET, AUDIT_KEY, REDIS_URL):
        grants.append(
            {
                "key": f"mcp-secret-{secret_name}",
                "role": roles.KEY_VAULT_SECRETS_USER,
                "scope": secrets.secret_ids[secret_name],
                "principal_id": identities.mcp_principal_id,
            }
        )
    access = roles.Access("access", {"subscription_id": subscription_id, "grants": grants})

    def upload_after(who: str) -> list[pulumi.Resource]:
        return [a for key, a in access.assignments.items() if key.startswith(f"{who}-")]

    mcp_app_name = f"{prefix}-mcp"
    api_app_name = f"{prefix}-api"
    mcp_host = f"{mcp_app_name}.azurewebsites.net"
    api_host = f"{api_app_name}.azurewebsites.net"
    api = FunctionApp(
        "api",
        {
            "app_name": api_app_name,
            "resource_group_name": group_name,
            "location": location,
            "subnet_id": network.api_subnet_id,
            "identity_id": identities.api_id,
            "identity_client_id": identities.api_client_id,
            "package_container_url": pulumi.Output.concat(storage.blob_endpoint, "/", API_CONTAINER),
            "python_version": cfg.python_version,
            "memory_mb": cfg.api_memory_mb,
            "max_instances": cfg.api_max_instances,
            "always_ready": 0,
            "app_settings": api_app_settings(
                {
                    "app_name": api_app_name,
                    "tenant_id": tenant_id,
                    "api_app_client_id": cfg.api_app_client_id,
                    "api_host": api_host,
                    "identity_name": identities.api_name,
                    "identity_client_id": identities.api_client_id,
                    "mcp_identity_principal_id": identities.mcp_principal_id,
                    "db_host": database.host,
                    "db_name": database.db_name,
                    "connection_string": observability.connection_string,
                    "storage_account_name": storage.account_name,
                }
            ),
            "archive": api_archive,
            "upload_after": upload_after("api"),
        },
        pulumi.ResourceOptions(depends_on=[group]),
    )
    mcp = FunctionApp(
        "mcp",
        {
            "app_name": mcp_app_name,
            "resource_group_name": group_name,
            "location": location,
            "subnet_id": network.mcp_subnet_id,
            "identity_id": identities.mcp_id,
            "identity_client_id": identities.mcp_client_id,
            "package_container_url": pulumi.Output.concat(storage.blob_endpoint, "/", MCP_CONTAINER),
            "python_version": cfg.python_version,
            "memory_mb": cfg.mcp_memory_mb,
            "max_instances": cfg.mcp_max_instances,
            "always_ready": cfg.mcp_always_ready,
            "app_settings": mcp_app_settings(
                {
                    "app_name": mcp_app_name,
                    "tenant_id": tenant_id,
                    "mcp_app_client_id": cfg.mcp_app_client_id,
                    "api_app_client_id": cfg.api_app_client_id,
                    "mcp_host": mcp_host,
                    "api_host": api_host,
                    "identity_client_id": identities.mcp_client_id,
                    "appconfig_endpoint": flags.endpoint,
                    "flags_label": cfg.flags_label,
                    "flags_refresh_seconds": cfg.flags_refresh_seconds,
                    "allowed_origins": cfg.allowed_origins,
                    "connection_string": observability.connection_string,
                    "storage_account_name": storage.account_name,
                    "redis_url_reference": secrets.references[REDIS_URL],
                    "cursor_secret_reference": secrets.references[CURSOR_SECRET],
                    "audit_key_reference": secrets.references[AUDIT_KEY],
                }
            ),
            "archive": mcp_archive,
            "upload_after": upload_after("mcp"),
        },
        pulumi.ResourceOptions(depends_on=[group, api]),
    )

    return {
        "mcpUrl": pulumi.Output.concat(mcp.url, "/mcp"),
        "graphqlUrl": pulumi.Output.concat(api.url, "/graphql"),
        "issuer": entra_issuer(tenant_id),
        "resourceGroup": rg,
        "mcpAppName": mcp.app_name,
        "apiAppName": api.app_name,
        "mcpIdentityPrincipalId": identities.mcp_principal_id,
        "apiIdentityName": identities.api_name,
        "appConfigEndpoint": flags.endpoint,
        "appConfigStoreName": f"{prefix}-flags",
        "keyVaultName": vault_name,
        "dbHost": database.host,
        "dbName": database.db_name,
        "dbServerName": database.server_name,
        "redisHost": cache.host,
        "workbookId": observability.workbook_id,
        "actionGroupId": observability.action_group_id,
        "apiScope": f"api://{cfg.api_app_client_id}/.default",
    }
