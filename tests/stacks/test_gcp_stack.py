"""The GCP stack under Pulumi mocks: what it declares, and the policies it must keep.

Every metric the dashboard and the alert policies read is named from ``core.metrics``; every environment
variable the runtime reads (the GCP contract) is on the services; nothing but the MCP service is public.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest

from core.catalog import WRITE_FLAG_KEYS
from core.errors import SERVER_FAULT_TYPES
from core.metrics import ALL_METRICS, BLOCKED_MUTATIONS, CALLS, ERRORS, LATENCY
from stacks.components.gcp.config import GcpStackConfig
from stacks.components.gcp.identity import PRIMITIVE_ROLES
from stacks.components.gcp.observability import metric_type
from tests.stacks.conftest import plain
from tests.stacks.gcp_mocks import (
    API_IMAGE,
    DB_PRIVATE_IP,
    IMAGE,
    PROJECT,
    PROJECT_NUMBER,
    REDIS_AUTH,
    REDIS_HOST,
    REGION,
    REPOSITORY,
    RecordingGcpMocks,
)

RUN_SERVICE = "gcp:cloudrunv2/service:Service"
RUN_INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
CLAIM_RULES = json.dumps({"hd=example.com": ["companies:read"]})
MCP_EMAIL = f"mcp-dev-mcp@{PROJECT}.iam.gserviceaccount.com"
API_EMAIL = f"mcp-dev-api@{PROJECT}.iam.gserviceaccount.com"
MCP_URL = f"https://company-mcp-dev-mcp-{PROJECT_NUMBER}.{REGION}.run.app"
API_URL = f"https://company-mcp-dev-api-{PROJECT_NUMBER}.{REGION}.run.app"
LOG_METRIC = "logging.googleapis.com/user/company-mcp-dev-blocked-writes"

# The GCP contract (/work/notes/gcp-contract.md): what the runtime reads, set by the stack.
MCP_ENV = (
    "COMPANY_MCP_ADAPTER",
    "COMPANY_MCP_AUTH",
    "COMPANY_MCP_OIDC_PROFILE",
    "COMPANY_MCP_OIDC_ISSUER",
    "COMPANY_MCP_OIDC_AUDIENCE",
    "COMPANY_MCP_OIDC_CLAIM_SCOPES",
    "COMPANY_MCP_RESOURCE_URL",
    "COMPANY_MCP_GRAPHQL_URL",
    "COMPANY_MCP_GCP_API_AUDIENCE",
    "GOOGLE_CLOUD_PROJECT",
    "COMPANY_MCP_GCP_FLAGS_PARAMETER",
    "COMPANY_MCP_GCP_FLAGS_REFRESH_S",
    "COMPANY_MCP_GCP_AUDIT_LOG",
    "COMPANY_MCP_GCP_METRIC_PREFIX",
    "COMPANY_MCP_REDIS_URL",
    "COMPANY_MCP_CURSOR_SECRET",
    "COMPANY_MCP_GCP_AUDIT_KEY",
    "COMPANY_MCP_GCP_REGION",  # the runtime's generic_task location (its final choices, appended to the contract)
)
MCP_SECRET_ENV = ("COMPANY_MCP_REDIS_URL", "COMPANY_MCP_CURSOR_SECRET", "COMPANY_MCP_GCP_AUDIT_KEY")
API_ENV = (
    "COMPANY_API_DATABASE_URL",
    "COMPANY_API_DB_SCHEMA",
    "COMPANY_API_AUTH",
    "COMPANY_API_GOOGLE_AUDIENCE",
    "COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS",
    "COMPANY_API_PUBLIC_HOSTS",
    "COMPANY_API_DB_MIGRATE",
)


@dataclass
class GcpDeployment:
    cfg: GcpStackConfig
    mocks: RecordingGcpMocks
    outputs: dict[str, Any] = field(default_factory=dict)
    options: dict[tuple[str, str], pulumi.ResourceOptions] = field(default_factory=dict)

    def service(self, name: str) -> dict[str, Any]:
        return next(plain(d.inputs) for d in self.mocks.of_type(RUN_SERVICE) if d.inputs["name"] == name)

    def env(self, name: str) -> dict[str, Any]:
        container = self.service(name)["template"]["containers"][0]
        return {e["name"]: e.get("value", e.get("valueSource")) for e in container["envs"]}


def make_gcp_config(**overrides: Any) -> GcpStackConfig:
    values: dict[str, Any] = {
        "project": PROJECT,
        "region": REGION,
        "environment": "dev",
        "image": IMAGE,
        "api_image": API_IMAGE,
        "oidc_audience": "1234-abc.apps.googleusercontent.com",
        "oidc_claim_scopes": CLAIM_RULES,
        "alarm_email": "ops@example.com",
    }
    values.update(overrides)
    return GcpStackConfig(**values)


def fresh_gcp_mocks(stack: str = "dev") -> RecordingGcpMocks:
    mocks = RecordingGcpMocks()
    pulumi.runtime.set_mocks(mocks, project="company-mcp", stack=stack, preview=False)
    return mocks


def build_gcp_stack(cfg: GcpStackConfig) -> GcpDeployment:
    deployment = GcpDeployment(cfg, fresh_gcp_mocks())

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        deployment.options[(args.type_, args.name)] = args.opts

    @pulumi.runtime.test
    def run() -> pulumi.Output[None]:
        from stacks.components.gcp.stack import deploy

        pulumi.runtime.register_stack_transformation(record)  # type: ignore[arg-type]
        return pulumi.Output.all(**deploy(cfg)).apply(deployment.outputs.update)

    run()
    return deployment


@pytest.fixture(scope="module")
def gcp() -> Iterator[GcpDeployment]:
    yield build_gcp_stack(make_gcp_config())


def iam_grants(deployment: GcpDeployment) -> list[tuple[str, str, str]]:
    """(resource type, role, member) of every IAM grant the stack declares."""
    grants = []
    for declared in deployment.mocks.declared:
        if "iam" not in declared.type.lower():
            continue
        inputs = plain(declared.inputs)
        members = [inputs["member"]] if "member" in inputs else list(inputs.get("members", []))
        grants += [(declared.type, inputs.get("role", ""), member) for member in members]
    return grants


# -- the database ----------------------------------------------------------------------------------------------


def test_the_database_has_no_public_ip_and_requires_tls(gcp: GcpDeployment) -> None:
    instance = plain(gcp.mocks.one("gcp:sql/databaseInstance:DatabaseInstance").inputs)
    assert instance["databaseVersion"] == "POSTGRES_16"
    ip = instance["settings"]["ipConfiguration"]
    assert ip["ipv4Enabled"] is False and not ip.get("authorizedNetworks")
    assert ip["privateNetwork"] == f"projects/{PROJECT}/global/networks/company-mcp-dev"
    assert ip["sslMode"] == "ENCRYPTED_ONLY"
    assert {"name": "cloudsql.iam_authentication", "value": "on"} in instance["settings"]["databaseFlags"]
    backups = instance["settings"]["backupConfiguration"]
    assert backups["enabled"] and backups["pointInTimeRecoveryEnabled"]
    assert backups["backupRetentionSettings"] == {"retainedBackups": 7, "retentionUnit": "COUNT"}
    assert instance["deletionProtection"] is True and instance["settings"]["deletionProtectionEnabled"] is True


def test_the_api_logs_in_with_its_service_account_and_no_password_exists(gcp: GcpDeployment) -> None:
    users = [plain(d.inputs) for d in gcp.mocks.of_type("gcp:sql/user:User")]
    assert users == [
        {
            "project": PROJECT,
            "instance": "company-mcp-dev-pg",
            "name": API_EMAIL.removesuffix(".gserviceaccount.com"),
            "type": "CLOUD_IAM_SERVICE_ACCOUNT",
        }
    ]
    url = gcp.env("company-mcp-dev-api")["COMPANY_API_DATABASE_URL"]
    assert url == (
        f"postgresql://{API_EMAIL.removesuffix('.gserviceaccount.com')}@{DB_PRIVATE_IP}:5432/companies?sslmode=require"
    )


def test_private_service_access_reserves_a_peering_range(gcp: GcpDeployment) -> None:
    address = plain(gcp.mocks.one("gcp:compute/globalAddress:GlobalAddress").inputs)
    assert address["purpose"] == "VPC_PEERING" and address["addressType"] == "INTERNAL"
    peering = plain(gcp.mocks.one("gcp:servicenetworking/connection:Connection").inputs)
    assert peering["reservedPeeringRanges"] == ["company-mcp-dev-services"]
    redis = plain(gcp.mocks.one("gcp:redis/instance:Instance").inputs)
    assert redis["connectMode"] == "PRIVATE_SERVICE_ACCESS" and redis["reservedIpRange"] == "company-mcp-dev-services"
    assert redis["transitEncryptionMode"] == "SERVER_AUTHENTICATION" and redis["authEnabled"] is True


# -- who may call what -----------------------------------------------------------------------------------------


def test_only_the_mcp_account_may_invoke_the_api(gcp: GcpDeployment) -> None:
    invokers = [plain(d.inputs) for d in gcp.mocks.of_type(RUN_INVOKER)]
    api = [(i["role"], i["member"]) for i in invokers if i["name"] == "company-mcp-dev-api"]
    assert api == [("roles/run.invoker", f"serviceAccount:{MCP_EMAIL}")]
    assert gcp.service("company-mcp-dev-api")["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"


def test_all_users_may_reach_only_the_mcp_service_which_checks_oauth_tokens(gcp: GcpDeployment) -> None:
    public = [(t, role, m) for t, role, m in iam_grants(gcp) if m in ("allUsers", "allAuthenticatedUsers")]
    assert public == [(RUN_INVOKER, "roles/run.invoker", "allUsers")]
    grant = next(plain(d.inputs) for d in gcp.mocks.of_type(RUN_INVOKER) if plain(d.inputs)["member"] == "allUsers")
    assert grant["name"] == "company-mcp-dev-mcp"
    env = gcp.env("company-mcp-dev-mcp")
    assert env["COMPANY_MCP_AUTH"] == "oidc" and env["COMPANY_MCP_OIDC_ISSUER"] == "https://accounts.google.com"


def test_no_primitive_role_is_granted(gcp: GcpDeployment) -> None:
    grants = iam_grants(gcp)
    assert grants, "the stack grants roles; the check must see them"
    assert not [g for g in grants if g[1] in PRIMITIVE_ROLES or g[1] in ("owner", "editor", "viewer")]


def test_each_account_holds_only_its_roles(gcp: GcpDeployment) -> None:
    project_roles: dict[str, set[str]] = {}
    for typ, role, member in iam_grants(gcp):
        if typ == "gcp:projects/iAMMember:IAMMember":
            project_roles.setdefault(member, set()).add(role)
    assert project_roles == {
        f"serviceAccount:{MCP_EMAIL}": {
            "roles/logging.logWriter",
            "roles/monitoring.metricWriter",
            "roles/parametermanager.parameterViewer",
            "roles/parametermanager.parameterAccessor",
        },
        f"serviceAccount:{API_EMAIL}": {"roles/cloudsql.instanceUser"},
    }
    secret_readers = {
        (plain(d.inputs)["secretId"], plain(d.inputs)["member"])
        for d in gcp.mocks.of_type("gcp:secretmanager/secretIamMember:SecretIamMember")
    }
    assert secret_readers == {
        (f"company-mcp-dev-{key}", f"serviceAccount:{MCP_EMAIL}")
        for key in ("cursor-secret", "audit-key", "redis-url", "redis-ca")
    }


# -- the services' configuration -------------------------------------------------------------------------------


def test_the_mcp_service_carries_every_contract_name(gcp: GcpDeployment) -> None:
    env = gcp.env("company-mcp-dev-mcp")
    assert set(MCP_ENV) <= set(env), f"missing: {sorted(set(MCP_ENV) - set(env))}"
    assert env["COMPANY_MCP_ADAPTER"] == "gcp" and env["COMPANY_MCP_OIDC_PROFILE"] == "google"
    assert env["COMPANY_MCP_OIDC_CLAIM_SCOPES"] == CLAIM_RULES
    assert env["COMPANY_MCP_RESOURCE_URL"] == f"{MCP_URL}/mcp"
    assert env["COMPANY_MCP_GRAPHQL_URL"] == f"{API_URL}/graphql"
    assert env["COMPANY_MCP_GCP_API_AUDIENCE"] == API_URL
    assert env["GOOGLE_CLOUD_PROJECT"] == PROJECT
    assert (
        env["COMPANY_MCP_GCP_FLAGS_PARAMETER"] == f"projects/{PROJECT}/locations/{REGION}/parameters/company-mcp-flags"
    )
    assert env["COMPANY_MCP_GCP_FLAGS_REFRESH_S"] == "15"
    assert env["COMPANY_MCP_GCP_AUDIT_LOG"] == "company-mcp-audit"
    assert env["COMPANY_MCP_GCP_METRIC_PREFIX"] == "custom.googleapis.com/company_mcp/"
    assert env["COMPANY_MCP_GCP_REGION"] == REGION
    assert gcp.outputs["mcpUrl"] == f"{MCP_URL}/mcp"


def test_secrets_reach_the_mcp_service_as_secret_references_only(gcp: GcpDeployment) -> None:
    env = gcp.env("company-mcp-dev-mcp")
    for name in MCP_SECRET_ENV:
        reference = env[name]["secretKeyRef"]
        assert reference["version"] == "latest" and reference["secret"].startswith("company-mcp-dev-")
    text = json.dumps(gcp.service("company-mcp-dev-mcp"))
    assert REDIS_AUTH not in text
    versions = {
        plain(d.inputs)["secret"]: plain(d.inputs)
        for d in gcp.mocks.of_type("gcp:secretmanager/secretVersion:SecretVersion")
    }
    redis_url = versions[f"projects/{PROJECT}/secrets/company-mcp-dev-redis-url"]["secretData"]
    assert redis_url.startswith(f"rediss://:{REDIS_AUTH}@{REDIS_HOST}:6378/0?")
    assert "ssl_ca_certs=/secrets/redis-ca/server-ca.pem" in redis_url
    cursor = versions[f"projects/{PROJECT}/secrets/company-mcp-dev-cursor-secret"]
    assert "secretData" not in cursor and len(cursor["secretDataWo"]) >= 64  # write-only: never in the state


def test_the_api_service_carries_every_contract_name(gcp: GcpDeployment) -> None:
    env = gcp.env("company-mcp-dev-api")
    assert set(API_ENV) <= set(env), f"missing: {sorted(set(API_ENV) - set(env))}"
    assert env["COMPANY_API_AUTH"] == "google" and env["COMPANY_API_GOOGLE_AUDIENCE"] == API_URL
    assert env["COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS"] == MCP_EMAIL
    assert env["COMPANY_API_PUBLIC_HOSTS"] == API_URL.removeprefix("https://")
    assert env["COMPANY_API_DB_MIGRATE"] == "false"  # the seed job owns the schema


def test_both_services_run_the_configured_image_with_direct_vpc_egress(gcp: GcpDeployment) -> None:
    mcp, api = gcp.service("company-mcp-dev-mcp"), gcp.service("company-mcp-dev-api")
    for service, account, egress, image in (
        (mcp, MCP_EMAIL, "ALL_TRAFFIC", IMAGE),
        (api, API_EMAIL, "PRIVATE_RANGES_ONLY", API_IMAGE),
    ):
        template = service["template"]
        assert template["serviceAccount"] == account
        assert template["containers"][0]["image"] == image
        assert "commands" not in template["containers"][0]  # each image's CMD starts its server
        assert template["vpcAccess"]["egress"] == egress
        assert template["vpcAccess"]["networkInterfaces"][0]["subnetwork"].endswith("/subnetworks/company-mcp-dev-run")
    # Instance-based billing for the MCP server (its metrics writer runs between requests), request-based for the API.
    assert mcp["template"]["containers"][0]["resources"]["cpuIdle"] is False
    assert api["template"]["containers"][0]["resources"]["cpuIdle"] is True
    assert mcp["template"]["volumes"][0]["secret"]["items"][0]["path"] == "server-ca.pem"


def test_the_gcp_settings_read_the_names_the_stack_sets() -> None:
    """Once the runtime's settings class is merged, every COMPANY_MCP_GCP_* name the stack sets is one of its fields."""
    config = pytest.importorskip("adapters.gcp.config")
    fields = {f"COMPANY_MCP_GCP_{name}".upper() for name in config.GcpSettings.model_fields}
    assert {n for n in MCP_ENV if n.startswith("COMPANY_MCP_GCP_")} <= fields


# -- flags -----------------------------------------------------------------------------------------------------


def test_the_first_flags_version_has_every_write_off_and_is_never_rewritten(gcp: GcpDeployment) -> None:
    parameter = plain(gcp.mocks.one("gcp:parametermanager/regionalParameter:RegionalParameter").inputs)
    assert parameter["format"] == "JSON" and parameter["location"] == REGION
    versions = gcp.mocks.of_type("gcp:parametermanager/regionalParameterVersion:RegionalParameterVersion")
    assert len(versions) == 1
    flags = json.loads(plain(versions[0].inputs)["parameterData"])
    assert flags == dict.fromkeys(WRITE_FLAG_KEYS, False)
    options = gcp.options[("gcp:parametermanager/regionalParameterVersion:RegionalParameterVersion", versions[0].name)]
    assert "parameterData" in (options.ignore_changes or [])


# -- audit and monitoring --------------------------------------------------------------------------------------


def test_the_audit_log_is_routed_to_a_locked_bucket_with_retention(gcp: GcpDeployment) -> None:
    bucket = plain(gcp.mocks.one("gcp:logging/projectBucketConfig:ProjectBucketConfig").inputs)
    assert bucket["locked"] is True and bucket["retentionDays"] == 365 and bucket["location"] == REGION
    sink = plain(gcp.mocks.one("gcp:logging/projectSink:ProjectSink").inputs)
    assert sink["filter"] == f'logName="projects/{PROJECT}/logs/company-mcp-audit"'
    assert sink["destination"] == (
        f"logging.googleapis.com/projects/{PROJECT}/locations/{REGION}/buckets/{bucket['bucketId']}"
    )
    metric = plain(gcp.mocks.one("gcp:logging/metric:Metric").inputs)
    assert metric["filter"] == f'logName="projects/{PROJECT}/logs/company-mcp-audit" AND jsonPayload.decision="blocked"'


def _metric_types(filter_: str) -> set[str]:
    return set(re.findall(r'metric\.type="([^"]+)"', filter_))


def _filters(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("filter", "denominatorFilter") and isinstance(value, str):
                yield value
            else:
                yield from _filters(value)
    elif isinstance(node, list):
        for item in node:
            yield from _filters(item)


def test_every_dashboard_and_alert_metric_is_one_the_sink_emits(gcp: GcpDeployment) -> None:
    emitted = {metric_type(name) for name in ALL_METRICS}
    dashboard = json.loads(plain(gcp.mocks.one("gcp:monitoring/dashboard:Dashboard").inputs)["dashboardJson"])
    on_dashboard = set().union(*(_metric_types(f) for f in _filters(dashboard)))
    assert on_dashboard == emitted | {LOG_METRIC}  # every metric shown, and the audit log's blocked-write count
    policies = [plain(d.inputs) for d in gcp.mocks.of_type("gcp:monitoring/alertPolicy:AlertPolicy")]
    in_alerts = [_metric_types(f) for p in policies for f in _filters(p)]
    assert in_alerts and all(types and types <= emitted for types in in_alerts)
    descriptors = {
        plain(d.inputs)["type"]: plain(d.inputs)
        for d in gcp.mocks.of_type("gcp:monitoring/metricDescriptor:MetricDescriptor")
    }
    assert set(descriptors) == emitted
    assert descriptors[metric_type(LATENCY)]["valueType"] == "DISTRIBUTION"
    assert {label["key"] for label in descriptors[metric_type(ERRORS)]["labels"]} == {"tool", "outcome", "error_type"}


def test_alert_policies_cover_error_rate_latency_and_blocked_writes(gcp: GcpDeployment) -> None:
    policies = {
        plain(d.inputs)["displayName"]: plain(d.inputs)["conditions"][0]["conditionThreshold"]
        for d in gcp.mocks.of_type("gcp:monitoring/alertPolicy:AlertPolicy")
    }
    assert set(policies) == {
        "company-mcp-dev server error rate",
        "company-mcp-dev p99 latency",
        "company-mcp-dev blocked writes",
    }
    rate = policies["company-mcp-dev server error rate"]
    assert _metric_types(rate["filter"]) == {metric_type(ERRORS)}
    assert all(f'"{t}"' in rate["filter"] for t in SERVER_FAULT_TYPES)
    assert _metric_types(rate["denominatorFilter"]) == {metric_type(CALLS)} and rate["thresholdValue"] == 0.05
    p99 = policies["company-mcp-dev p99 latency"]
    assert p99["aggregations"][0]["crossSeriesReducer"] == "REDUCE_PERCENTILE_99" and p99["thresholdValue"] == 3000
    assert _metric_types(policies["company-mcp-dev blocked writes"]["filter"]) == {metric_type(BLOCKED_MUTATIONS)}
    channel = plain(gcp.mocks.one("gcp:monitoring/notificationChannel:NotificationChannel").inputs)
    assert channel["type"] == "email" and channel["labels"] == {"email_address": "ops@example.com"}
    for declared in gcp.mocks.of_type("gcp:monitoring/alertPolicy:AlertPolicy"):
        assert plain(declared.inputs)["notificationChannels"] == [f"projects/{PROJECT}/notificationChannels/4242"]


def test_the_alarm_email_stays_secret(gcp: GcpDeployment) -> None:
    channel = gcp.mocks.one("gcp:monitoring/notificationChannel:NotificationChannel")
    assert "ops@example.com" not in json.dumps({k: v for k, v in channel.inputs.items() if k != "labels"})
    assert plain(channel.inputs["labels"]) != channel.inputs["labels"]  # wrapped as a secret


# -- other shapes ----------------------------------------------------------------------------------------------


def test_without_an_image_everything_but_the_services_is_deployed() -> None:
    deployment = build_gcp_stack(make_gcp_config(image=None, api_image=None))
    assert not deployment.mocks.of_type(RUN_SERVICE)
    assert deployment.mocks.of_type("gcp:artifactregistry/repository:Repository")
    assert deployment.outputs["imageRepository"] == REPOSITORY
    assert deployment.outputs["nextStep"].startswith(
        f"BUILD=$(gcloud builds submit --config deploy/gcp/cloudbuild.yaml --substitutions=_REPO={REPOSITORY} "
    )
    assert f"{REPOSITORY}/company-api:$BUILD" in deployment.outputs["nextStep"]


def test_the_seed_job_runs_as_its_own_database_administrator() -> None:
    deployment = build_gcp_stack(make_gcp_config(seed_job=True))
    users = {plain(d.inputs)["name"]: plain(d.inputs) for d in deployment.mocks.of_type("gcp:sql/user:User")}
    seed_user = f"mcp-dev-seed@{PROJECT}.iam"
    assert users[seed_user]["databaseRoles"] == ["cloudsqlsuperuser"]
    assert "databaseRoles" not in users[API_EMAIL.removesuffix(".gserviceaccount.com")]
    job = plain(deployment.mocks.one("gcp:cloudrunv2/job:Job").inputs)["template"]["template"]
    assert job["containers"][0]["image"] == API_IMAGE
    assert job["serviceAccount"] == f"mcp-dev-seed@{PROJECT}.iam.gserviceaccount.com"
    env = {e["name"]: e["value"] for e in job["containers"][0]["envs"]}
    assert env["SEED_STORE"] == f"postgresql://{seed_user}@{DB_PRIVATE_IP}:5432/companies?sslmode=require"
    assert env["API_DB_USER"] == API_EMAIL.removesuffix(".gserviceaccount.com")
    assert deployment.outputs["seedJob"] == "company-mcp-dev-seed"
