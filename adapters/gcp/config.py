"""Settings of the GCP adapter (prefix ``COMPANY_MCP_GCP_``; Google's own names where they exist).

The stack sets these on the Cloud Run service (names: /work/notes/gcp-contract.md, README "GCP runtime").
Secrets (the cursor key, the audit key, the Redis URL) arrive as Secret Manager secret environment
variables, so the process sees plain values and never calls Secret Manager itself.
"""

from __future__ import annotations

import re

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

PARAMETER_MANAGER_URL = "https://parametermanager.googleapis.com"
MONITORING_URL = "https://monitoring.googleapis.com"
LOGGING_URL = "https://logging.googleapis.com"
# At most one point per time series every 5 s (Cloud Monitoring's write limit): flush no more often than that.
MIN_FLUSH_INTERVAL_S = 5.0

_PARAMETER = re.compile(r"^projects/([^/]+)/locations/([^/]+)/parameters/([^/]+)$")


class GcpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPANY_MCP_GCP_", extra="ignore", populate_by_name=True)

    project: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COMPANY_MCP_GCP_PROJECT", "GOOGLE_CLOUD_PROJECT", "project"),
    )
    region: str | None = None  # default: the flag parameter's location
    # The ID token audience of calls to the company API (its run.app URL).
    api_audience: str | None = None
    # Parameter Manager: projects/<p>/locations/<l>/parameters/<name> (format JSON).
    flags_parameter: str | None = None
    flags_refresh_s: float = Field(default=15.0, ge=0, le=3600)
    flags_timeout_s: float = Field(default=2.0, gt=0, le=30)
    parametermanager_url: str | None = None  # default: the parameter's regional (or the global) endpoint
    # Cloud Logging: the audit log's name (projects/<p>/logs/<name>).
    audit_log: str = "company-mcp-audit"
    audit_key: SecretStr | None = None  # unset: derived from the cursor key
    audit_timeout_s: float = Field(default=3.0, gt=0, le=30)
    logging_url: str = LOGGING_URL
    # Cloud Monitoring custom metrics.
    metric_prefix: str = "custom.googleapis.com/company_mcp/"
    metrics_flush_s: float = Field(default=10.0, ge=MIN_FLUSH_INTERVAL_S, le=600)
    monitoring_url: str = MONITORING_URL
    # Set by Cloud Run; label the metrics' monitored resource.
    service: str | None = Field(default=None, validation_alias=AliasChoices("K_SERVICE", "service"))
    revision: str | None = Field(default=None, validation_alias=AliasChoices("K_REVISION", "revision"))

    def parameter_parts(self) -> tuple[str, str, str]:
        """(project, location, parameter id) of ``flags_parameter``; ``ConfigError`` when it is malformed."""
        match = _PARAMETER.match(self.flags_parameter or "")
        if match is None:
            raise ConfigError(
                "COMPANY_MCP_GCP_FLAGS_PARAMETER must name a Parameter Manager parameter: "
                "projects/<project>/locations/<location>/parameters/<id>"
            )
        project, location, parameter = match.groups()
        return project, location, parameter

    def parameter_endpoint(self) -> str:
        """Regional parameters are served by the regional endpoint, global ones by the global one."""
        if self.parametermanager_url:
            return self.parametermanager_url.rstrip("/")
        _, location, _ = self.parameter_parts()
        if location == "global":
            return PARAMETER_MANAGER_URL
        return f"https://parametermanager.{location}.rep.googleapis.com"

    def location(self) -> str:
        if self.region:
            return self.region
        if self.flags_parameter and _PARAMETER.match(self.flags_parameter):
            return self.parameter_parts()[1]
        return "global"
