"""The Azure composition root refuses configurations that would break a promise, and names the setting to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.azure.audit import azure_audit_key
from adapters.azure.config import AzureSettings
from adapters.azure.main import build_azure_runtime
from adapters.bootstrap import ADAPTERS
from core.config import Settings
from core.errors import ConfigError

INGESTION = "InstrumentationKey=00000000-0000-0000-0000-0000000000a1;IngestionEndpoint=http://127.0.0.1:9/"


def settings(tmp_path: Path, **overrides: object) -> Settings:
    base: dict[str, object] = {
        "adapter": "azure",
        "auth": "oidc",
        "oidc_profile": "entra",
        "oidc_issuer": "https://login.microsoftonline.com/t/v2.0",
        "oidc_audience": "mcp-client-id",
        "graphql_url": "https://api.example.azurewebsites.net/graphql",
        "cursor_secret": "c" * 32,
        "data_dir": tmp_path,
    }
    return Settings(**{**base, **overrides})  # type: ignore[arg-type]


def azure(**overrides: object) -> AzureSettings:
    base: dict[str, object] = {
        "api_scope": "api://api-client-id/.default",
        "appconfig_endpoint": "https://store.azconfig.io",
        "applicationinsights_connection_string": INGESTION,
        "monitor_auth": "key",
    }
    return AzureSettings(**{**base, **overrides})  # type: ignore[arg-type]


def test_the_composition_root_lists_the_azure_adapter() -> None:
    assert ADAPTERS["azure"].builder == "adapters.azure.main:build_azure_runtime"


def test_a_complete_configuration_builds_every_port_without_io(tmp_path: Path) -> None:
    runtime = build_azure_runtime(settings(tmp_path), azure())
    assert set(runtime.readiness) == {"api", "flags", "audit", "rate_limits"}
    assert type(runtime.ports.flags).__name__ == "AppConfigurationFlags"
    assert type(runtime.ports.audit).__name__ == "AppInsightsAudit"
    assert type(runtime.ports.metrics).__name__ == "AppInsightsMetrics"


@pytest.mark.parametrize(
    ("changes", "azure_changes", "names"),
    [
        ({"auth": "dev"}, {}, "COMPANY_MCP_AUTH=oidc"),
        ({"cursor_secret": None}, {}, "COMPANY_MCP_CURSOR_SECRET"),
        ({"cursor_secret": "short"}, {}, "at least 32 bytes"),
        ({"graphql_url": "http://api.example/graphql"}, {}, "https"),
        ({}, {"api_scope": None}, "COMPANY_MCP_AZURE_API_SCOPE"),
        ({}, {"applicationinsights_connection_string": None}, "APPLICATIONINSIGHTS_CONNECTION_STRING"),
        ({}, {"appconfig_endpoint": None}, "COMPANY_MCP_AZURE_APPCONFIG_ENDPOINT"),
        ({}, {"audit_key": "short"}, "COMPANY_MCP_AZURE_AUDIT_KEY"),
    ],
)
def test_incomplete_or_unsafe_configurations_are_refused(
    tmp_path: Path, changes: dict[str, object], azure_changes: dict[str, object], names: str
) -> None:
    with pytest.raises(ConfigError, match=names):
        build_azure_runtime(settings(tmp_path, **changes), azure(**azure_changes))


def test_the_audit_key_is_its_own_secret_or_derived_from_the_cursor_key() -> None:
    derived = azure_audit_key(None, b"c" * 32)
    assert derived.args_hmac({"a": 1}) == azure_audit_key(None, b"c" * 32).args_hmac({"a": 1})
    assert derived.args_hmac({"a": 1}) != azure_audit_key("k" * 32, b"c" * 32).args_hmac({"a": 1})


def test_azure_names_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", INGESTION)
    monkeypatch.setenv("AZURE_CLIENT_ID", "identity-client-id")
    monkeypatch.setenv("COMPANY_MCP_AZURE_FLAGS_REFRESH_S", "30")
    found = AzureSettings()
    assert (found.applicationinsights_connection_string, found.client_id, found.flags_refresh_s) == (
        INGESTION,
        "identity-client-id",
        30.0,
    )


@pytest.mark.redis
@pytest.mark.anyio
async def test_two_instances_share_one_rate_limit_through_redis(tmp_path: Path) -> None:
    import uuid

    url = "redis://127.0.0.1:6379/0"  # Azure Managed Redis is rediss://...:10000 (TLS); the local server is plain
    first = build_azure_runtime(settings(tmp_path, redis_url=url), azure())
    second = build_azure_runtime(settings(tmp_path, redis_url=url), azure())
    key = f"azure-test/{uuid.uuid4().hex}"
    allowed, _ = await first.ports.rate_limiter.hit(key, 1, 60)
    refused, quota = await second.ports.rate_limiter.hit(key, 1, 60)
    assert (allowed, refused, quota.remaining) == (True, False, 0)
