"""The Azure stack's configuration, read once into a frozen ``AzureConfig`` (``company-mcp:cloud: azure``).

Keys live in the project namespace (``company-mcp:<key>``); the region is the provider's own
``azure-native:location``. ``Pulumi.azure-dev.example.yaml`` lists every key and README.md (Deploy to Azure)
explains them. Values are checked before any resource is declared, so a typo fails ``pulumi preview`` with a
message naming the key.

The Entra app registrations are taken as config (``mcpAppClientId``, ``apiAppClientId``) rather than created by
the stack: creating them needs Microsoft Graph application permissions (Application Administrator) that a
deployer holding a subscription role usually lacks, and they outlive one stack (MCP clients' redirect URIs and
admin consent are tenant-level decisions). README.md shows the two ``az ad app create`` commands.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import pulumi

from stacks.config import PROJECT, REPO_ROOT, StackConfigError, read_value
from stacks.packages import package as package_spec

PYTHON_VERSIONS: Final = ("3.11", "3.12")  # azure-functions 1.26 (2.x needs 3.13), per shared/clouds.md
INSTANCE_MEMORY_MB: Final = (512, 2048, 4096)  # Flex Consumption instance sizes
PRINCIPAL_TYPES: Final = ("User", "Group", "ServicePrincipal")
REDIS_SKUS: Final = ("Balanced_B0", "Balanced_B1", "Balanced_B3", "Balanced_B5", "MemoryOptimized_M10")
POSTGRES_TIERS: Final = ("Burstable", "GeneralPurpose", "MemoryOptimized")

_ENVIRONMENT_RE: Final = re.compile(r"^[a-z][a-z0-9]{0,9}$")  # goes into 24-character storage/vault names
_SUFFIX_RE: Final = re.compile(r"^[a-z0-9]{4,8}$")
_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOCATION_RE: Final = re.compile(r"^[a-z][a-z0-9]{2,30}$")
_DB_NAME_RE: Final = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LABEL_RE: Final = re.compile(r"^[^*,\\]{1,128}$")  # App Configuration labels: no '*', ',' or '\'

Kind = Literal["str", "int", "float", "bool", "list", "secret"]
PrincipalType = Literal["User", "Group", "ServicePrincipal"]


@dataclass(frozen=True, slots=True)
class AzureConfig:
    """Everything the Azure program reads from configuration. Built by ``load_azure_config`` (or directly)."""

    location: str
    environment: str
    mcp_app_client_id: str  # the MCP server's app registration (tokens' aud)
    api_app_client_id: str  # the company API's app registration (requestedAccessTokenVersion 2)
    db_admin_object_id: str  # the Entra principal that administers PostgreSQL (seeding, creating roles)
    db_admin_principal_name: str
    alarm_email: pulumi.Output[str] | str
    db_admin_principal_type: PrincipalType = "Group"
    unique_suffix: str | None = None  # globally unique names (storage, vault, apps); default: from org/stack
    vnet_cidr: str = "10.50.0.0/16"
    python_version: str = "3.11"
    mcp_memory_mb: int = 2048
    api_memory_mb: int = 2048
    mcp_max_instances: int = 40
    api_max_instances: int = 40
    mcp_always_ready: int = 0
    postgres_sku: str = "Standard_B1ms"
    postgres_tier: str = "Burstable"
    postgres_storage_gb: int = 32
    db_name: str = "companies"
    backup_retention_days: int = 7
    geo_redundant_backup: bool = False
    deletion_protection: bool = True
    redis_sku: str = "Balanced_B0"
    log_retention_days: int = 30
    audit_retention_days: int = 365
    flags_label: str | None = None
    flags_refresh_seconds: int = 15
    allowed_origins: tuple[str, ...] = ()
    mcp_package_path: str | None = None
    api_package_path: str | None = None
    error_rate_threshold_percent: float = 5.0
    p99_latency_threshold_ms: float = 3000.0
    blocked_writes_threshold: int = 20

    def __post_init__(self) -> None:
        validate(self)

    @property
    def name_prefix(self) -> str:
        """Prefix of resource names that allow '-' (apps, servers, stores), e.g. ``company-mcp-dev-a1b2c3``."""
        return f"{PROJECT}-{self.environment}-{self.suffix}"

    @property
    def compact_prefix(self) -> str:
        """For 24-character names of letters and digits only (storage account, Key Vault): ``cmcpdeva1b2c3``."""
        return f"cmcp{self.environment}{self.suffix}"

    @property
    def suffix(self) -> str:
        if self.unique_suffix is not None:
            return self.unique_suffix
        digest = hashlib.sha256(f"{pulumi.get_organization()}/{PROJECT}/{self.environment}".encode())
        return digest.hexdigest()[:6]

    def archive(self, key: str) -> Path:
        """A Functions zip: the configured path (relative to the repository root), else ``dist/<row archive>``."""
        configured = self.mcp_package_path if key == "mcpPackagePath" else self.api_package_path
        if configured is None:
            row = "azure/mcp" if key == "mcpPackagePath" else "azure/api"
            try:
                configured = f"dist/{package_spec(row).archive}"
            except KeyError:
                raise _fail(key, f"stacks/packages.py has no {row!r} row yet: set the zip's path") from None
        candidate = Path(configured).expanduser()
        return candidate if candidate.is_absolute() else REPO_ROOT / candidate


def _fail(key: str, problem: str) -> StackConfigError:
    return StackConfigError(f"{PROJECT}:{key}: {problem}")


def _is_guid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def validate(cfg: AzureConfig) -> None:
    """Raise ``StackConfigError`` naming the first key that is out of range."""
    if not _LOCATION_RE.match(cfg.location):
        raise _fail("location (azure-native:location)", f"{cfg.location!r} is not an Azure region name like eastus")
    if not _ENVIRONMENT_RE.match(cfg.environment):
        raise _fail("environment", f"{cfg.environment!r} must be 1-10 chars of a-z and 0-9, starting with a letter")
    if cfg.unique_suffix is not None and not _SUFFIX_RE.match(cfg.unique_suffix):
        raise _fail("uniqueSuffix", f"{cfg.unique_suffix!r} must be 4-8 chars of a-z and 0-9")
    for key, value in (
        ("mcpAppClientId", cfg.mcp_app_client_id),
        ("apiAppClientId", cfg.api_app_client_id),
        ("dbAdminObjectId", cfg.db_admin_object_id),
    ):
        if not _is_guid(value):
            raise _fail(key, f"{value!r} is not a GUID (e.g. from `az ad app show --id ... --query appId`)")
    if cfg.mcp_app_client_id == cfg.api_app_client_id:
        raise _fail("apiAppClientId", "must differ from mcpAppClientId: the API checks tokens minted for itself")
    if not cfg.db_admin_principal_name.strip():
        raise _fail("dbAdminPrincipalName", "required: the Entra user, group or app name of dbAdminObjectId")
    if cfg.db_admin_principal_type not in PRINCIPAL_TYPES:
        raise _fail(
            "dbAdminPrincipalType", f"{cfg.db_admin_principal_type!r} is not one of {', '.join(PRINCIPAL_TYPES)}"
        )
    if isinstance(cfg.alarm_email, str) and not _EMAIL_RE.match(cfg.alarm_email):
        raise _fail("alarmEmail", f"{cfg.alarm_email!r} is not an email address")
    try:
        network = ipaddress.ip_network(cfg.vnet_cidr)
    except ValueError as exc:
        raise _fail("vnetCidr", f"{cfg.vnet_cidr!r} is not a CIDR block ({exc})") from None
    if network.version != 4 or not 16 <= network.prefixlen <= 22 or not network.is_private:
        raise _fail("vnetCidr", f"{cfg.vnet_cidr!r} must be a private IPv4 block between /16 and /22")
    if cfg.python_version not in PYTHON_VERSIONS:
        raise _fail("pythonVersion", f"{cfg.python_version!r} is not one of {', '.join(PYTHON_VERSIONS)}")
    for key, mb in (("mcpMemoryMb", cfg.mcp_memory_mb), ("apiMemoryMb", cfg.api_memory_mb)):
        if mb not in INSTANCE_MEMORY_MB:
            raise _fail(
                key, f"{mb} is not a Flex Consumption instance size ({', '.join(map(str, INSTANCE_MEMORY_MB))})"
            )
    for key, count in (("mcpMaxInstances", cfg.mcp_max_instances), ("apiMaxInstances", cfg.api_max_instances)):
        if not 40 <= count <= 1000:
            raise _fail(key, f"{count} must be 40..1000 (Flex Consumption's maximum instance count range)")
    if not 0 <= cfg.mcp_always_ready <= cfg.mcp_max_instances:
        raise _fail("mcpAlwaysReady", f"{cfg.mcp_always_ready} must be 0..mcpMaxInstances")
    if cfg.postgres_tier not in POSTGRES_TIERS:
        raise _fail("postgresTier", f"{cfg.postgres_tier!r} is not one of {', '.join(POSTGRES_TIERS)}")
    if not cfg.postgres_sku.startswith("Standard_"):
        raise _fail(
            "postgresSku", f"{cfg.postgres_sku!r} must be a compute name like Standard_B1ms or Standard_D2ds_v5"
        )
    if not 32 <= cfg.postgres_storage_gb <= 32768:
        raise _fail("postgresStorageGb", f"{cfg.postgres_storage_gb} must be 32..32768")
    if not _DB_NAME_RE.match(cfg.db_name):
        raise _fail("dbName", f"{cfg.db_name!r} must be a lower-case PostgreSQL identifier")
    if not 7 <= cfg.backup_retention_days <= 35:
        raise _fail("backupRetentionDays", f"{cfg.backup_retention_days} must be 7..35 (PostgreSQL Flexible Server)")
    if cfg.redis_sku not in REDIS_SKUS:
        raise _fail("redisSku", f"{cfg.redis_sku!r} is not one of {', '.join(REDIS_SKUS)} (Azure Managed Redis)")
    if not 30 <= cfg.log_retention_days <= 730:
        raise _fail(
            "logRetentionDays", f"{cfg.log_retention_days} must be 30..730 (Log Analytics interactive retention)"
        )
    if not cfg.log_retention_days <= cfg.audit_retention_days <= 730:
        raise _fail("auditRetentionDays", f"{cfg.audit_retention_days} must be logRetentionDays..730")
    if cfg.flags_label is not None and not _LABEL_RE.match(cfg.flags_label):
        raise _fail("flagsLabel", f"{cfg.flags_label!r}: an App Configuration label has no '*', ',' or '\\'")
    if not 1 <= cfg.flags_refresh_seconds <= 300:
        raise _fail("flagsRefreshSeconds", f"{cfg.flags_refresh_seconds} must be 1..300")
    for origin in cfg.allowed_origins:
        if not origin.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise _fail("allowedOrigins", f"{origin!r} must be an https:// origin (or http://localhost for tests)")
    if not 0 < cfg.error_rate_threshold_percent <= 100:
        raise _fail("errorRateThresholdPercent", "must be in (0, 100]")
    if cfg.p99_latency_threshold_ms <= 0:
        raise _fail("p99LatencyThresholdMs", "must be positive")
    if cfg.blocked_writes_threshold < 1:
        raise _fail("blockedWritesThreshold", "must be at least 1")


# Required keys -> field (azure-native:location is read from the provider's namespace).
REQUIRED_KEYS: Final[dict[str, str]] = {
    "mcpAppClientId": "mcp_app_client_id",
    "apiAppClientId": "api_app_client_id",
    "dbAdminObjectId": "db_admin_object_id",
    "dbAdminPrincipalName": "db_admin_principal_name",
}
REQUIRED_SECRETS: Final[dict[str, str]] = {"alarmEmail": "alarm_email"}  # personal data: secret in state and logs
# Optional key -> (field, kind); a key left unset takes the field's default.
OPTIONAL_KEYS: Final[dict[str, tuple[str, Kind]]] = {
    "environment": ("environment", "str"),
    "dbAdminPrincipalType": ("db_admin_principal_type", "str"),
    "uniqueSuffix": ("unique_suffix", "str"),
    "vnetCidr": ("vnet_cidr", "str"),
    "pythonVersion": ("python_version", "str"),
    "mcpMemoryMb": ("mcp_memory_mb", "int"),
    "apiMemoryMb": ("api_memory_mb", "int"),
    "mcpMaxInstances": ("mcp_max_instances", "int"),
    "apiMaxInstances": ("api_max_instances", "int"),
    "mcpAlwaysReady": ("mcp_always_ready", "int"),
    "postgresSku": ("postgres_sku", "str"),
    "postgresTier": ("postgres_tier", "str"),
    "postgresStorageGb": ("postgres_storage_gb", "int"),
    "dbName": ("db_name", "str"),
    "backupRetentionDays": ("backup_retention_days", "int"),
    "geoRedundantBackup": ("geo_redundant_backup", "bool"),
    "deletionProtection": ("deletion_protection", "bool"),
    "redisSku": ("redis_sku", "str"),
    "logRetentionDays": ("log_retention_days", "int"),
    "auditRetentionDays": ("audit_retention_days", "int"),
    "flagsLabel": ("flags_label", "str"),
    "flagsRefreshSeconds": ("flags_refresh_seconds", "int"),
    "allowedOrigins": ("allowed_origins", "list"),
    "mcpPackagePath": ("mcp_package_path", "str"),
    "apiPackagePath": ("api_package_path", "str"),
    "errorRateThresholdPercent": ("error_rate_threshold_percent", "float"),
    "p99LatencyThresholdMs": ("p99_latency_threshold_ms", "float"),
    "blockedWritesThreshold": ("blocked_writes_threshold", "int"),
}


def load_azure_config() -> AzureConfig:
    """Read the Azure stack's configuration (called once, from ``__main__`` when ``cloud`` is ``azure``)."""
    config = pulumi.Config(PROJECT)
    location = pulumi.Config("azure-native").get("location")
    if not location:
        raise StackConfigError(
            "azure-native:location: required (e.g. `pulumi config set azure-native:location eastus`)"
        )
    values: dict[str, object] = {"location": location, "environment": pulumi.get_stack().replace("-", "")}
    for key, field in REQUIRED_KEYS.items():
        value = config.get(key)
        if not value:
            raise _fail(key, "required (see Pulumi.azure-dev.example.yaml and README.md, Deploy to Azure)")
        values[field] = value
    for key, field in REQUIRED_SECRETS.items():
        if config.get(key) is None:
            raise _fail(key, f"required, as a secret: pulumi config set --secret {key} ...")
        values[field] = config.require_secret(key)
    for key, (field, kind) in OPTIONAL_KEYS.items():
        value = read_value(config, key, kind)
        if value is not None:
            values[field] = value
    return AzureConfig(**values)  # type: ignore[arg-type]
