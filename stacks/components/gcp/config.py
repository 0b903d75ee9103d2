"""The GCP stack's configuration, read once into a frozen ``GcpStackConfig``.

Keys live in the project namespace (``company-mcp:<key>``) except the project and region, which are the
Google provider's own ``gcp:project`` and ``gcp:region``. Every key, its default and its meaning is listed in
``Pulumi.gcp-dev.example.yaml`` and README.md (Deploy to GCP). Values are checked before any resource is declared,
so a typo fails ``pulumi preview`` naming the key.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

import pulumi

from stacks.config import PROJECT, StackConfigError, read_value

GOOGLE_ISSUER: Final = "https://accounts.google.com"
IDENTITY_PLATFORM_ISSUER: Final = "https://securetoken.google.com/"
OidcProfile = Literal["google", "generic"]
_PROFILES: Final = ("google", "generic")

_ENVIRONMENT_RE: Final = re.compile(r"^[a-z][a-z0-9-]{0,13}$")  # Cloud Run names: prefix + "-mcp" within 49
_PROJECT_RE: Final = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_REGION_RE: Final = re.compile(r"^[a-z]+-[a-z]+[0-9]$")
_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# An Artifact Registry image pinned by digest: what `pulumi up` deploys is exactly what was pushed.
_IMAGE_RE: Final = re.compile(
    r"^[a-z0-9-]+-docker\.pkg\.dev/[a-z][a-z0-9-]+/[a-z0-9._-]+/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$"
)
_DB_TIER_RE: Final = re.compile(r"^db-(custom-\d+-\d+|perf-optimized-N-\d+|f1-micro|g1-small)$")
_CPU: Final = ("1", "2", "4", "8")
_MEMORY_RE: Final = re.compile(r"^\d+(Mi|Gi)$")
REDIS_TIERS: Final = ("BASIC", "STANDARD_HA")
AUDIT_RETENTION_MIN_DAYS: Final = 1
AUDIT_RETENTION_MAX_DAYS: Final = 3650  # Cloud Logging bucket retention limit


@dataclass(frozen=True, slots=True)
class GcpStackConfig:
    """Everything the GCP program reads from configuration. Built by ``load_gcp_config`` (or directly, in tests)."""

    project: str
    region: str
    environment: str
    oidc_audience: str  # the OAuth client id (Google) or the project id (Identity Platform)
    # The two images (deploy/gcp/Dockerfile targets mcp and api), REGION-docker.pkg.dev/PROJECT/company-mcp/<name>
    # @sha256:... (README: build and push). Unset on the first `pulumi up`: everything but the Cloud Run services is
    # deployed, including the repository to push to.
    image: str | None = None
    api_image: str | None = None
    oidc_issuer: str = GOOGLE_ISSUER
    oidc_profile: OidcProfile = "google"
    oidc_claim_scopes: str | None = None  # google: JSON {"claim=value": ["companies:read", ...]}
    alarm_email: pulumi.Output[str] | str | None = None
    subnet_cidr: str = "10.60.0.0/24"
    services_prefix_length: int = 20  # the Private Service Access range (Cloud SQL, Memorystore)
    db_tier: str = "db-custom-1-3840"
    db_disk_gb: int = 10
    db_name: str = "companies"
    db_high_availability: bool = False
    deletion_protection: bool = True
    backup_retention_count: int = 7
    redis_tier: str = "BASIC"
    redis_memory_gb: int = 1
    mcp_cpu: str = "1"
    mcp_memory: str = "512Mi"
    # Instance-based billing for the MCP service: its metrics writer runs between requests (request-based billing
    # throttles the CPU there, so points would lag until the next request).
    mcp_cpu_always_allocated: bool = True
    api_cpu: str = "1"
    api_memory: str = "512Mi"
    min_instances: int = 0
    max_instances: int = 10
    flags_refresh_s: int = 15
    audit_retention_days: int = 365
    audit_bucket_locked: bool = True
    error_rate_threshold_percent: float = 5.0
    p99_latency_threshold_ms: float = 3000.0
    blocked_writes_threshold: int = 20
    seed_job: bool = False

    def __post_init__(self) -> None:
        validate(self)

    @property
    def cloud(self) -> str:
        return "gcp"

    @property
    def name_prefix(self) -> str:
        """Prefix of every physical name, e.g. ``company-mcp-dev``."""
        return f"{PROJECT}-{self.environment}"


def _fail(key: str, problem: str) -> StackConfigError:
    return StackConfigError(f"{PROJECT}:{key}: {problem}" if ":" not in key else f"{key}: {problem}")


def validate(cfg: GcpStackConfig) -> None:
    """Raise ``StackConfigError`` naming the first key that is out of range."""
    if not _PROJECT_RE.match(cfg.project):
        raise _fail("gcp:project", f"{cfg.project!r} is not a project id (6-30 chars of a-z, 0-9 and '-')")
    if not _REGION_RE.match(cfg.region):
        raise _fail("gcp:region", f"{cfg.region!r} is not a region such as us-central1")
    if not _ENVIRONMENT_RE.match(cfg.environment):
        raise _fail(
            "environment", f"{cfg.environment!r} must be 1-14 chars of a-z, 0-9 and '-', starting with a letter"
        )
    for key, image, name in (("image", cfg.image, "company-mcp"), ("apiImage", cfg.api_image, "company-api")):
        if image is not None and not _IMAGE_RE.match(image):
            raise _fail(
                key,
                f"{image!r} must be an Artifact Registry image pinned by digest: "
                f"<region>-docker.pkg.dev/<project>/<repository>/{name}@sha256:<64 hex> "
                "(README.md (Deploy to GCP), step 3 prints it)",
            )
    if (cfg.image is None) != (cfg.api_image is None):
        missing = "apiImage" if cfg.api_image is None else "image"
        raise _fail(missing, "the two services deploy together: set both image and apiImage (or neither)")
    if not cfg.oidc_issuer.startswith("https://"):
        raise _fail("oidcIssuer", f"{cfg.oidc_issuer!r} must be an https:// URL")
    if cfg.oidc_profile not in _PROFILES:
        raise _fail("oidcProfile", f"{cfg.oidc_profile!r} is not one of {', '.join(_PROFILES)}")
    if not cfg.oidc_audience.strip():
        raise _fail("oidcAudience", "the OAuth client id (or, for Identity Platform, the project id) is required")
    if cfg.oidc_profile == "google":
        _check_claim_rules(cfg.oidc_claim_scopes)
    try:
        network = ipaddress.ip_network(cfg.subnet_cidr)
    except ValueError as exc:
        raise _fail("subnetCidr", f"{cfg.subnet_cidr!r} is not a CIDR block ({exc})") from None
    if network.version != 4 or not 16 <= network.prefixlen <= 26 or not network.is_private:
        raise _fail("subnetCidr", f"{cfg.subnet_cidr!r} must be a private IPv4 block between /16 and /26")
    if not 16 <= cfg.services_prefix_length <= 24:
        raise _fail("servicesPrefixLength", f"{cfg.services_prefix_length} must be 16..24 (Private Service Access)")
    if not _DB_TIER_RE.match(cfg.db_tier):
        raise _fail("dbTier", f"{cfg.db_tier!r} is not a Cloud SQL tier such as db-custom-1-3840")
    if not 10 <= cfg.db_disk_gb <= 65536:
        raise _fail("dbDiskGb", f"{cfg.db_disk_gb} must be 10..65536")
    if not re.match(r"^[a-z][a-z0-9_]{0,62}$", cfg.db_name):
        raise _fail("dbName", f"{cfg.db_name!r} must be a lower-case PostgreSQL identifier")
    if not 1 <= cfg.backup_retention_count <= 365:
        raise _fail("backupRetentionCount", f"{cfg.backup_retention_count} must be 1..365")
    if cfg.redis_tier not in REDIS_TIERS:
        raise _fail("redisTier", f"{cfg.redis_tier!r} is not one of {', '.join(REDIS_TIERS)}")
    if not 1 <= cfg.redis_memory_gb <= 300:
        raise _fail("redisMemoryGb", f"{cfg.redis_memory_gb} must be 1..300")
    for key, cpu, memory in (("mcp", cfg.mcp_cpu, cfg.mcp_memory), ("api", cfg.api_cpu, cfg.api_memory)):
        if cpu not in _CPU:
            raise _fail(f"{key}Cpu", f"{cpu!r} is not one of {', '.join(_CPU)}")
        if not _MEMORY_RE.match(memory):
            raise _fail(f"{key}Memory", f"{memory!r} must be a size such as 512Mi or 1Gi")
    if not 0 <= cfg.min_instances <= cfg.max_instances:
        raise _fail("minInstances", f"{cfg.min_instances} must be 0..maxInstances ({cfg.max_instances})")
    if not 1 <= cfg.max_instances <= 1000:
        raise _fail("maxInstances", f"{cfg.max_instances} must be 1..1000")
    if not 1 <= cfg.flags_refresh_s <= 3600:
        raise _fail("flagsRefreshS", f"{cfg.flags_refresh_s} must be 1..3600")
    if not AUDIT_RETENTION_MIN_DAYS <= cfg.audit_retention_days <= AUDIT_RETENTION_MAX_DAYS:
        raise _fail("auditRetentionDays", f"{cfg.audit_retention_days} must be 1..3650")
    if isinstance(cfg.alarm_email, str) and not _EMAIL_RE.match(cfg.alarm_email):
        raise _fail("alarmEmail", f"{cfg.alarm_email!r} is not an email address")
    if not 0 < cfg.error_rate_threshold_percent <= 100:
        raise _fail("errorRateThresholdPercent", "must be in (0, 100]")
    if cfg.p99_latency_threshold_ms <= 0:
        raise _fail("p99LatencyThresholdMs", "must be positive")
    if cfg.blocked_writes_threshold < 1:
        raise _fail("blockedWritesThreshold", "must be at least 1")


def _check_claim_rules(raw: str | None) -> None:
    """The google profile maps claims to scopes (ID tokens carry none): without rules nobody could call."""
    if raw is None:
        raise _fail(
            "oidcClaimScopes", 'the google profile needs claim rules, e.g. {"hd=example.com": ["companies:read"]}'
        )
    try:
        rules = json.loads(raw)
    except ValueError as exc:
        raise _fail("oidcClaimScopes", f"not JSON ({exc})") from None
    if (
        not isinstance(rules, dict)
        or not rules
        or not all(isinstance(k, str) and "=" in k for k in rules)
        or not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in rules.values())
    ):
        raise _fail("oidcClaimScopes", 'must map "claim=value" to a list of scopes')


Kind = Literal["str", "int", "float", "bool", "secret", "json"]

REQUIRED_KEYS: Final = ("cloud", "oidcAudience")
PROVIDER_KEYS: Final = ("gcp:project", "gcp:region")
# Optional key -> (GcpStackConfig field, kind). A key left unset takes the field's default.
OPTIONAL_KEYS: Final[dict[str, tuple[str, Kind]]] = {
    "environment": ("environment", "str"),
    "image": ("image", "str"),
    "apiImage": ("api_image", "str"),
    "oidcIssuer": ("oidc_issuer", "str"),
    "oidcProfile": ("oidc_profile", "str"),
    "oidcClaimScopes": ("oidc_claim_scopes", "json"),
    "alarmEmail": ("alarm_email", "secret"),
    "subnetCidr": ("subnet_cidr", "str"),
    "servicesPrefixLength": ("services_prefix_length", "int"),
    "dbTier": ("db_tier", "str"),
    "dbDiskGb": ("db_disk_gb", "int"),
    "dbName": ("db_name", "str"),
    "dbHighAvailability": ("db_high_availability", "bool"),
    "deletionProtection": ("deletion_protection", "bool"),
    "backupRetentionCount": ("backup_retention_count", "int"),
    "redisTier": ("redis_tier", "str"),
    "redisMemoryGb": ("redis_memory_gb", "int"),
    "mcpCpu": ("mcp_cpu", "str"),
    "mcpMemory": ("mcp_memory", "str"),
    "mcpCpuAlwaysAllocated": ("mcp_cpu_always_allocated", "bool"),
    "apiCpu": ("api_cpu", "str"),
    "apiMemory": ("api_memory", "str"),
    "minInstances": ("min_instances", "int"),
    "maxInstances": ("max_instances", "int"),
    "flagsRefreshS": ("flags_refresh_s", "int"),
    "auditRetentionDays": ("audit_retention_days", "int"),
    "auditBucketLocked": ("audit_bucket_locked", "bool"),
    "errorRateThresholdPercent": ("error_rate_threshold_percent", "float"),
    "p99LatencyThresholdMs": ("p99_latency_threshold_ms", "float"),
    "blockedWritesThreshold": ("blocked_writes_threshold", "int"),
    "seedJob": ("seed_job", "bool"),
}


def load_gcp_config() -> GcpStackConfig:
    """Read the GCP stack's configuration (``company-mcp:cloud`` was already read as ``gcp``)."""
    config = pulumi.Config(PROJECT)
    google = pulumi.Config("gcp")
    values: dict[str, Any] = {"environment": pulumi.get_stack()}
    for key, (field, kind) in OPTIONAL_KEYS.items():
        value = read_value(config, key, kind)
        if value is not None:
            values[field] = value
    if "oidc_issuer" in values and "oidc_profile" not in values and values["oidc_issuer"] != GOOGLE_ISSUER:
        values["oidc_profile"] = (
            "google" if str(values["oidc_issuer"]).startswith(IDENTITY_PLATFORM_ISSUER) else "generic"
        )
    return GcpStackConfig(
        project=google.require("project"),
        region=google.require("region"),
        oidc_audience=config.require("oidcAudience"),
        **values,
    )
