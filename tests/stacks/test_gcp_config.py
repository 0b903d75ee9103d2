"""GCP stack configuration: validation, the keys read, the example file, and the program run from it."""

from __future__ import annotations

import json
import re
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from stacks.components.gcp.config import OPTIONAL_KEYS, PROVIDER_KEYS, REQUIRED_KEYS, GcpStackConfig, load_gcp_config
from stacks.config import StackConfigError, selected_cloud
from tests.stacks.conftest import plain
from tests.stacks.gcp_mocks import API_IMAGE, IMAGE, PROJECT, REGION
from tests.stacks.test_gcp_stack import RUN_SERVICE, fresh_gcp_mocks, make_gcp_config

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "stacks" / "__main__.py"
EXAMPLE = ROOT / "Pulumi.gcp-dev.example.yaml"


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"project": "Acme"}, "gcp:project"),
        ({"region": "europe"}, "gcp:region"),
        ({"environment": "a-very-long-environment"}, "company-mcp:environment"),
        ({"image": "docker.io/library/python:3.12"}, "company-mcp:image"),
        ({"image": IMAGE.replace("@sha256:", ":")}, "company-mcp:image"),
        ({"api_image": "company-api:latest"}, "company-mcp:apiImage"),
        ({"api_image": None}, "company-mcp:apiImage"),
        ({"image": None}, "company-mcp:image"),
        ({"oidc_issuer": "http://accounts.google.com"}, "company-mcp:oidcIssuer"),
        ({"oidc_profile": "cognito"}, "company-mcp:oidcProfile"),
        ({"oidc_audience": " "}, "company-mcp:oidcAudience"),
        ({"oidc_claim_scopes": None}, "company-mcp:oidcClaimScopes"),
        ({"oidc_claim_scopes": '{"hd": "companies:read"}'}, "company-mcp:oidcClaimScopes"),
        ({"subnet_cidr": "8.8.8.0/24"}, "company-mcp:subnetCidr"),
        ({"services_prefix_length": 28}, "company-mcp:servicesPrefixLength"),
        ({"db_tier": "db-n1-standard-1x"}, "company-mcp:dbTier"),
        ({"db_name": "Company-Data"}, "company-mcp:dbName"),
        ({"backup_retention_count": 0}, "company-mcp:backupRetentionCount"),
        ({"redis_tier": "PREMIUM"}, "company-mcp:redisTier"),
        ({"mcp_cpu": "3"}, "company-mcp:mcpCpu"),
        ({"api_memory": "512MB"}, "company-mcp:apiMemory"),
        ({"min_instances": 20}, "company-mcp:minInstances"),
        ({"audit_retention_days": 0}, "company-mcp:auditRetentionDays"),
        ({"alarm_email": "not-an-email"}, "company-mcp:alarmEmail"),
        ({"error_rate_threshold_percent": 0.0}, "company-mcp:errorRateThresholdPercent"),
        ({"blocked_writes_threshold": 0}, "company-mcp:blockedWritesThreshold"),
    ],
)
def test_bad_values_name_their_key(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(StackConfigError, match=rf"^{re.escape(key)}: "):
        make_gcp_config(**overrides)


def test_a_generic_issuer_needs_no_claim_rules() -> None:
    cfg = make_gcp_config(oidc_issuer="https://login.example.com/", oidc_profile="generic", oidc_claim_scopes=None)
    assert cfg.oidc_profile == "generic" and cfg.name_prefix == "company-mcp-dev"


@pytest.fixture
def stack_config() -> Iterator[dict[str, str]]:
    values: dict[str, str] = {}
    yield values
    pulumi.runtime.set_all_config({})


def _example_config() -> dict[str, str]:
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["config"]
    # `pulumi config` hands structured values to the program as JSON text.
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in example.items()}


def test_the_example_lists_every_key_and_no_other() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    mentioned = set(re.findall(r"company-mcp:([A-Za-z0-9]+):", text))
    assert mentioned == set(REQUIRED_KEYS) | set(OPTIONAL_KEYS)
    active = yaml.safe_load(text)["config"]
    assert {*PROVIDER_KEYS, *(f"company-mcp:{key}" for key in REQUIRED_KEYS)} <= set(active)


def test_the_guide_documents_every_key() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = readme[readme.index("## Deploy to GCP") :]
    guide = guide[: guide.index("\n## ", 1)]
    missing = [key for key in (*REQUIRED_KEYS, *OPTIONAL_KEYS, *PROVIDER_KEYS) if f"`{key}`" not in guide]
    assert not missing, f"README.md (Deploy to GCP) does not document {missing}"


def test_load_reads_the_example_and_the_cloud_dispatches(stack_config: dict[str, str]) -> None:
    fresh_gcp_mocks(stack="gcp-dev")
    stack_config.update(_example_config())
    stack_config["company-mcp:alarmEmail"] = "ops@example.com"
    pulumi.runtime.set_all_config(stack_config, secret_keys=["company-mcp:alarmEmail"])
    read: dict[str, Any] = {}

    @pulumi.runtime.test
    def load() -> None:
        read["cloud"] = selected_cloud()
        read["cfg"] = load_gcp_config()

    load()
    cfg: GcpStackConfig = read["cfg"]
    assert read["cloud"] == "gcp"
    assert cfg.project == PROJECT and cfg.region == REGION
    assert cfg.image is None and cfg.api_image is None and cfg.environment == "dev"
    assert isinstance(cfg.alarm_email, pulumi.Output)  # read as a secret
    assert cfg.oidc_claim_scopes is not None
    assert json.loads(cfg.oidc_claim_scopes) == {
        "hd=example.com": ["companies:read"],
        "email=ops@example.com": ["companies:read", "companies:write"],
    }


def _run_program(config: dict[str, str]) -> list[Any]:
    mocks = fresh_gcp_mocks(stack="gcp-dev")
    pulumi.runtime.set_all_config(config)

    @pulumi.runtime.test
    def run() -> None:
        runpy.run_path(str(MAIN), run_name="__main__")

    run()
    return mocks.declared


def test_the_example_configuration_runs_as_shipped(stack_config: dict[str, str]) -> None:
    """``cp Pulumi.gcp-dev.example.yaml Pulumi.gcp-dev.yaml`` is all the first ``pulumi up`` needs."""
    stack_config.update(_example_config())
    declared = _run_program(stack_config)
    assert not [d for d in declared if d.type == RUN_SERVICE]  # no image yet: the services come with step 3
    assert [d for d in declared if d.type == "gcp:artifactregistry/repository:Repository"]


def test_with_an_image_the_program_deploys_both_services(stack_config: dict[str, str]) -> None:
    stack_config.update(_example_config())
    stack_config["company-mcp:image"] = IMAGE
    stack_config["company-mcp:apiImage"] = API_IMAGE
    declared = _run_program(stack_config)
    services = [plain(d.inputs) for d in declared if d.type == RUN_SERVICE]
    assert sorted(s["name"] for s in services) == ["company-mcp-dev-api", "company-mcp-dev-mcp"]
    mcp = next(s for s in services if s["name"] == "company-mcp-dev-mcp")
    env = {e["name"]: e.get("value") for e in mcp["template"]["containers"][0]["envs"]}
    assert json.loads(env["COMPANY_MCP_OIDC_CLAIM_SCOPES"])["hd=example.com"] == ["companies:read"]


def test_required_keys_are_required(stack_config: dict[str, str]) -> None:
    fresh_gcp_mocks()
    stack_config.update({"company-mcp:cloud": "gcp", "gcp:project": PROJECT, "gcp:region": REGION})
    pulumi.runtime.set_all_config(stack_config)
    with pytest.raises(pulumi.ConfigMissingError, match="company-mcp:oidcAudience"):
        load_gcp_config()
