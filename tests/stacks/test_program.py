"""The Pulumi entry point (``stacks/__main__.py``) run as Pulumi runs it, with stack configuration."""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
import yaml

from stacks.components.aws.appconfig_layers import published_layer
from stacks.config import StackConfig, StackConfigError, load_config
from tests.stacks.conftest import Deployment, fresh_mocks, function_env, plain
from tests.stacks.mocks import LAYER_ARN, REGION

MAIN = Path(__file__).resolve().parents[2] / "stacks" / "__main__.py"
EXTERNAL_ISSUER = "https://login.example.com/tenant"


@pytest.fixture
def stack_config() -> Iterator[dict[str, str]]:
    values: dict[str, str] = {}
    yield values
    pulumi.runtime.set_all_config({})


def run_program(config: dict[str, str]) -> Deployment:
    mocks = fresh_mocks(stack="aws-dev")
    pulumi.runtime.set_all_config(config)

    loaded: list[StackConfig] = []

    @pulumi.runtime.test
    def run() -> None:
        runpy.run_path(str(MAIN), run_name="__main__")
        loaded.append(load_config())

    run()
    return Deployment(loaded[0], mocks)


@pytest.fixture(scope="module")
def external(lambda_zips: tuple[Path, Path]) -> Iterator[Deployment]:
    """An external issuer, a public URL, the seeding bastion and non-default database settings."""
    config = {
        "aws:region": REGION,
        "company-mcp:cloud": "aws",
        "company-mcp:appconfigExtensionLayerArn": LAYER_ARN,
        "company-mcp:mcpPackagePath": str(lambda_zips[0]),
        "company-mcp:resolverPackagePath": str(lambda_zips[1]),
        "company-mcp:oidcIssuer": EXTERNAL_ISSUER,
        "company-mcp:oidcAudience": "api://company-mcp",
        "company-mcp:publicUrl": "https://mcp.example.com/mcp",
        "company-mcp:seedBastion": "true",
        "company-mcp:deletionProtection": "false",
        "company-mcp:auroraMinAcu": "0",
        "company-mcp:logRetentionDays": "14",
    }
    yield run_program(config)
    pulumi.runtime.set_all_config({})


def test_external_issuer_replaces_cognito(external: Deployment) -> None:
    assert not [d for d in external.mocks.declared if d.type.startswith("aws:cognito/")]
    assert not external.mocks.of_type("company-mcp:aws:Identity")
    env = function_env(external, "service-function")
    assert env["COMPANY_MCP_OIDC_ISSUER"] == EXTERNAL_ISSUER
    assert env["COMPANY_MCP_OIDC_PROFILE"] == "generic"
    assert env["COMPANY_MCP_OIDC_AUDIENCE"] == "api://company-mcp"
    assert env["COMPANY_MCP_RESOURCE_URL"] == "https://mcp.example.com/mcp"
    assert "COMPANY_MCP_OIDC_CLIENT_IDS" not in env
    assert "COMPANY_MCP_AWS_RESOURCE_FROM_FUNCTION_URL" not in env  # the custom domain names the resource
    service_role = next(d for d in external.mocks.of_type("aws:iam/role:Role") if d.name == "service-role")
    assert "lambda:GetFunctionUrlConfig" not in json.dumps(plain(service_role.inputs))
    endpoints = {d.inputs["serviceName"] for d in external.mocks.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert f"com.amazonaws.{REGION}.lambda" not in endpoints
    assert function_env(external, "jwks-function")["ISSUER"] == EXTERNAL_ISSUER


def test_configuration_reaches_the_resources(external: Deployment) -> None:
    assert external.cfg.environment == "aws-dev"  # default: the stack name
    cluster = plain(external.mocks.one("aws:rds/cluster:Cluster").inputs)
    assert cluster["deletionProtection"] is False and cluster["skipFinalSnapshot"] is True
    assert cluster["serverlessv2ScalingConfiguration"]["minCapacity"] == 0
    assert cluster["serverlessv2ScalingConfiguration"]["secondsUntilAutoPause"] == 900
    retention = {
        d.inputs["name"]: d.inputs["retentionInDays"]
        for d in external.mocks.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    assert retention["/company-mcp/aws-dev/mcp"] == 14 and retention["/company-mcp/aws-dev/audit"] == 365
    assert not external.mocks.of_type("aws:sns/topicSubscription:TopicSubscription")  # no alarmEmail


def test_seed_bastion_reaches_only_the_database(external: Deployment) -> None:
    mocks = external.mocks
    instance = plain(mocks.one("aws:ec2/instance:Instance").inputs)
    assert instance["associatePublicIpAddress"] is False
    assert instance["metadataOptions"]["httpTokens"] == "required"
    assert instance["rootBlockDevice"]["encrypted"] is True
    assert "iamInstanceProfile" not in instance
    endpoint = plain(mocks.one("aws:ec2transitgateway/instanceConnectEndpoint:InstanceConnectEndpoint").inputs)
    assert endpoint["subnetId"] == "network-private-0-id"
    egress = [plain(d.inputs) for d in mocks.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")]
    bastion_out = [r for r in egress if r["securityGroupId"] == "seed-bastion-id"]
    assert bastion_out == [
        {
            "securityGroupId": "seed-bastion-id",
            "referencedSecurityGroupId": "network-database-id",
            "ipProtocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
        }
    ]


def test_cognito_stack_from_configuration(stack_config: dict[str, str], lambda_zips: tuple[Path, Path]) -> None:
    stack_config.update(
        {
            "aws:region": REGION,
            "company-mcp:cloud": "aws",
            "company-mcp:environment": "dev",
            "company-mcp:appconfigExtensionLayerArn": LAYER_ARN,
            "company-mcp:mcpPackagePath": str(lambda_zips[0]),
            "company-mcp:resolverPackagePath": str(lambda_zips[1]),
            "company-mcp:allowedClientIds": json.dumps(["partner-client"]),
        }
    )
    deployment = run_program(stack_config)
    env = function_env(deployment, "service-function")
    assert env["COMPANY_MCP_OIDC_PROFILE"] == "cognito"
    assert env["COMPANY_MCP_OIDC_CLIENT_IDS"] == "1example23456789clientid,partner-client"
    # No publicUrl: the function reads its own Function URL at start (one deployment gives a working endpoint).
    assert "COMPANY_MCP_RESOURCE_URL" not in env
    assert env["COMPANY_MCP_AWS_RESOURCE_FROM_FUNCTION_URL"] == "true"


def test_the_example_configuration_runs_as_shipped(
    stack_config: dict[str, str], lambda_zips: tuple[Path, Path]
) -> None:
    """``cp Pulumi.aws-dev.example.yaml Pulumi.aws-dev.yaml`` and the build step are all a first deployment needs."""
    example = yaml.safe_load((MAIN.parents[1] / "Pulumi.aws-dev.example.yaml").read_text(encoding="utf-8"))["config"]
    stack_config.update({key: str(value) for key, value in example.items()})
    # The zips are where `python stacks/build_lambda.py` puts them (dist/); here, the test's own.
    stack_config.update(
        {"company-mcp:mcpPackagePath": str(lambda_zips[0]), "company-mcp:resolverPackagePath": str(lambda_zips[1])}
    )
    deployment = run_program(stack_config)
    function = plain(
        next(d for d in deployment.mocks.of_type("aws:lambda/function:Function") if d.name == "service-function").inputs
    )
    assert function["layers"] == [published_layer(example["aws:region"])]
    assert function_env(deployment, "service-function")["COMPANY_MCP_AWS_RESOURCE_FROM_FUNCTION_URL"] == "true"


@pytest.mark.parametrize("cloud", ["azure", "gcp"])
def test_the_aws_loader_points_the_other_clouds_to_their_own(stack_config: dict[str, str], cloud: str) -> None:
    fresh_mocks()
    stack_config["company-mcp:cloud"] = cloud
    pulumi.runtime.set_all_config(stack_config)
    with pytest.raises(StackConfigError, match=rf"read by stacks\.components\.{cloud}\.config"):
        load_config()


def test_unknown_cloud_is_refused(stack_config: dict[str, str]) -> None:
    fresh_mocks()
    stack_config["company-mcp:cloud"] = "digitalocean"
    pulumi.runtime.set_all_config(stack_config)
    with pytest.raises(StackConfigError, match="expected one of aws"):
        load_config()


def test_a_missing_package_names_the_build_step(stack_config: dict[str, str], tmp_path: Path) -> None:
    stack_config.update(
        {
            "aws:region": REGION,
            "company-mcp:cloud": "aws",
            "company-mcp:appconfigExtensionLayerArn": LAYER_ARN,
            "company-mcp:mcpPackagePath": str(tmp_path / "missing.zip"),
        }
    )
    with pytest.raises(StackConfigError, match=r"mcpPackagePath: .* python stacks/build_lambda\.py"):
        run_program(stack_config)


def test_a_package_over_lambda_s_direct_upload_limit_is_refused_before_deploying(
    stack_config: dict[str, str], tmp_path: Path
) -> None:
    big = tmp_path / "mcp-lambda.zip"
    with big.open("wb") as handle:
        handle.truncate(50_000_001)  # sparse: no disk used
    stack_config.update({"aws:region": REGION, "company-mcp:cloud": "aws", "company-mcp:mcpPackagePath": str(big)})
    with pytest.raises(StackConfigError, match=r"mcpPackagePath: .* 50\.0 MB, over Lambda's 50 MB direct upload"):
        run_program(stack_config)
