"""The Azure stack under Pulumi mocks: the policies the deployment promises, checked on what it declares.

The whole program is built once per module (``company-mcp:cloud: azure``); each test reads the record of declared
resources (inputs as ARM would receive them, and the resource options seen by a stack transformation).
"""

from __future__ import annotations

import dataclasses
import json
import re
import runpy
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from adapters.azure import telemetry_names
from core import metrics
from core.catalog import WRITE_FLAG_KEYS
from core.errors import SERVER_FAULT_TYPES
from stacks.components.azure import roles
from stacks.components.azure.config import AzureConfig, load_azure_config
from stacks.components.azure.flags import FEATURE_FLAG_CONTENT_TYPE, flag_key_value_name
from stacks.components.azure.functions import archive_digest
from stacks.components.azure.network import FUNCTIONS_DELEGATION, POSTGRES_DELEGATION
from stacks.components.azure.observability import workbook_queries
from stacks.config import StackConfigError
from tests.stacks.azure_mocks import (
    API_APP_CLIENT_ID,
    DB_ADMIN_OBJECT_ID,
    DEPLOYER,
    MCP_APP_CLIENT_ID,
    REDIS_KEY,
    TENANT,
    AzureMocks,
)
from tests.stacks.conftest import SECRET_SIG, plain
from tests.stacks.mocks import Declared

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "stacks" / "__main__.py"
EXAMPLE = ROOT / "Pulumi.azure-dev.example.yaml"
T = "azure-native:"

# The app settings of the contract between the azure runtime and this stack (notes/azure-contract.md).
MCP_CONTRACT = (
    "COMPANY_MCP_ADAPTER",
    "COMPANY_MCP_TRANSPORT",
    "COMPANY_MCP_AUTH",
    "COMPANY_MCP_OIDC_PROFILE",
    "COMPANY_MCP_OIDC_ISSUER",
    "COMPANY_MCP_OIDC_AUDIENCE",
    "COMPANY_MCP_RESOURCE_URL",
    "COMPANY_MCP_GRAPHQL_URL",
    "COMPANY_MCP_AZURE_API_SCOPE",
    "AZURE_CLIENT_ID",
    "COMPANY_MCP_AZURE_APPCONFIG_ENDPOINT",
    "COMPANY_MCP_AZURE_FLAGS_REFRESH_S",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "COMPANY_MCP_REDIS_URL",
    "COMPANY_MCP_CURSOR_SECRET",
    "COMPANY_MCP_AZURE_AUDIT_KEY",
    "COMPANY_MCP_LOG_FORMAT",
)
API_CONTRACT = (
    "COMPANY_API_DATABASE_URL",
    "COMPANY_API_DB_SCHEMA",
    "COMPANY_API_AUTH",
    "COMPANY_API_ENTRA_TENANT_ID",
    "COMPANY_API_ENTRA_AUDIENCE",
    "COMPANY_API_ENTRA_ALLOWED_OIDS",
    "COMPANY_API_PUBLIC_HOSTS",
    "AZURE_CLIENT_ID",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
)


@dataclass
class AzureDeployment:
    mocks: AzureMocks
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, typ: str) -> list[Declared]:
        return self.mocks.of_type(T + typ)

    def one(self, typ: str) -> Declared:
        return self.mocks.one(T + typ)

    def inputs(self, typ: str) -> dict[str, Any]:
        return plain(self.one(typ).inputs)

    def app_settings(self, name: str) -> dict[str, Any]:
        app = next(d for d in self.of_type("web:WebApp") if d.name == name)
        return {pair["name"]: pair["value"] for pair in app.inputs["siteConfig"]["appSettings"]}


@pytest.fixture(scope="session")
def azure_zips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("azure-dist")
    paths = (root / "mcp-azure-functions.zip", root / "api-azure-functions.zip")
    for path in paths:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("host.json", json.dumps({"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}))
            archive.writestr("function_app.py", f"# {path.name}\n")
    return paths


def azure_config(zips: tuple[Path, Path], **overrides: Any) -> AzureConfig:
    values: dict[str, Any] = {
        "location": "eastus",
        "environment": "dev",
        "mcp_app_client_id": MCP_APP_CLIENT_ID,
        "api_app_client_id": API_APP_CLIENT_ID,
        "db_admin_object_id": DB_ADMIN_OBJECT_ID,
        "db_admin_principal_name": "company-mcp-db-admins",
        "alarm_email": "ops@example.com",  # made a secret Output inside the Pulumi run (build)
        "unique_suffix": "a1b2c3",
        "mcp_package_path": str(zips[0]),
        "api_package_path": str(zips[1]),
    }
    values.update(overrides)
    return AzureConfig(**values)


def _recording(mocks: AzureMocks) -> None:
    def record(args: pulumi.ResourceTransformationArgs) -> None:
        mocks.options[args.name] = args.opts

    pulumi.runtime.register_stack_transformation(record)


def build(cfg: AzureConfig) -> AzureDeployment:
    deployment = AzureDeployment(AzureMocks())
    pulumi.runtime.set_mocks(deployment.mocks, project="company-mcp", stack="azure-dev", preview=False)

    @pulumi.runtime.test
    def run() -> pulumi.Output[None]:
        from stacks.components.azure.stack import deploy

        _recording(deployment.mocks)
        # as `pulumi config set --secret` gives it; created here, inside the run, so no Output outlives its loop
        secret_cfg = dataclasses.replace(cfg, alarm_email=pulumi.Output.secret(str(cfg.alarm_email)))
        return pulumi.Output.all(**deploy(secret_cfg)).apply(deployment.outputs.update)

    run()
    return deployment


@pytest.fixture(scope="module")
def stack(azure_zips: tuple[Path, Path]) -> AzureDeployment:
    return build(azure_config(azure_zips))


@pytest.fixture(scope="module")
def variant(azure_zips: tuple[Path, Path]) -> AzureDeployment:
    """No deletion protection, a flags label, and the longest names the configuration allows."""
    return build(
        azure_config(
            azure_zips, deletion_protection=False, flags_label="dev", environment="abcdefghij", unique_suffix="k1m2n3p4"
        )
    )


# -- no public network access, local auth off ------------------------------------------------------------------


def test_the_database_is_private_entra_only_backed_up_and_locked(stack: AzureDeployment) -> None:
    server = stack.inputs("dbforpostgresql:Server")
    assert server["version"] == "16"
    assert server["network"]["publicNetworkAccess"] == "Disabled"
    assert server["network"]["delegatedSubnetResourceId"].endswith("/Subnet/network-postgres")
    assert server["authConfig"] == {"activeDirectoryAuth": "Enabled", "passwordAuth": "Disabled", "tenantId": TENANT}
    assert "administratorLoginPassword" not in server and "administratorLogin" not in server
    assert server["backup"]["backupRetentionDays"] == 7
    admin = stack.inputs("dbforpostgresql:AdministratorsMicrosoftEntra")
    assert (admin["objectId"], admin["principalType"]) == (DB_ADMIN_OBJECT_ID, "Group")
    lock = stack.inputs("authorization:ManagementLockByScope")
    assert lock["level"] == "CanNotDelete" and "database-server" in lock["scope"]
    assert stack.mocks.options["database-server"].protect is True
    tls = stack.inputs("dbforpostgresql:Configuration")
    assert (tls["configurationName"], tls["value"]) == ("require_secure_transport", "on")


def test_without_deletion_protection_there_is_no_lock(variant: AzureDeployment) -> None:
    assert variant.of_type("authorization:ManagementLockByScope") == []
    assert not variant.mocks.options["database-server"].protect


def test_redis_is_azure_managed_redis_private_and_tls_only(stack: AzureDeployment) -> None:
    assert not [d for d in stack.mocks.declared if d.type.startswith(T + "cache:")]  # no Azure Cache for Redis
    cluster = stack.inputs("redisenterprise:RedisEnterprise")
    assert cluster["publicNetworkAccess"] == "Disabled" and cluster["minimumTlsVersion"] == "1.2"
    assert cluster["sku"]["name"].startswith("Balanced_")
    database = stack.inputs("redisenterprise:Database")
    assert (database["clientProtocol"], database["port"], database["clusteringPolicy"]) == (
        "Encrypted",
        10000,
        "EnterpriseCluster",
    )


def test_storage_has_no_shared_keys_and_no_public_access(stack: AzureDeployment) -> None:
    account = stack.inputs("storage:StorageAccount")
    assert account["allowSharedKeyAccess"] is False
    assert account["allowBlobPublicAccess"] is False
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkRuleSet"]["defaultAction"] == "Deny"
    assert all(
        c["publicAccess"] == "None" for c in map(plain, (d.inputs for d in stack.of_type("storage:BlobContainer")))
    )


def test_app_configuration_is_standard_private_with_local_auth_off(stack: AzureDeployment) -> None:
    store = stack.inputs("appconfiguration:ConfigurationStore")
    assert store["sku"] == {"name": "standard"}
    assert store["disableLocalAuth"] is True and store["publicNetworkAccess"] == "Disabled"
    assert store["dataPlaneProxy"] == {"authenticationMode": "Pass-through", "privateLinkDelegation": "Enabled"}


def test_key_vault_uses_rbac_and_denies_public_traffic(stack: AzureDeployment) -> None:
    vault = stack.inputs("keyvault:Vault")["properties"]
    assert vault["enableRbacAuthorization"] is True and not vault.get("accessPolicies")
    assert vault["networkAcls"]["defaultAction"] == "Deny" and vault["enablePurgeProtection"] is True


def test_telemetry_takes_entra_identities_only_and_keeps_audit_events(stack: AzureDeployment) -> None:
    component = stack.inputs("applicationinsights:Component")
    assert component["disableLocalAuth"] is True and component["ingestionMode"] == "LogAnalytics"
    assert "observability-workspace" in component["workspaceResourceId"]
    workspace = stack.inputs("operationalinsights:Workspace")
    assert workspace["retentionInDays"] == 30 and workspace["features"]["disableLocalAuth"] is True
    audit = stack.inputs("operationalinsights:Table")
    assert (audit["tableName"], audit["retentionInDays"]) == ("AppEvents", 365)


def test_every_private_service_has_an_endpoint_with_dns(stack: AzureDeployment) -> None:
    groups = {
        plain(d.inputs)["privateLinkServiceConnections"][0]["groupIds"][0]
        for d in stack.of_type("network:PrivateEndpoint")
    }
    assert groups == {"configurationStores", "redisEnterprise", "vault", "blob"}
    assert len(stack.of_type("network:PrivateDnsZoneGroup")) == 4
    zones = {plain(d.inputs)["privateZoneName"] for d in stack.of_type("privatedns:PrivateZone")}
    assert "privatelink.redis.azure.net" in zones and any(z.endswith(".postgres.database.azure.com") for z in zones)
    assert len(stack.of_type("privatedns:VirtualNetworkLink")) == len(zones)


def test_subnets_are_delegated_to_functions_and_postgresql(stack: AzureDeployment) -> None:
    delegations = {
        s["subnetName"]: [d["serviceName"] for d in s.get("delegations") or []]
        for s in map(plain, (d.inputs for d in stack.of_type("network:Subnet")))
    }
    assert delegations == {
        "mcp": [FUNCTIONS_DELEGATION],
        "api": [FUNCTIONS_DELEGATION],
        "postgres": [POSTGRES_DELEGATION],
        "endpoints": [],
    }


# -- least privilege -------------------------------------------------------------------------------------------


def test_only_narrow_roles_are_granted_at_resource_scope(stack: AzureDeployment) -> None:
    assignments = [plain(d.inputs) for d in stack.of_type("authorization:RoleAssignment")]
    assert assignments
    for assignment in assignments:
        role = assignment["roleDefinitionId"].rsplit("/", 1)[-1]
        assert role in roles.GRANTED and role not in roles.BROAD
        # a resource (or a container, a secret), never a subscription or a resource group
        assert "/providers/" in assignment["scope"], assignment
    by_role: dict[str, set[str]] = {}
    for assignment in assignments:
        by_role.setdefault(assignment["roleDefinitionId"].rsplit("/", 1)[-1], set()).add(assignment["scope"])
    assert all("/BlobContainer/" in scope for scope in by_role[roles.STORAGE_BLOB_DATA_OWNER])
    assert all("/Secret/" in scope for scope in by_role[roles.KEY_VAULT_SECRETS_USER])
    owner = [a for a in assignments if a["roleDefinitionId"].endswith(roles.APP_CONFIGURATION_DATA_OWNER)]
    assert [(a["principalId"], "/ConfigurationStore/" in a["scope"]) for a in owner] == [(DEPLOYER, True)]


def test_grant_refuses_a_role_the_stack_does_not_use() -> None:
    with pytest.raises(ValueError, match="not one this stack grants"):
        roles.grant(
            "x",
            role=next(iter(roles.BROAD)),
            scope="s",
            principal_id="p",
            subscription_id="sub",
            parent=None,  # type: ignore[arg-type]
        )


# -- flags -----------------------------------------------------------------------------------------------------


def test_every_write_flag_is_created_off_and_never_reset_by_pulumi_up(stack: AzureDeployment) -> None:
    flags = {d.name: plain(d.inputs) for d in stack.of_type("appconfiguration:KeyValue")}
    assert sorted(v["keyValueName"] for v in flags.values()) == sorted(flag_key_value_name(k) for k in WRITE_FLAG_KEYS)
    for name, kv in flags.items():
        document = json.loads(kv["value"])
        assert document["enabled"] is False and document["id"] in WRITE_FLAG_KEYS
        assert kv["contentType"] == FEATURE_FLAG_CONTENT_TYPE
        assert "value" in (stack.mocks.options[name].ignore_changes or [])


def test_a_flags_label_goes_into_the_key_value_names_and_the_settings(variant: AzureDeployment) -> None:
    names = {plain(d.inputs)["keyValueName"] for d in variant.of_type("appconfiguration:KeyValue")}
    assert names == {f".appconfig.featureflag~2F{key}$dev" for key in WRITE_FLAG_KEYS}
    assert variant.app_settings("mcp-app")["COMPANY_MCP_AZURE_FLAGS_LABEL"] == "dev"


# -- alerts and the workbook use the names the sink emits ------------------------------------------------------

EVENT_NAMES = {telemetry_names.TOOL_CALL_EVENT, telemetry_names.AUDIT_EVENT}
PROPERTIES = {
    telemetry_names.PROP_TOOL,
    telemetry_names.PROP_OUTCOME,
    telemetry_names.PROP_ERROR_TYPE,
    telemetry_names.PROP_DURATION_MS,
    telemetry_names.PROP_BLOCKED_WRITE,
    metrics.DIMENSION_TOOL,
    metrics.DIMENSION_OUTCOME,
    metrics.DIMENSION_ERROR_TYPE,
}


def names_in(query: str) -> tuple[set[str], set[str], set[str]]:
    """(customEvents names, customMetrics names, customDimensions keys) a KQL query reads."""
    events = set(re.findall(r'customEvents \| where name == "([^"]+)"', query))
    measured = set(re.findall(r'customMetrics \| where name == "([^"]+)"', query))
    dimensions = set(re.findall(r'customDimensions\["([^"]+)"\]', query))
    return events, measured, dimensions


def test_alerts_query_only_emitted_events_and_mail_the_secret_address(stack: AzureDeployment) -> None:
    rules = {d.name: plain(d.inputs) for d in stack.of_type("monitor:ScheduledQueryRule")}
    assert set(rules) == {
        "observability-server-error-rate",
        "observability-p99-latency",
        "observability-blocked-writes",
    }
    group_id = stack.outputs["actionGroupId"]
    for rule in rules.values():
        (condition,) = rule["criteria"]["allOf"]
        events, measured, dimensions = names_in(condition["query"])
        assert events == {telemetry_names.TOOL_CALL_EVENT} and not measured
        assert dimensions <= PROPERTIES
        assert rule["actions"]["actionGroups"] == [group_id] and rule["kind"] == "LogAlert"
    error_rate = rules["observability-server-error-rate"]["criteria"]["allOf"][0]
    assert all(f'"{t}"' in error_rate["query"] for t in SERVER_FAULT_TYPES)
    assert error_rate["threshold"] == 5.0
    blocked = rules["observability-blocked-writes"]["criteria"]["allOf"][0]["query"]
    assert f'customDimensions["{telemetry_names.PROP_BLOCKED_WRITE}"]) == "true"' in blocked
    receivers = stack.one("monitor:ActionGroup").inputs["emailReceivers"]
    assert SECRET_SIG in json.dumps(receivers)  # the address stays secret in state
    assert [r["emailAddress"] for r in plain(receivers)] == ["ops@example.com"]


def test_the_workbook_charts_every_metric_the_sink_emits(stack: AzureDeployment) -> None:
    workbook = stack.inputs("applicationinsights:Workbook")
    document = json.loads(workbook["serializedData"])
    queries = [item["content"]["query"] for item in document["items"] if item["type"] == 3]
    assert len(queries) == len(workbook_queries())
    events: set[str] = set()
    measured: set[str] = set()
    for query in queries:
        e, m, dimensions = names_in(query)
        events |= e
        measured |= m
        assert dimensions <= PROPERTIES, query
    assert measured == set(metrics.ALL_METRICS)
    assert events == EVENT_NAMES
    assert document["fallbackResourceIds"] == [
        stack.outputs["workbookId"].replace("Workbook/observability-workbook", "Component/observability-insights")
    ]


# -- the Function apps -----------------------------------------------------------------------------------------


def test_both_apps_run_on_flex_consumption_with_their_identity_and_subnet(stack: AzureDeployment) -> None:
    plans = [plain(d.inputs) for d in stack.of_type("web:AppServicePlan")]
    assert [p["sku"] for p in plans] == [{"name": "FC1", "tier": "FlexConsumption"}] * 2
    for name, subnet in (("mcp-app", "/Subnet/network-mcp"), ("api-app", "/Subnet/network-api")):
        app = plain(next(d for d in stack.of_type("web:WebApp") if d.name == name).inputs)
        assert app["kind"] == "functionapp,linux" and app["httpsOnly"] is True
        assert app["virtualNetworkSubnetId"].endswith(subnet)
        assert app["identity"]["type"] == "UserAssigned"
        assert app["keyVaultReferenceIdentity"] == app["identity"]["userAssignedIdentities"][0]
        config = app["functionAppConfig"]
        assert config["runtime"] == {"name": "python", "version": "3.11"}
        assert config["deployment"]["storage"]["authentication"]["type"] == "UserAssignedIdentity"
        assert config["deployment"]["storage"]["value"].endswith("-package")
        assert app["siteConfig"]["ftpsState"] == "Disabled"
    assert all(plain(d.inputs)["allow"] is False for d in stack.of_type("web:WebAppScmAllowed"))


def test_pulumi_up_uploads_each_zip_with_onedeploy_after_its_roles(
    stack: AzureDeployment, azure_zips: tuple[Path, Path]
) -> None:
    commands = {d.name: plain(d.inputs) for d in stack.mocks.of_type("command:local:Command")}
    assert set(commands) == {"mcp-code", "api-code"}
    for (name, command), zip_path in zip(sorted(commands.items(), reverse=True), azure_zips, strict=True):
        assert "az functionapp deployment source config-zip" in command["create"]
        assert f"--name company-mcp-dev-a1b2c3-{name.removesuffix('-code')}" in command["create"]
        assert str(zip_path) in command["create"] and "--build-remote false" in command["create"]
        assert command["triggers"] == [archive_digest(zip_path)]  # a rebuilt zip re-runs the upload
        depends = stack.mocks.options[name].depends_on
        assert any(getattr(d, "_name", "") == f"{name.removesuffix('-code')}-app" for d in depends)
        assert any(getattr(d, "_name", "").startswith("access-") for d in depends)


def test_mcp_app_settings_carry_the_contract_with_secrets_as_key_vault_references(stack: AzureDeployment) -> None:
    settings = plain(stack.app_settings("mcp-app"))
    assert set(MCP_CONTRACT) <= set(settings)
    assert settings["COMPANY_MCP_ADAPTER"] == "azure" and settings["COMPANY_MCP_OIDC_PROFILE"] == "entra"
    assert settings["COMPANY_MCP_OIDC_ISSUER"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert settings["COMPANY_MCP_OIDC_AUDIENCE"] == MCP_APP_CLIENT_ID
    assert settings["COMPANY_MCP_RESOURCE_URL"] == stack.outputs["mcpUrl"]
    assert settings["COMPANY_MCP_GRAPHQL_URL"] == stack.outputs["graphqlUrl"]
    assert settings["COMPANY_MCP_AZURE_API_SCOPE"] == f"api://{API_APP_CLIENT_ID}/.default"
    assert settings["COMPANY_MCP_AZURE_APPCONFIG_ENDPOINT"] == "https://company-mcp-dev-a1b2c3-flags.azconfig.io"
    for key, secret in (
        ("COMPANY_MCP_REDIS_URL", "redis-url"),
        ("COMPANY_MCP_CURSOR_SECRET", "cursor-secret"),
        ("COMPANY_MCP_AZURE_AUDIT_KEY", "audit-key"),
    ):
        assert (
            settings[key] == f"@Microsoft.KeyVault(SecretUri=https://cmcpdeva1b2c3kv.vault.azure.net/secrets/{secret}/)"
        )
    assert not any(REDIS_KEY in str(v) or "rrrrrrrr" in str(v) for v in settings.values())  # no secret in a setting
    identity = next(d for d in stack.mocks.declared if d.name == "identities-mcp")
    assert settings["AZURE_CLIENT_ID"] == identity.state["clientId"]
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"


def test_api_app_settings_carry_the_contract_and_allow_only_the_mcp_identity(stack: AzureDeployment) -> None:
    settings = plain(stack.app_settings("api-app"))
    assert set(API_CONTRACT) <= set(settings)
    assert settings["COMPANY_API_DATABASE_URL"] == (
        "postgresql://company-mcp-dev-a1b2c3-api-id@company-mcp-dev-a1b2c3-pg.postgres.database.azure.com:5432/"
        "companies?sslmode=require"
    )
    assert settings["COMPANY_API_AUTH"] == "entra" and settings["COMPANY_API_ENTRA_AUDIENCE"] == API_APP_CLIENT_ID
    assert settings["COMPANY_API_ENTRA_ALLOWED_OIDS"] == stack.outputs["mcpIdentityPrincipalId"]
    assert settings["COMPANY_API_PUBLIC_HOSTS"] == "company-mcp-dev-a1b2c3-api.azurewebsites.net"
    assert settings["COMPANY_API_DB_MIGRATE"] == "false"  # the operator migrates; the API's role has DML only


def test_each_app_has_its_own_host_id_within_32_characters(variant: AzureDeployment) -> None:
    from stacks.components.azure.settings import HOST_ID

    # the longest names the configuration allows: cut to 32 characters, the two default host ids would collide
    names = [plain(d.inputs)["name"] for d in variant.of_type("web:WebApp")]
    assert names[0][:32] == names[1][:32]
    ids = [variant.app_settings(app)[HOST_ID] for app in ("mcp-app", "api-app")]
    assert len(set(ids)) == 2 and all(len(i) <= 32 for i in ids), ids


def test_the_redis_url_secret_is_tls_with_the_key(stack: AzureDeployment) -> None:
    secret = next(d for d in stack.of_type("keyvault:Secret") if d.name == "secrets-redis-url")
    assert SECRET_SIG in json.dumps(secret.inputs)
    assert plain(secret.inputs)["properties"]["value"] == (
        f"rediss://:{REDIS_KEY}@company-mcp-dev-a1b2c3-limits.eastus.redis.azure.net:10000/0"
    )


# -- configuration ---------------------------------------------------------------------------------------------


@pytest.fixture
def stack_config() -> Iterator[dict[str, str]]:
    values: dict[str, str] = {}
    yield values
    pulumi.runtime.set_all_config({})


def example_config(zips: tuple[Path, Path]) -> dict[str, str]:
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["config"]
    values = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in example.items()}
    values |= {
        "company-mcp:alarmEmail": "ops@example.com",  # `pulumi config set --secret` in real life
        "company-mcp:mcpPackagePath": str(zips[0]),
        "company-mcp:apiPackagePath": str(zips[1]),
    }
    return values


def test_the_example_configuration_loads_and_runs_through_the_program(
    stack_config: dict[str, str], azure_zips: tuple[Path, Path]
) -> None:
    stack_config.update(example_config(azure_zips))
    mocks = AzureMocks()
    pulumi.runtime.set_mocks(mocks, project="company-mcp", stack="azure-dev", preview=False)
    pulumi.runtime.set_all_config(stack_config, ["company-mcp:alarmEmail"])
    loaded: list[AzureConfig] = []

    @pulumi.runtime.test
    def run() -> None:
        runpy.run_path(str(MAIN), run_name="__main__")
        loaded.append(load_azure_config())

    run()
    cfg = loaded[0]
    assert (cfg.location, cfg.environment, cfg.db_admin_principal_type) == ("eastus", "dev", "Group")
    assert isinstance(cfg.alarm_email, pulumi.Output)
    assert len(mocks.of_type(T + "web:WebApp")) == 2


def test_every_key_the_loader_reads_is_in_the_example() -> None:
    from stacks.components.azure.config import OPTIONAL_KEYS, REQUIRED_KEYS, REQUIRED_SECRETS

    text = EXAMPLE.read_text(encoding="utf-8")
    for key in (*REQUIRED_KEYS, *REQUIRED_SECRETS, *OPTIONAL_KEYS):
        assert f"company-mcp:{key}:" in text, key
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Deploy to Azure") :]
    for key in (*REQUIRED_KEYS, *REQUIRED_SECRETS, *OPTIONAL_KEYS):
        assert f"`{key}`" in section, key


def test_a_missing_required_key_is_named(stack_config: dict[str, str], azure_zips: tuple[Path, Path]) -> None:
    stack_config.update(example_config(azure_zips))
    del stack_config["company-mcp:apiAppClientId"]
    pulumi.runtime.set_mocks(AzureMocks(), project="company-mcp", stack="azure-dev", preview=False)
    pulumi.runtime.set_all_config(stack_config)
    with pytest.raises(StackConfigError, match=r"company-mcp:apiAppClientId: required"):
        load_azure_config()


def test_a_missing_package_names_the_key(azure_zips: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(StackConfigError, match=r"mcpPackagePath: .*missing\.zip does not exist"):
        build(azure_config(azure_zips, mcp_package_path=str(tmp_path / "missing.zip")))


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"environment": "dev-1"}, "environment"),
        ({"unique_suffix": "AB"}, "uniqueSuffix"),
        ({"mcp_app_client_id": "not-a-guid"}, "mcpAppClientId"),
        ({"api_app_client_id": MCP_APP_CLIENT_ID}, "apiAppClientId"),
        ({"alarm_email": "nobody"}, "alarmEmail"),
        ({"vnet_cidr": "8.8.0.0/16"}, "vnetCidr"),
        ({"vnet_cidr": "10.0.0.0/24"}, "vnetCidr"),
        ({"python_version": "3.13"}, "pythonVersion"),
        ({"mcp_memory_mb": 1024}, "mcpMemoryMb"),
        ({"api_max_instances": 5}, "apiMaxInstances"),
        ({"postgres_tier": "Basic"}, "postgresTier"),
        ({"backup_retention_days": 3}, "backupRetentionDays"),
        ({"redis_sku": "Basic_C0"}, "redisSku"),
        ({"log_retention_days": 7}, "logRetentionDays"),
        ({"audit_retention_days": 10}, "auditRetentionDays"),
        ({"flags_label": "a*b"}, "flagsLabel"),
        ({"allowed_origins": ("http://evil.example",)}, "allowedOrigins"),
        ({"db_admin_principal_type": "Robot"}, "dbAdminPrincipalType"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(
    azure_zips: tuple[Path, Path], overrides: dict[str, Any], key: str
) -> None:
    with pytest.raises(StackConfigError, match=rf"company-mcp:{key}"):
        azure_config(azure_zips, **overrides)


# -- the pilot's cost model ------------------------------------------------------------------------------------

# The billed resources of the stack -> words in the name of the price component that bills them.
BILLED = {
    "web:AppServicePlan": "Flex Consumption",
    "dbforpostgresql:Server": "PostgreSQL flexible server",
    "redisenterprise:RedisEnterprise": "Azure Managed Redis",
    "appconfiguration:ConfigurationStore": "App Configuration Standard",
    "operationalinsights:Workspace": "Log Analytics",
    "operationalinsights:Table": "retention of the AppEvents table",
}


def test_the_price_model_covers_every_billed_resource_of_the_stack(stack: AzureDeployment) -> None:
    from pilot.cost import estimate, load_prices

    model = load_prices()
    names = [c.name for c in model.clouds["azure"].components]
    for typ, words in BILLED.items():
        assert stack.of_type(typ), typ
        assert any(words in name for name in names), words
    assert {c.category for c in model.clouds["azure"].components} >= {"compute", "api", "database", "cache", "flags"}
    assert all(c.source.startswith("https://azure.microsoft.com/") for c in model.clouds["azure"].components)
    monthly = estimate(model, "azure", volume=0, typical_duration_s=0.2)
    # with no traffic, the always-on parts remain: database, Redis, the App Configuration store
    assert {line.category for line in monthly.lines if line.usd > 0} == {"database", "cache", "flags"}
