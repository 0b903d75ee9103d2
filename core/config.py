"""Settings: the only place in core that knows about environment variables (prefix ``COMPANY_MCP_``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.catalog import TOOL_NAMES, default_rate_limits
from core.errors import ConfigError
from core.loopback import is_loopback

AdapterName = Literal["fake", "graphql", "aws", "azure", "gcp"]
AuthMode = Literal["none", "dev", "oidc"]
InterpreterName = Literal["rules", "bedrock", "azure_openai", "vertex"]

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE_RE = re.compile(r"^\s*([a-z_]+)\s*=\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    amount: int
    window_s: int
    text: str  # as the user wrote it, e.g. "5/minute"


def parse_rate_limits(spec: str) -> dict[str, RateLimitRule]:
    """Parse ``ai_search=5/minute,request_email_discovery=10/hour``; a tool name not in the catalog is refused
    (a typo would otherwise leave the tool silently unlimited)."""
    rules: dict[str, RateLimitRule] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        match = _RATE_RE.match(part)
        if match is None:
            raise ConfigError(f"bad rate limit {part!r}: expected TOOL=N/second|minute|hour|day")
        tool, amount, period = match.groups()
        if tool not in TOOL_NAMES:
            raise ConfigError(
                f"bad rate limit {part!r}: there is no tool {tool!r}; the tools are {', '.join(TOOL_NAMES)}"
            )
        if int(amount) < 1:
            raise ConfigError(f"bad rate limit {part!r}: the amount must be at least 1")
        rules[tool] = RateLimitRule(int(amount), _PERIODS[period], f"{amount}/{period}")
    return rules


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("company-mcp", appauthor=False))


class Settings(BaseSettings):
    """Every setting has an environment variable ``COMPANY_MCP_<NAME>`` (design.md section 4)."""

    model_config = SettingsConfigDict(env_prefix="COMPANY_MCP_", extra="ignore", populate_by_name=True)

    adapter: AdapterName = "fake"
    transport: Literal["stdio", "http"] = "http"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    allow_mutations: bool = Field(
        default=False,
        validation_alias=AliasChoices("COMPANY_MCP_ALLOW_MUTATIONS", "ALLOW_MUTATIONS", "allow_mutations"),
    )
    data_dir: Path = Field(default_factory=default_data_dir)
    auth: AuthMode | None = None  # None: the transport's default (see effective_auth)
    resource_url: str | None = None
    allowed_origins: str | None = None  # comma separated; default: loopback origins
    rate_limits: str = Field(default_factory=default_rate_limits)  # from each tool's rate class (core.catalog)
    redis_url: str | None = None
    graphql_url: str | None = None
    shadow_graphql_url: str | None = None  # mirror reads to a second company API and report parity
    # The company API's service-caller secret; unset: both ends use <data_dir>/api-service.key.
    api_shared_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "COMPANY_MCP_API_SHARED_SECRET", "COMPANY_API_SHARED_SECRET", "api_shared_secret"
        ),
    )
    call_timeout_s: float = Field(default=10.0, gt=0, le=600)
    log_format: Literal["json", "text"] = "json"
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    metrics_token: SecretStr | None = None  # operators' bearer token for /metrics and /readyz details
    header_timeout_s: float = Field(default=10.0, gt=0, le=120)  # request headers must be complete by then
    max_connections: int = Field(default=1000, ge=1)  # per process; beyond it uvicorn answers 503
    seed_companies: int = Field(default=50_000, ge=1)
    discovery_delay_s: float = Field(default=3.0, ge=0)
    cursor_secret: str | None = None  # shared by every process serving one deployment
    oidc_issuer: str | None = None
    oidc_audience: str | None = None  # comma separated; default: the resource URL
    oidc_jwks_url: str | None = None  # default: from the issuer's discovery document
    oidc_profile: Literal["generic", "cognito", "entra", "google"] = "generic"
    oidc_client_ids: str | None = None  # cognito: comma-separated app clients allowed to call
    oidc_scope_prefix: str | None = None  # cognito: the resource server identifier prefixing scopes
    oidc_claim_scopes: str | None = None  # google: JSON {"claim=value": ["companies:read", ...]}
    oidc_leeway_s: float = Field(default=60.0, ge=0, le=60)
    oidc_max_token_lifetime_s: float = Field(default=86_400.0, gt=0)  # longer-lived tokens are refused
    # Who reads ai_search prompts: the rules (offline) or the cloud's model, with the rules as the fallback.
    prompt_interpreter: InterpreterName = "rules"
    prompt_interpreter_timeout_s: float = Field(default=3.0, gt=0, le=60)

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def effective_auth(self) -> AuthMode:
        """stdio runs as the local user; HTTP verifies bearer tokens (dev tokens unless configured)."""
        if self.transport == "stdio":
            return "none"
        return self.auth if self.auth is not None else "dev"

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def bind_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/mcp"

    @property
    def public_url(self) -> str:
        """What clients call (the token audience): the resource URL behind a load balancer, else the bind URL."""
        return self.resource_url or self.bind_url

    def rate_limit_rules(self) -> dict[str, RateLimitRule]:
        return parse_rate_limits(self.rate_limits)

    def origins(self) -> list[str]:
        if self.allowed_origins:
            return [o.strip() for o in self.allowed_origins.split(",") if o.strip()]
        return ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]

    def check(self) -> None:
        """Refuse configurations that would break a promise (called before serving)."""
        self.rate_limit_rules()
        if self.transport == "http" and self.effective_auth == "none" and not is_loopback(self.host):
            raise ConfigError(
                f"auth=none is only allowed on loopback, not on {self.host}: "
                "set COMPANY_MCP_AUTH=dev or oidc, or bind to 127.0.0.1"
            )
        if self.transport == "http" and self.effective_auth == "oidc" and not self.oidc_issuer:
            raise ConfigError("COMPANY_MCP_AUTH=oidc needs COMPANY_MCP_OIDC_ISSUER (the token issuer's URL)")
        if self.workers > 1 and not self.redis_url:
            raise ConfigError(
                f"--workers {self.workers} needs a shared rate-limit store: set COMPANY_MCP_REDIS_URL "
                "(rate limits per process would multiply every caller's budget)"
            )
        if self.prompt_interpreter != "rules" and self.prompt_interpreter_timeout_s >= self.call_timeout_s:
            raise ConfigError(
                "COMPANY_MCP_PROMPT_INTERPRETER_TIMEOUT_S must be below COMPANY_MCP_CALL_TIMEOUT_S, "
                "or a slow model would time the whole ai_search call out instead of falling back to the rules"
            )
        if self.workers > 1 and self.transport == "stdio":
            raise ConfigError("--workers applies to the http transport only")
