"""build_aws_runtime: the AWS ports, the cursor key from Secrets Manager (moto), and start-up refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.aws.audit import CloudWatchLogsAudit
from adapters.aws.config import AwsSettings, ResolverSettings, SecretUnavailable, read_secret
from adapters.aws.flags import AppConfigFlags
from adapters.aws.main import aws_cursor_secret, build_aws_runtime
from adapters.aws.metrics import CloudWatchEmfMetrics
from adapters.bootstrap import build_runtime
from adapters.graphql.backend import GraphQLBackend
from adapters.ratelimit import LimitsRateLimiter
from core.auth.verifier import OidcVerifier
from core.config import Settings
from core.errors import ConfigError
from tests.adapters.aws.aws_support import REGION, aws_client, moto_server

pytestmark = pytest.mark.anyio

APPSYNC_URL = "https://abc.appsync-api.eu-west-1.amazonaws.com/graphql"
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "adapter": "aws",
        "data_dir": tmp_path,
        "auth": "oidc",
        "oidc_issuer": ISSUER,
        "oidc_profile": "cognito",
        "oidc_client_ids": "app-client",
        "resource_url": "https://mcp.example/mcp",
        "graphql_url": APPSYNC_URL,
        "cursor_secret": "k" * 32,
        **overrides,
    }
    return Settings(**values)


async def test_the_runtime_wires_the_aws_ports(tmp_path: Path) -> None:
    runtime = build_aws_runtime(settings(tmp_path), AwsSettings(region=REGION))
    ports = runtime.ports
    assert isinstance(ports.backend, GraphQLBackend)
    assert isinstance(ports.flags, AppConfigFlags)
    assert isinstance(ports.audit, CloudWatchLogsAudit)
    assert isinstance(ports.metrics, CloudWatchEmfMetrics)
    assert isinstance(ports.rate_limiter, LimitsRateLimiter)
    assert set(runtime.readiness) == {"api", "flags", "audit", "rate_limits"}
    assert runtime.cursor_secret == b"k" * 32
    assert runtime.metrics_text is None  # EMF goes to stdout; no /metrics scrape on AWS
    assert runtime.close is not None
    await runtime.close()


async def test_the_composition_root_gives_the_aws_runtime_its_cognito_verifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    async with build_runtime(settings(tmp_path)) as runtime:
        assert runtime.token_auth is not None and runtime.token_auth.issuer == ISSUER
        verifier = runtime.token_auth.verifier
        assert isinstance(verifier, OidcVerifier) and verifier.config.profile == "cognito"
        assert isinstance(runtime.ports.flags, AppConfigFlags)


def test_the_cursor_key_comes_from_secrets_manager(tmp_path: Path, moto_url: str) -> None:
    secrets = aws_client("secretsmanager", moto_url)
    arn = secrets.create_secret(Name="company-mcp/cursor-key-test", SecretString="s" * 48)["ARN"]
    aws = AwsSettings(region=REGION, cursor_secret_arn=arn, secrets_endpoint_url=moto_url)

    def read(secret_arn: str) -> str | bytes:
        return read_secret(secret_arn, region=REGION, client=secrets)

    runtime = build_aws_runtime(settings(tmp_path, cursor_secret=None), aws, read_secret_value=read)
    assert runtime.cursor_secret == b"s" * 48

    with pytest.raises(SecretUnavailable, match="ResourceNotFoundException"):
        read_secret(arn + "-missing", region=REGION, client=secrets)
    with pytest.raises(ConfigError, match="cannot read the secret"):
        aws_cursor_secret(settings(tmp_path, cursor_secret=None), aws, read=lambda a: read(a + "-missing"))
    short = secrets.create_secret(Name="company-mcp/short", SecretString="tiny")["ARN"]
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        aws_cursor_secret(settings(tmp_path, cursor_secret=None), aws.model_copy(update={"cursor_secret_arn": short}),
                          read=read)  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "aws", "message"),
    [
        ({"cursor_secret": None}, {}, "CURSOR_SECRET_ARN"),
        ({"auth": "dev"}, {}, "COMPANY_MCP_AUTH=oidc"),
        ({"graphql_url": None}, {}, "graphql-url"),
        ({"graphql_url": "http://api.example/graphql"}, {}, "https"),
        ({}, {"region": None}, "region"),
    ],
)
def test_unusable_configurations_are_refused_at_start(
    tmp_path: Path, overrides: dict[str, Any], aws: dict[str, Any], message: str
) -> None:
    aws_settings = AwsSettings.model_validate({"region": REGION, **aws})
    with pytest.raises(ConfigError, match=message):
        build_aws_runtime(settings(tmp_path, **overrides), aws_settings)


def test_settings_read_their_environment_prefixes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("COMPANY_MCP_AWS_APPCONFIG_PROFILE", "mcp-flags")
    monkeypatch.setenv("COMPANY_MCP_AWS_FLAGS_POLL_INTERVAL_S", "5")
    monkeypatch.setenv("COMPANY_API_DB_SECRET_ARN", "arn:aws:secretsmanager:eu-central-1:1:secret:db")
    aws = AwsSettings()
    assert (aws.region, aws.appconfig_profile, aws.flags_poll_interval_s) == ("eu-central-1", "mcp-flags", 5.0)
    assert aws.appconfig_url == "http://localhost:2772"
    resolver = ResolverSettings()
    assert resolver.db_secret_arn == "arn:aws:secretsmanager:eu-central-1:1:secret:db"
    assert resolver.region == "eu-central-1"
    monkeypatch.setenv("COMPANY_MCP_AWS_REGION", "us-east-1")
    assert AwsSettings().region == "us-east-1"
