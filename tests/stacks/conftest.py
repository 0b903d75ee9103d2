"""Fixtures for the stack tests: Lambda zips to point at, and the whole AWS program built once under mocks.

Pulumi's mock runtime is process-global, so every builder sets fresh mocks first and records what it
declared; tests then read the record (plain assertions) or build one component and check its Outputs.
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest

from stacks.config import StackConfig
from tests.stacks.mocks import LAYER_ARN, REGION, RecordingMocks

SECRET_SIG = "4dabf18193072939515e22adb298388d"
# how the mock monitor passes secret values (above) and which resources carry a policy document (below)
POLICY_TYPES = ("aws:iam/rolePolicy:RolePolicy", "aws:s3/bucketPolicy:BucketPolicy", "aws:ec2/vpcEndpoint:VpcEndpoint")


@dataclass
class Deployment:
    cfg: StackConfig
    mocks: RecordingMocks
    outputs: dict[str, Any] = field(default_factory=dict)


def plain(value: Any) -> Any:
    """An input with Pulumi's secret wrappers removed (recursively)."""
    if isinstance(value, dict):
        if SECRET_SIG in value:
            return plain(value.get("value"))
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def fresh_mocks(stack: str = "dev") -> RecordingMocks:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="company-mcp", stack=stack, preview=False)
    return mocks


def make_config(zips: tuple[Path, Path], **overrides: Any) -> StackConfig:
    values: dict[str, Any] = {
        "cloud": "aws",
        "region": REGION,
        "environment": "dev",
        "appconfig_extension_layer_arn": LAYER_ARN,
        "mcp_package_path": str(zips[0]),
        "resolver_package_path": str(zips[1]),
        "alarm_email": "ops@example.com",
    }
    values.update(overrides)
    return StackConfig(**values)


def build_stack(cfg: StackConfig) -> Deployment:
    deployment = Deployment(cfg, fresh_mocks())

    @pulumi.runtime.test
    def run() -> pulumi.Output[None]:
        from stacks.components.aws.stack import deploy

        return pulumi.Output.all(**deploy(cfg)).apply(deployment.outputs.update)

    run()
    return deployment


def policies(deployment: Deployment) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every permission policy declared: role inline policies, role policies, bucket and endpoint policies."""
    for declared in deployment.mocks.declared:
        documents: list[str] = []
        if declared.type == "aws:iam/role:Role":
            documents += [plain(p)["policy"] for p in declared.inputs.get("inlinePolicies") or []]
        elif declared.type in POLICY_TYPES and declared.inputs.get("policy"):
            documents.append(plain(declared.inputs["policy"]))
        for document in documents:
            yield declared.name, json.loads(document)


def listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def function_env(deployment: Deployment, name: str) -> dict[str, str]:
    declared = next(d for d in deployment.mocks.of_type("aws:lambda/function:Function") if d.name == name)
    return dict(plain(declared.inputs.get("environment", {})).get("variables", {}))


@pytest.fixture(scope="module", autouse=True)
def _pulumi_event_loop() -> Iterator[None]:
    """Pulumi's mock runtime drives the thread's asyncio loop: give each module a fresh one, leave none behind.

    (A test elsewhere that ran ``asyncio.run`` leaves the main thread without a current loop.)
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture(scope="session")
def lambda_zips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dist")
    paths = (root / "mcp-lambda.zip", root / "resolver-lambda.zip")
    for path in paths:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("placeholder.py", "")
    return paths


@pytest.fixture(scope="module")
def stack(lambda_zips: tuple[Path, Path]) -> Deployment:
    """The default AWS stack (Cognito issuer, alarm email), built once per test module."""
    return build_stack(make_config(lambda_zips))
