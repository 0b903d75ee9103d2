"""The gcp composition root: what it refuses at start-up, what it builds, and the settings' names."""

from __future__ import annotations

from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from adapters.bootstrap import ADAPTERS, build_runtime
from adapters.gcp.access_token import GoogleAccessToken
from adapters.gcp.audit import CloudLoggingAudit
from adapters.gcp.config import GcpSettings
from adapters.gcp.flags import ParameterManagerFlags
from adapters.gcp.main import build_gcp_runtime
from adapters.gcp.metrics import CloudMonitoringMetrics
from adapters.ratelimit import LimitsRateLimiter
from core.config import Settings
from core.errors import ConfigError
from tests.adapters.gcp.google_apis import PARAMETER, PROJECT

API = "https://company-mcp-dev-api-123456789.europe-west1.run.app"


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "adapter": "gcp",
        "auth": "oidc",
        "oidc_issuer": "https://accounts.google.com",
        "oidc_profile": "google",
        "oidc_audience": "1234-client.apps.googleusercontent.com",
        "graphql_url": f"{API}/graphql",
        "cursor_secret": "c" * 40,
        **overrides,
    }
    return Settings(**values)


def gcp(**overrides: Any) -> GcpSettings:
    return GcpSettings.model_validate({"project": PROJECT, "flags_parameter": PARAMETER, **overrides})


def tokens() -> tuple[GoogleAccessToken, GoogleAccessToken]:
    return GoogleAccessToken(credentials=Credentials(token="t")), GoogleAccessToken(credentials=Credentials(token="t"))


def test_the_runtime_holds_the_google_ports() -> None:
    runtime = build_gcp_runtime(settings(), gcp(), tokens=tokens())
    assert isinstance(runtime.ports.flags, ParameterManagerFlags)
    assert isinstance(runtime.ports.audit, CloudLoggingAudit)
    assert isinstance(runtime.ports.metrics, CloudMonitoringMetrics)
    assert isinstance(runtime.ports.rate_limiter, LimitsRateLimiter)
    assert set(runtime.readiness) == {"api", "flags", "audit", "rate_limits"}
    assert runtime.ports.audit.log_name == f"projects/{PROJECT}/logs/company-mcp-audit"


def test_the_composition_root_picks_it_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ADAPTERS["gcp"].builder == "adapters.gcp.main:build_gcp_runtime"
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    monkeypatch.setenv("COMPANY_MCP_GCP_FLAGS_PARAMETER", PARAMETER)
    runtime = build_runtime(settings())
    assert runtime.token_auth is not None and runtime.token_auth.issuer == "https://accounts.google.com"


@pytest.mark.parametrize(
    ("config", "google", "message"),
    [
        ({"auth": "dev"}, {}, "COMPANY_MCP_AUTH=oidc"),
        ({}, {"project": None}, "GOOGLE_CLOUD_PROJECT"),
        ({}, {"flags_parameter": None}, "COMPANY_MCP_GCP_FLAGS_PARAMETER"),
        ({}, {"flags_parameter": "company-mcp-flags"}, "projects/<project>/locations/<location>/parameters/<id>"),
        ({"cursor_secret": None}, {}, "COMPANY_MCP_CURSOR_SECRET"),
        ({"cursor_secret": "short"}, {}, "at least 32 bytes"),
        ({}, {"audit_key": "short"}, "COMPANY_MCP_GCP_AUDIT_KEY must be at least 32 bytes"),
        ({"graphql_url": "http://api.example/graphql"}, {}, "https"),
    ],
)
def test_bad_configuration_stops_the_start(config: dict[str, Any], google: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        build_gcp_runtime(settings(**config), gcp(**google), tokens=tokens())


def test_settings_read_googles_and_cloud_runs_names(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "GOOGLE_CLOUD_PROJECT": "p1",
        "K_SERVICE": "company-mcp-dev-mcp",
        "K_REVISION": "company-mcp-dev-mcp-00007-xyz",
        "COMPANY_MCP_GCP_FLAGS_PARAMETER": "projects/p1/locations/europe-west1/parameters/company-mcp-flags",
        "COMPANY_MCP_GCP_API_AUDIENCE": API,
        "COMPANY_MCP_GCP_AUDIT_LOG": "company-mcp-audit",
        "COMPANY_MCP_GCP_METRIC_PREFIX": "custom.googleapis.com/company_mcp/",
    }.items():
        monkeypatch.setenv(name, value)
    read = GcpSettings()
    assert (read.project, read.service, read.revision, read.api_audience) == (
        "p1",
        "company-mcp-dev-mcp",
        "company-mcp-dev-mcp-00007-xyz",
        API,
    )
    assert read.location() == "europe-west1"
    assert read.parameter_endpoint() == "https://parametermanager.europe-west1.rep.googleapis.com"
    assert gcp(flags_parameter=f"projects/{PROJECT}/locations/global/parameters/f").parameter_endpoint() == (
        "https://parametermanager.googleapis.com"
    )
    with pytest.raises(ValueError):
        GcpSettings(metrics_flush_s=1)  # below Cloud Monitoring's one point per series per 5 s


def test_a_memorystore_url_reaches_redis_py_as_tls_with_its_ca() -> None:
    """The stack's secret: ``rediss://`` with the instance's CA; the query arguments must reach redis-py."""
    url = "rediss://:auth@10.0.0.3:6378/0?ssl_cert_reqs=required&ssl_ca_certs=/secrets/redis-ca/server-ca.pem"
    client = LimitsRateLimiter(url)._storage.bridge.storage  # type: ignore[attr-defined]  # limits' redis-py client
    pool = client.connection_pool
    assert pool.connection_class.__name__ == "SSLConnection"
    kwargs = pool.connection_kwargs
    assert (kwargs["ssl_cert_reqs"], kwargs["ssl_ca_certs"], kwargs["port"]) == (
        "required",
        "/secrets/redis-ca/server-ca.pem",
        6378,
    )


@pytest.mark.parametrize(
    ("dsn", "env", "iam"),
    [
        ("postgresql://mcp-dev-api%40project.iam@10.0.0.5:5432/companies?sslmode=require", {}, True),
        ("postgresql://postgres:secret@10.0.0.5:5432/companies", {}, False),
        ("postgresql://postgres@127.0.0.1/test", {"COMPANY_API_DB_IAM_AUTH": "false"}, False),
        ("postgresql://u:p@h/db", {"COMPANY_API_DB_IAM_AUTH": "true"}, True),
    ],
)
def test_the_api_entry_uses_iam_database_auth_when_the_dsn_has_no_password(
    dsn: str, env: dict[str, str], iam: bool
) -> None:
    from adapters.gcp.cloud_run_api import uses_iam_auth

    assert uses_iam_auth(dsn, env) is iam


def test_the_api_entry_refuses_an_incomplete_google_configuration() -> None:
    from adapters.gcp.cloud_run_api import build_store, service_auth
    from companydata.api.google_auth import GoogleIdTokenAuth

    auth = service_auth(
        {
            "COMPANY_API_GOOGLE_AUDIENCE": API,
            "COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS": " A@p.iam.gserviceaccount.com, ",
        }
    )
    assert isinstance(auth, GoogleIdTokenAuth) and auth.allowed == ("a@p.iam.gserviceaccount.com",)
    with pytest.raises(ConfigError, match="COMPANY_API_GOOGLE_AUDIENCE"):
        service_auth({"COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS": "a@p.iam.gserviceaccount.com"})
    with pytest.raises(ConfigError, match="COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS"):
        service_auth({"COMPANY_API_GOOGLE_AUDIENCE": API})
    with pytest.raises(ConfigError, match="google or platform"):
        service_auth({"COMPANY_API_AUTH": "shared-secret"})
    with pytest.raises(ConfigError, match="postgresql://"):
        build_store({"COMPANY_API_DATABASE_URL": "sqlite:/tmp/x"})
    with pytest.raises(ConfigError, match="%40"):
        build_store({"COMPANY_API_DATABASE_URL": "postgresql://mcp-dev-api@project.iam@10.0.0.5:5432/companies"})
    _, store = build_store({"COMPANY_API_DATABASE_URL": "postgresql://mcp-dev-api%40project.iam@10.0.0.5/companies"})
    assert store is not None  # built, not connected
