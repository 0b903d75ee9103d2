"""The stack's configuration, read once into a frozen ``StackConfig``.

Keys live in the project namespace (``company-mcp:<key>``); the AWS region is the AWS provider's own
``aws:region``. Every key, its default and its meaning is listed in ``Pulumi.aws-dev.example.yaml`` and
``README.md (Deploy to AWS)``. Values are checked here, before any resource is declared, so a typo fails
``pulumi preview`` with a message naming the key instead of failing half-way through ``pulumi up``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import pulumi

from stacks.components.aws.appconfig_layers import VERSIONS_PAGE, published_layer

PROJECT: Final = "company-mcp"
REPO_ROOT: Final = Path(__file__).resolve().parent.parent

Cloud = Literal["aws"]
IMPLEMENTED_CLOUDS: Final = ("aws", "azure", "gcp")  # azure, gcp: stacks/components/<cloud>/config.py
PLANNED_CLOUDS: Final[tuple[str, ...]] = ()

OidcProfile = Literal["cognito", "generic", "entra", "google"]
_PROFILES: Final = ("cognito", "generic", "entra", "google")

# The values CloudWatch Logs accepts for retention_in_days.
LOG_RETENTION_DAYS: Final = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
LAMBDA_PYTHON_RUNTIMES: Final = ("python3.12", "python3.13")  # Amazon Linux 2023 (glibc 2.34)

_ENVIRONMENT_RE: Final = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_DOMAIN_PREFIX_RE: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LAYER_ARN_RE: Final = re.compile(r"^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")


class StackConfigError(ValueError):
    """A configuration value is missing or out of range; the message names the key and how to fix it."""


class CloudNotImplemented(StackConfigError):
    """``company-mcp:cloud`` names a cloud whose stack is not written yet."""


@dataclass(frozen=True, slots=True)
class StackConfig:
    """Everything the program reads from configuration. Built by ``load_config`` (or directly, in tests)."""

    cloud: Cloud
    region: str
    environment: str
    # The AppConfig agent extension layer; default: the one AWS publishes in the region (appconfig_layers.py).
    appconfig_extension_layer_arn: str | None = None
    vpc_cidr: str = "10.40.0.0/16"
    # Token issuer: Cognito (created by the stack) unless an external OIDC issuer is configured.
    oidc_issuer: str | None = None
    oidc_profile: OidcProfile = "cognito"
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_token_endpoint: str | None = None
    oidc_claim_scopes: str | None = None  # google profile: JSON claim rules (COMPANY_MCP_OIDC_CLAIM_SCOPES)
    allowed_client_ids: tuple[str, ...] = ()
    cognito_domain_prefix: str | None = None
    cognito_resource_server: str = "company-mcp"
    # The MCP server's public URL (its OAuth resource / audience) behind a custom domain; default: the Function
    # URL, which the function reads from Lambda at start (adapters/aws/function_url.py).
    public_url: str | None = None
    alarm_email: pulumi.Output[str] | str | None = None
    log_retention_days: int = 30
    audit_retention_days: int = 365
    lambda_runtime: str = "python3.12"
    mcp_memory_mb: int = 1024
    resolver_memory_mb: int = 512
    aurora_engine_version: str = "16.6"
    aurora_min_acu: float = 0.5
    aurora_max_acu: float = 4.0
    db_name: str = "companies"
    deletion_protection: bool = True
    backup_retention_days: int = 7
    api_private: bool = True
    mcp_package_path: str = "dist/mcp-lambda.zip"
    resolver_package_path: str = "dist/resolver-lambda.zip"
    error_rate_threshold_percent: float = 5.0
    p99_latency_threshold_ms: float = 3000.0
    blocked_writes_threshold: int = 20
    seed_bastion: bool = False

    def __post_init__(self) -> None:
        validate(self)

    @property
    def uses_cognito(self) -> bool:
        return self.oidc_issuer is None

    @property
    def appconfig_layer_arn(self) -> str:
        """The configured layer, else the region's published one (``validate`` made sure there is one)."""
        return self.appconfig_extension_layer_arn or str(published_layer(self.region))

    @property
    def name_prefix(self) -> str:
        """Prefix of every physical name (functions, log groups, API, cache), e.g. ``company-mcp-dev``."""
        return f"{PROJECT}-{self.environment}"

    def package(self, path: str) -> Path:
        """A Lambda zip path as configured: relative paths are relative to the repository root."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else REPO_ROOT / candidate


def _fail(key: str, problem: str) -> StackConfigError:
    return StackConfigError(f"{PROJECT}:{key}: {problem}")


def validate(cfg: StackConfig) -> None:
    """Raise ``StackConfigError`` naming the first key that is out of range."""
    if not _ENVIRONMENT_RE.match(cfg.environment):
        raise _fail(
            "environment", f"{cfg.environment!r} must be 1-20 chars of a-z, 0-9 and '-', starting with a letter"
        )
    try:
        network = ipaddress.ip_network(cfg.vpc_cidr)
    except ValueError as exc:
        raise _fail("vpcCidr", f"{cfg.vpc_cidr!r} is not a CIDR block ({exc})") from None
    if network.version != 4 or not 16 <= network.prefixlen <= 24 or not network.is_private:
        raise _fail("vpcCidr", f"{cfg.vpc_cidr!r} must be a private IPv4 block between /16 and /24")
    if cfg.appconfig_extension_layer_arn is None and published_layer(cfg.region) is None:
        raise _fail(
            "appconfigExtensionLayerArn",
            f"no published AppConfig agent layer is known for {cfg.region}: set the x86_64 layer ARN of that region "
            f"from {VERSIONS_PAGE}",
        )
    if cfg.appconfig_extension_layer_arn is not None and not _LAYER_ARN_RE.match(cfg.appconfig_extension_layer_arn):
        raise _fail(
            "appconfigExtensionLayerArn",
            "must be the AWS AppConfig Agent Lambda extension layer ARN of your region (x86_64), "
            f"e.g. arn:aws:lambda:<region>:<account>:layer:AWS-AppConfig-Extension:<version> ({VERSIONS_PAGE}); "
            "or leave it unset for the region's published layer",
        )
    if f":lambda:{cfg.region}:" not in cfg.appconfig_layer_arn:
        raise _fail("appconfigExtensionLayerArn", f"the layer must be in the stack's region {cfg.region}")
    for key, url in (
        ("oidcIssuer", cfg.oidc_issuer),
        ("oidcJwksUrl", cfg.oidc_jwks_url),
        ("publicUrl", cfg.public_url),
    ):
        if url is not None and not url.startswith("https://"):
            raise _fail(key, f"{url!r} must be an https:// URL")
    if cfg.public_url is not None and not cfg.public_url.rstrip("/").endswith("/mcp"):
        raise _fail("publicUrl", f"{cfg.public_url!r} must be the MCP endpoint, ending in /mcp")
    if cfg.oidc_profile not in _PROFILES:
        raise _fail("oidcProfile", f"{cfg.oidc_profile!r} is not one of {', '.join(_PROFILES)}")
    if cfg.uses_cognito and cfg.oidc_profile != "cognito":
        raise _fail("oidcProfile", "without oidcIssuer the stack creates a Cognito user pool: the profile is 'cognito'")
    if not cfg.uses_cognito and cfg.oidc_profile == "cognito" and not cfg.allowed_client_ids:
        raise _fail("allowedClientIds", "an external Cognito issuer needs the app client ids allowed to call")
    if cfg.cognito_domain_prefix is not None and (
        not _DOMAIN_PREFIX_RE.match(cfg.cognito_domain_prefix)
        or any(word in cfg.cognito_domain_prefix for word in ("aws", "amazon", "cognito"))
    ):
        raise _fail("cognitoDomainPrefix", "lower-case letters, digits and '-', without 'aws', 'amazon' or 'cognito'")
    if isinstance(cfg.alarm_email, str) and not _EMAIL_RE.match(cfg.alarm_email):
        raise _fail("alarmEmail", f"{cfg.alarm_email!r} is not an email address")
    for key, days in (("logRetentionDays", cfg.log_retention_days), ("auditRetentionDays", cfg.audit_retention_days)):
        if days not in LOG_RETENTION_DAYS:
            raise _fail(
                key, f"{days} is not a CloudWatch Logs retention ({', '.join(map(str, sorted(LOG_RETENTION_DAYS)))})"
            )
    if cfg.lambda_runtime not in LAMBDA_PYTHON_RUNTIMES:
        raise _fail("lambdaRuntime", f"{cfg.lambda_runtime!r} is not one of {', '.join(LAMBDA_PYTHON_RUNTIMES)}")
    for key, mb in (("mcpMemoryMb", cfg.mcp_memory_mb), ("resolverMemoryMb", cfg.resolver_memory_mb)):
        if not 128 <= mb <= 10240:
            raise _fail(key, f"{mb} MB is outside Lambda's 128..10240 MB")
    if not (0 <= cfg.aurora_min_acu <= 256 and (cfg.aurora_min_acu * 2).is_integer()):
        raise _fail("auroraMinAcu", f"{cfg.aurora_min_acu} must be 0..256 in steps of 0.5 (0 pauses when idle)")
    if not (1 <= cfg.aurora_max_acu <= 256 and (cfg.aurora_max_acu * 2).is_integer()):
        raise _fail("auroraMaxAcu", f"{cfg.aurora_max_acu} must be 1..256 in steps of 0.5")
    if cfg.aurora_max_acu < cfg.aurora_min_acu:
        raise _fail("auroraMaxAcu", "must be at least auroraMinAcu")
    if not 1 <= cfg.backup_retention_days <= 35:
        raise _fail("backupRetentionDays", f"{cfg.backup_retention_days} must be 1..35")
    if not re.match(r"^[a-z][a-z0-9_]{0,62}$", cfg.db_name):
        raise _fail("dbName", f"{cfg.db_name!r} must be a lower-case PostgreSQL identifier")
    if not 0 < cfg.error_rate_threshold_percent <= 100:
        raise _fail("errorRateThresholdPercent", "must be in (0, 100]")
    if cfg.p99_latency_threshold_ms <= 0:
        raise _fail("p99LatencyThresholdMs", "must be positive")
    if cfg.blocked_writes_threshold < 1:
        raise _fail("blockedWritesThreshold", "must be at least 1")


def selected_cloud(config: pulumi.Config | None = None) -> str:
    """``company-mcp:cloud``, checked: one of ``IMPLEMENTED_CLOUDS`` (``__main__`` dispatches on it)."""
    cloud = (config or pulumi.Config(PROJECT)).require("cloud").strip().lower()
    if cloud in PLANNED_CLOUDS:
        raise CloudNotImplemented(
            f"{PROJECT}:cloud is {cloud!r}: the {cloud} stack is not implemented yet "
            f"(planned: {', '.join(PLANNED_CLOUDS)}; implemented: {', '.join(IMPLEMENTED_CLOUDS)})"
        )
    if cloud not in IMPLEMENTED_CLOUDS:
        raise StackConfigError(f"{PROJECT}:cloud is {cloud!r}: expected one of {', '.join(IMPLEMENTED_CLOUDS)}")
    return cloud


def _cloud(config: pulumi.Config) -> Cloud:
    cloud = selected_cloud(config)
    if cloud != "aws":
        raise StackConfigError(
            f"{PROJECT}:cloud is {cloud!r}: read by stacks.components.{cloud}.config, not load_config"
        )
    return "aws"


Kind = Literal["str", "int", "float", "bool", "list", "secret"]

# Required keys: cloud (and the provider's aws:region).
REQUIRED_KEYS: Final = ("cloud",)
# Optional key -> (StackConfig field, kind). A key left unset takes the field's default.
OPTIONAL_KEYS: Final[dict[str, tuple[str, Kind]]] = {
    "environment": ("environment", "str"),
    "appconfigExtensionLayerArn": ("appconfig_extension_layer_arn", "str"),
    "vpcCidr": ("vpc_cidr", "str"),
    "oidcIssuer": ("oidc_issuer", "str"),
    "oidcProfile": ("oidc_profile", "str"),
    "oidcAudience": ("oidc_audience", "str"),
    "oidcJwksUrl": ("oidc_jwks_url", "str"),
    "oidcTokenEndpoint": ("oidc_token_endpoint", "str"),
    "oidcClaimScopes": ("oidc_claim_scopes", "str"),
    "allowedClientIds": ("allowed_client_ids", "list"),
    "cognitoDomainPrefix": ("cognito_domain_prefix", "str"),
    "cognitoResourceServer": ("cognito_resource_server", "str"),
    "publicUrl": ("public_url", "str"),
    "alarmEmail": ("alarm_email", "secret"),
    "logRetentionDays": ("log_retention_days", "int"),
    "auditRetentionDays": ("audit_retention_days", "int"),
    "lambdaRuntime": ("lambda_runtime", "str"),
    "mcpMemoryMb": ("mcp_memory_mb", "int"),
    "resolverMemoryMb": ("resolver_memory_mb", "int"),
    "auroraEngineVersion": ("aurora_engine_version", "str"),
    "auroraMinAcu": ("aurora_min_acu", "float"),
    "auroraMaxAcu": ("aurora_max_acu", "float"),
    "dbName": ("db_name", "str"),
    "deletionProtection": ("deletion_protection", "bool"),
    "backupRetentionDays": ("backup_retention_days", "int"),
    "apiPrivate": ("api_private", "bool"),
    "mcpPackagePath": ("mcp_package_path", "str"),
    "resolverPackagePath": ("resolver_package_path", "str"),
    "errorRateThresholdPercent": ("error_rate_threshold_percent", "float"),
    "p99LatencyThresholdMs": ("p99_latency_threshold_ms", "float"),
    "blockedWritesThreshold": ("blocked_writes_threshold", "int"),
    "seedBastion": ("seed_bastion", "bool"),
}


def read_value(config: pulumi.Config, key: str, kind: str) -> object:
    """One optional key as ``kind`` (str, int, float, bool, secret, list, json), for every cloud's loader; a
    value of the wrong type fails naming the key."""
    try:
        if kind == "int":
            return config.get_int(key)
        if kind == "float":
            return config.get_float(key)
        if kind == "bool":
            return config.get_bool(key)
    except pulumi.ConfigTypeError as exc:
        raise _fail(key, str(exc)) from None
    if kind == "secret":
        return config.get_secret(key)  # personal data (an email address): kept secret in state and logs
    if kind == "list":
        return _string_list(config, key)
    if kind == "json":
        value: Any = config.get_object(key)  # a YAML mapping in the stack file, or a JSON string
        return value if value is None or isinstance(value, str) else json.dumps(value, sort_keys=True)
    return config.get(key)


def _string_list(config: pulumi.Config, key: str) -> tuple[str, ...] | None:
    """A list key: a YAML/JSON list of strings, or one comma-separated string."""
    raw = config.get(key)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise _fail(key, "must be a list of strings")


def load_config() -> StackConfig:
    """Read the stack's configuration (call once, from ``__main__``)."""
    config = pulumi.Config(PROJECT)
    cloud = _cloud(config)
    values: dict[str, Any] = {"environment": pulumi.get_stack()}
    for key, (field, kind) in OPTIONAL_KEYS.items():
        value = read_value(config, key, kind)
        if value is not None:
            values[field] = value
    if "oidc_issuer" in values and "oidc_profile" not in values:
        values["oidc_profile"] = "generic"
    return StackConfig(
        cloud=cloud,
        region=pulumi.Config("aws").require("region"),
        **values,
    )
