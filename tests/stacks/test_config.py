"""Stack configuration: validation, the keys read, and the example/documentation that must list them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from stacks.components.env import aws_env, core_env, resolver_env
from stacks.config import OPTIONAL_KEYS, REQUIRED_KEYS, StackConfig, StackConfigError, load_config
from tests.stacks.conftest import fresh_mocks
from tests.stacks.mocks import LAYER_ARN, REGION

ROOT = Path(__file__).resolve().parents[2]
BASE: dict[str, Any] = {
    "cloud": "aws",
    "region": REGION,
    "environment": "dev",
    "appconfig_extension_layer_arn": LAYER_ARN,
}


def test_defaults_are_valid_and_use_cognito() -> None:
    cfg = StackConfig(**BASE)
    assert cfg.uses_cognito and cfg.oidc_profile == "cognito"
    assert cfg.name_prefix == "company-mcp-dev"
    assert cfg.deletion_protection and cfg.api_private and not cfg.seed_bastion
    assert cfg.package("dist/mcp-lambda.zip") == ROOT / "dist" / "mcp-lambda.zip"


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"environment": "Dev_1"}, "environment"),
        ({"vpc_cidr": "8.8.8.0/24"}, "vpcCidr"),
        ({"vpc_cidr": "10.0.0.0/8"}, "vpcCidr"),
        ({"vpc_cidr": "not-a-cidr"}, "vpcCidr"),
        ({"appconfig_extension_layer_arn": "arn:aws:lambda:us-east-1:1:layer:X:<n>"}, "appconfigExtensionLayerArn"),
        (
            {"appconfig_extension_layer_arn": "arn:aws:lambda:eu-west-1:434848589818:layer:AWS-AppConfig-Extension:1"},
            "appconfigExtensionLayerArn",
        ),
        ({"oidc_issuer": "http://issuer.example"}, "oidcIssuer"),
        ({"public_url": "https://mcp.example.com/"}, "publicUrl"),
        ({"oidc_profile": "generic"}, "oidcProfile"),
        ({"oidc_issuer": "https://issuer.example", "oidc_profile": "cognito"}, "allowedClientIds"),
        ({"oidc_issuer": "https://issuer.example", "oidc_profile": "okta"}, "oidcProfile"),
        ({"cognito_domain_prefix": "my-aws-auth"}, "cognitoDomainPrefix"),
        ({"alarm_email": "not-an-email"}, "alarmEmail"),
        ({"log_retention_days": 42}, "logRetentionDays"),
        ({"audit_retention_days": 2}, "auditRetentionDays"),
        ({"lambda_runtime": "python3.9"}, "lambdaRuntime"),
        ({"mcp_memory_mb": 64}, "mcpMemoryMb"),
        ({"aurora_min_acu": 0.3}, "auroraMinAcu"),
        ({"aurora_min_acu": 8.0, "aurora_max_acu": 4.0}, "auroraMaxAcu"),
        ({"backup_retention_days": 0}, "backupRetentionDays"),
        ({"db_name": "Company-Data"}, "dbName"),
        ({"error_rate_threshold_percent": 0.0}, "errorRateThresholdPercent"),
        ({"blocked_writes_threshold": 0}, "blockedWritesThreshold"),
    ],
)
def test_bad_values_name_their_key(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(StackConfigError, match=rf"^company-mcp:{key}: "):
        StackConfig(**{**BASE, **overrides})


@pytest.fixture
def config_values() -> Iterator[dict[str, str]]:
    values: dict[str, str] = {}
    yield values
    pulumi.runtime.set_all_config({})


def test_load_config_reads_every_kind_of_value(config_values: dict[str, str]) -> None:
    fresh_mocks(stack="aws-prod")
    config_values.update(
        {
            "aws:region": REGION,
            "company-mcp:cloud": "AWS",
            "company-mcp:appconfigExtensionLayerArn": LAYER_ARN,
            "company-mcp:vpcCidr": "10.50.0.0/20",
            "company-mcp:allowedClientIds": "a, b",
            "company-mcp:mcpMemoryMb": "2048",
            "company-mcp:auroraMaxAcu": "8.5",
            "company-mcp:apiPrivate": "false",
            "company-mcp:alarmEmail": "ops@example.com",
        }
    )
    pulumi.runtime.set_all_config(config_values, secret_keys=["company-mcp:alarmEmail"])
    read: dict[str, Any] = {}

    @pulumi.runtime.test
    def load() -> pulumi.Output[None]:
        read["cfg"] = cfg = load_config()
        assert isinstance(cfg.alarm_email, pulumi.Output)  # read as a secret, however it was stored
        return cfg.alarm_email.apply(lambda email: read.update(email=email))

    load()
    cfg = read["cfg"]
    assert read["email"] == "ops@example.com"
    assert cfg.cloud == "aws" and cfg.region == REGION and cfg.environment == "aws-prod"
    assert cfg.vpc_cidr == "10.50.0.0/20"
    assert cfg.allowed_client_ids == ("a", "b")
    assert cfg.mcp_memory_mb == 2048 and cfg.aurora_max_acu == 8.5 and cfg.api_private is False
    assert cfg.resolver_memory_mb == 512  # unset: the default


def test_required_keys_are_required(config_values: dict[str, str]) -> None:
    fresh_mocks()
    config_values.update({"aws:region": REGION})
    pulumi.runtime.set_all_config(config_values)
    with pytest.raises(pulumi.ConfigMissingError, match="company-mcp:cloud"):
        load_config()


def test_without_a_layer_arn_the_region_s_published_layer_is_used(config_values: dict[str, str]) -> None:
    fresh_mocks()
    config_values.update({"aws:region": "eu-west-1", "company-mcp:cloud": "aws"})
    pulumi.runtime.set_all_config(config_values)
    cfg = load_config()
    assert cfg.appconfig_extension_layer_arn is None
    assert cfg.appconfig_layer_arn == "arn:aws:lambda:eu-west-1:434848589818:layer:AWS-AppConfig-Extension:261"
    assert StackConfig(**BASE).appconfig_layer_arn == LAYER_ARN  # a configured layer wins


def test_a_region_without_a_known_layer_asks_for_the_arn() -> None:
    with pytest.raises(
        StackConfigError, match=r"^company-mcp:appconfigExtensionLayerArn: no published .* eu-isoe-west-1"
    ):
        StackConfig(**{**BASE, "region": "eu-isoe-west-1", "appconfig_extension_layer_arn": None})


def test_a_generic_issuer_needs_no_audience_the_function_url_is_the_default() -> None:
    cfg = StackConfig(**{**BASE, "oidc_issuer": "https://issuer.example", "oidc_profile": "generic"})
    assert cfg.oidc_audience is None and cfg.public_url is None


def test_the_example_lists_every_key_and_no_other() -> None:
    text = (ROOT / "Pulumi.aws-dev.example.yaml").read_text(encoding="utf-8")
    mentioned = set(re.findall(r"company-mcp:([A-Za-z0-9]+):", text))
    assert mentioned == set(REQUIRED_KEYS) | set(OPTIONAL_KEYS)
    active = yaml.safe_load(text)["config"]
    assert {"aws:region", *(f"company-mcp:{key}" for key in REQUIRED_KEYS)} <= set(active)


def test_the_guide_documents_every_key() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = readme[readme.index("## Deploy to AWS") :]
    missing = [key for key in (*REQUIRED_KEYS, *OPTIONAL_KEYS) if f"`{key}`" not in guide]
    assert not missing, f"README.md (Deploy to AWS) does not document {missing}"


def test_project_file() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["name"] == "company-mcp" and project["main"] == "stacks/"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}


def test_env_names_come_from_the_settings_classes() -> None:
    assert core_env("oidc_issuer") == "COMPANY_MCP_OIDC_ISSUER"
    assert aws_env("appconfig_profile") == "COMPANY_MCP_AWS_APPCONFIG_PROFILE"
    assert resolver_env("db_secret_arn") == "COMPANY_API_DB_SECRET_ARN"
    with pytest.raises(KeyError):
        core_env("no_such_setting")
    with pytest.raises(KeyError):
        aws_env("oidc_issuer")
