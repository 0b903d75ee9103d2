"""The AWS program under Pulumi's mocks: every resource, its key properties, and the security policies.

Policy checks (the promises core makes, held by the infrastructure too):
no wildcard IAM action and no ``*`` resource where a narrower one exists; the database encrypted and
private; every write flag disabled in AppConfig; no secret in a function's environment; every log group
with a retention; the dashboard and alarms on exactly ``core.metrics``; AppSync IAM-only with one resolver
per SDL root field; no unauthenticated endpoint (the Function URL is public, the server verifies tokens).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from adapters.aws.appsync_origin import proof_sha256, resolver_code
from adapters.aws.config import AwsSettings, ResolverSettings
from core.config import Settings
from core.metrics import ALL_METRICS, NAMESPACE
from core.model import READ_SCOPE, WRITE_SCOPE
from core.tools.registry import all_tools
from stacks.components.aws.api import read_schema, root_fields
from stacks.components.aws.flags import write_flag_keys
from stacks.components.aws.iam import VPC_ACCESS_ACTIONS
from stacks.components.aws.jwks import OBJECT_WRITE_ACTIONS
from stacks.components.aws.network import INTERFACE_ENDPOINTS
from stacks.components.aws.observability import METRIC_DIMENSIONS, SERVER_ERROR_TYPES
from stacks.config import LOG_RETENTION_DAYS
from tests.stacks.conftest import SECRET_SIG, Deployment, function_env, listed, plain, policies
from tests.stacks.mocks import ACCOUNT, API_ID, CLIENT_ID, LAYER_ARN, RANDOM_PASSWORD, REGION, USER_POOL_ID

MCP = "service-function"
RESOLVER = "api-resolver"
MIRROR = "jwks-function"
RESOLVER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:company-mcp-dev-resolver"
API_ARN = f"arn:aws:appsync:{REGION}:{ACCOUNT}:apis/{API_ID}"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{USER_POOL_ID}"
ACTION_RE = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")  # one named action: no '*' or '?' anywhere
COMPONENTS = {
    "company-mcp:aws:Network",
    "company-mcp:aws:Data",
    "company-mcp:aws:Cache",
    "company-mcp:aws:Identity",
    "company-mcp:aws:JwksMirror",
    "company-mcp:aws:Flags",
    "company-mcp:aws:LogGroups",
    "company-mcp:aws:Api",
    "company-mcp:aws:Service",
    "company-mcp:aws:Observability",
}


def inputs(stack: Deployment, typ: str) -> dict[str, Any]:
    return plain(stack.mocks.one(typ).inputs)


def role_statements(stack: Deployment, role_name: str) -> list[dict[str, Any]]:
    return [s for name, doc in policies(stack) if name == role_name for s in doc["Statement"]]


# -- inventory -----------------------------------------------------------------------------------------------


def test_every_component_is_declared_once(stack: Deployment) -> None:
    declared = [d.type for d in stack.mocks.declared if d.type.startswith("company-mcp:")]
    assert sorted(declared) == sorted(COMPONENTS)


def test_every_resource_is_a_child_of_a_component_or_the_provider(stack: Deployment) -> None:
    custom = [d for d in stack.mocks.declared if d.type.startswith("aws:")]
    assert len(custom) > 80  # the whole program, not a fragment of it
    assert {d.type for d in stack.mocks.declared if not d.type.startswith(("aws:", "company-mcp:"))} == {
        "pulumi:providers:aws",
        "random:index/randomPassword:RandomPassword",  # the resolver's origin proof
    }


def test_outputs(stack: Deployment) -> None:
    outputs = stack.outputs
    assert outputs["mcpUrl"].startswith("https://") and outputs["mcpUrl"].endswith(".on.aws/mcp")
    assert outputs["graphqlUrl"] == f"https://{API_ID}.appsync-api.{REGION}.amazonaws.com/graphql"
    assert outputs["tokenEndpoint"] == (
        f"https://company-mcp-dev-{ACCOUNT}.auth.{REGION}.amazoncognito.com/oauth2/token"
    )
    assert outputs["dashboardUrl"] == (
        f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}#dashboards/dashboard/company-mcp-dev"
    )
    assert outputs["issuer"] == ISSUER
    assert outputs["clientId"] == CLIENT_ID


# -- network -------------------------------------------------------------------------------------------------


def test_private_subnets_in_two_zones_and_no_internet_path(stack: Deployment) -> None:
    subnets = [plain(d.inputs) for d in stack.mocks.of_type("aws:ec2/subnet:Subnet")]
    assert len(subnets) == 2
    assert len({s["availabilityZone"] for s in subnets}) == 2
    assert not any(s.get("mapPublicIpOnLaunch") for s in subnets)
    types = {d.type for d in stack.mocks.declared}
    assert not types & {
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/route:Route",
    }
    assert inputs(stack, "aws:ec2/routeTable:RouteTable").get("routes") in (None, [])
    for rule in stack.mocks.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"):
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs  # never to 0.0.0.0/0


def test_vpc_endpoints_the_functions_need(stack: Deployment) -> None:
    endpoints = {
        d.inputs["serviceName"]: plain(d.inputs) for d in stack.mocks.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    }
    expected = {f"com.amazonaws.{REGION}.{e.service}" for e in INTERFACE_ENDPOINTS} | {f"com.amazonaws.{REGION}.s3"}
    assert set(endpoints) == expected  # lambda included: without publicUrl the MCP function reads its own URL
    assert f"com.amazonaws.{REGION}.lambda" in endpoints
    for service in (e.service for e in INTERFACE_ENDPOINTS):
        endpoint = endpoints[f"com.amazonaws.{REGION}.{service}"]
        assert endpoint["vpcEndpointType"] == "Interface"
        assert endpoint["privateDnsEnabled"] is True
        assert len(endpoint["subnetIds"]) == 2
    gateway = endpoints[f"com.amazonaws.{REGION}.s3"]
    assert gateway["vpcEndpointType"] == "Gateway"
    statement = json.loads(gateway["policy"])["Statement"]
    assert statement == [
        {
            "Sid": "ReadMirroredJwksOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::company-mcp-dev-jwks-{ACCOUNT}/jwks.json"],
        }
    ]


def test_database_and_cache_are_reachable_only_from_their_function(stack: Deployment) -> None:
    groups = {d.name: f"{d.name}-id" for d in stack.mocks.of_type("aws:ec2/securityGroup:SecurityGroup")}
    ingress = [
        plain(d.inputs) for d in stack.mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    ]
    by_target: dict[str, list[tuple[str, int, int]]] = {}
    for rule in ingress:
        by_target.setdefault(rule["securityGroupId"], []).append(
            (rule["referencedSecurityGroupId"], int(rule["fromPort"]), int(rule["toPort"]))
        )
    assert by_target[groups["network-database"]] == [(groups["network-resolver"], 5432, 5432)]
    assert by_target[groups["network-cache"]] == [(groups["network-mcp"], 6379, 6380)]
    assert sorted(by_target[groups["network-endpoints"]]) == sorted(
        [(groups["network-mcp"], 443, 443), (groups["network-resolver"], 443, 443)]
    )


# -- IAM -----------------------------------------------------------------------------------------------------


def test_no_wildcard_actions_anywhere(stack: Deployment) -> None:
    documents = list(policies(stack))
    assert len(documents) >= 7
    for name, document in documents:
        for statement in document["Statement"]:
            for action in listed(statement["Action"]):
                assert ACTION_RE.match(action), f"{name}: wildcard or malformed action {action!r}"


def test_no_star_resource_where_a_narrower_one_exists(stack: Deployment) -> None:
    for name, document in policies(stack):
        for statement in document["Statement"]:
            if statement["Effect"] == "Deny":  # a broad Deny only narrows what the grants allow
                continue
            actions = set(listed(statement["Action"]))
            for resource in listed(statement["Resource"]):
                if resource == "*":
                    # The only exception: ENI management of a function in a VPC (no resource-level permissions).
                    assert actions <= set(VPC_ACCESS_ACTIONS), f"{name}: '*' resource for {sorted(actions)}"
                    continue
                assert resource.startswith("arn:aws:"), f"{name}: {resource!r} is not an ARN"
                wildcard = resource.find("*")
                # A log group's streams (":*" after the group's full name) is the one wildcard allowed.
                assert wildcard == -1 or (
                    resource.endswith(":*") and ":log-group:" in resource and wildcard == len(resource) - 1
                ), f"{name}: wildcard resource {resource!r}"


def test_principal_star_only_with_a_vpc_endpoint_or_deny(stack: Deployment) -> None:
    for name, document in policies(stack):
        for statement in document["Statement"]:
            if statement.get("Principal") != "*" or statement["Effect"] == "Deny":
                continue
            if name == "network-s3":  # the endpoint's own policy: only reachable from inside the VPC
                continue
            assert statement["Condition"] == {"StringEquals": {"aws:SourceVpce": "vpce-network-s3"}}, name


def test_mcp_role_least_privilege(stack: Deployment) -> None:
    statements = {s["Sid"]: s for s in role_statements(stack, "service-role")}
    fields = root_fields(read_schema())
    assert len(fields) == 9
    assert statements["CallTheCompanyApi"]["Action"] == ["appsync:GraphQL"]
    assert statements["CallTheCompanyApi"]["Resource"] == [
        *(f"{API_ARN}/types/{type_name}/fields/{field}" for type_name, field in fields),
        f"{API_ARN}/types/Query/fields/__typename",  # the server's readiness ping
    ]
    assert statements["ReadTheFeatureFlags"]["Action"] == [
        "appconfig:StartConfigurationSession",
        "appconfig:GetLatestConfiguration",
    ]
    assert statements["ReadTheFeatureFlags"]["Resource"] == [
        f"arn:aws:appconfig:{REGION}:{ACCOUNT}:application/app1234/environment/env5678/configuration/prof910"
    ]
    assert statements["OwnLogGroup"]["Resource"] == [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/company-mcp/dev/mcp:*"
    ]
    audit = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/company-mcp/dev/audit"
    assert statements["AppendToTheAuditLog"]["Resource"] == [audit, f"{audit}:*"]
    assert not any("Delete" in a for a in statements["AppendToTheAuditLog"]["Action"])  # the audit log is append-only
    assert statements["ReadTheCursorKey"]["Resource"] == [
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:company-mcp-dev/cursor-key-XyZ123"
    ]
    # Without publicUrl the function reads its own Function URL at start: that one action, on itself only.
    assert statements["ReadOwnFunctionUrl"]["Action"] == ["lambda:GetFunctionUrlConfig"]
    assert statements["ReadOwnFunctionUrl"]["Resource"] == [
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:company-mcp-dev-mcp"
    ]
    assert set(statements) == {
        "CallTheCompanyApi",
        "ReadTheFeatureFlags",
        "OwnLogGroup",
        "AppendToTheAuditLog",
        "ReadTheCursorKey",
        "ReadOwnFunctionUrl",
        "VpcNetworkInterfaces",
    }


def test_resolver_role_reads_the_database_secret_only(stack: Deployment) -> None:
    statements = {s["Sid"]: s for s in role_statements(stack, "api-resolver-role")}
    assert set(statements) == {"OwnLogGroup", "ReadTheDatabaseSecret", "VpcNetworkInterfaces"}
    assert statements["ReadTheDatabaseSecret"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert statements["ReadTheDatabaseSecret"]["Resource"] == [stack.outputs["dbSecretArn"]]
    invoke = role_statements(stack, "api-appsync-invoke-role")
    assert invoke == [
        {
            "Sid": "InvokeTheResolver",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [RESOLVER_ARN],
        }
    ]


def test_only_appsync_may_invoke_the_resolver_and_a_direct_event_cannot_prove_it_came_through_appsync(
    stack: Deployment,
) -> None:
    """Issue 12 (2): the stack grants invoking the resolver to AppSync's data-source role alone; the proof covers
    whoever else in the account holds ``lambda:InvokeFunction`` (a Lambda resource policy cannot deny)."""
    granted = {
        name
        for name, document in policies(stack)
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"
        and {"lambda:InvokeFunction", "lambda:InvokeAsync"} & set(listed(statement["Action"]))
        and RESOLVER_ARN in listed(statement["Resource"])
    }
    assert granted == {"api-appsync-invoke-role"}
    role = next(d for d in stack.mocks.of_type("aws:iam/role:Role") if d.name == "api-appsync-invoke-role")
    trust = json.loads(plain(role.inputs["assumeRolePolicy"]))["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "appsync.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]
    source = inputs(stack, "aws:appsync/dataSource:DataSource")
    assert source["serviceRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/company-mcp-dev-appsync-invoke"
    # No resource-based grant on the resolver at all (only the MCP function's URL and the mirror's schedule).
    permissions = [plain(d.inputs) for d in stack.mocks.of_type("aws:lambda/permission:Permission")]
    assert {p["function"] for p in permissions} == {"company-mcp-dev-mcp", "company-mcp-dev-jwks-mirror"}

    # The proof: generated per deployment, in every resolver's code as a Pulumi secret, its digest on the function.
    proof = plain(inputs(stack, "random:index/randomPassword:RandomPassword"))
    assert (proof["length"], proof["special"]) == (64, False)
    resolvers = stack.mocks.of_type("aws:appsync/resolver:Resolver")
    assert all(SECRET_SIG in r.inputs["code"] for r in resolvers)
    assert {plain(r.inputs)["code"] for r in resolvers} == {resolver_code(RANDOM_PASSWORD)}
    assert function_env(stack, RESOLVER)["COMPANY_API_ORIGIN_PROOF_SHA256"] == proof_sha256(RANDOM_PASSWORD)
    for function in stack.mocks.of_type("aws:lambda/function:Function"):
        assert RANDOM_PASSWORD not in json.dumps(plain(function.inputs), default=repr), function.name


def test_roles_trust_one_service_each(stack: Deployment) -> None:
    for role in stack.mocks.of_type("aws:iam/role:Role"):
        trust = json.loads(plain(role.inputs["assumeRolePolicy"]))["Statement"]
        assert len(trust) == 1 and trust[0]["Action"] == "sts:AssumeRole"
        service = trust[0]["Principal"]["Service"]
        assert service in ("lambda.amazonaws.com", "appsync.amazonaws.com")
        if service == "appsync.amazonaws.com":
            assert trust[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


# -- data ----------------------------------------------------------------------------------------------------


def test_database_encrypted_private_with_a_managed_password(stack: Deployment) -> None:
    cluster = inputs(stack, "aws:rds/cluster:Cluster")
    assert cluster["engine"] == "aurora-postgresql" and cluster["engineMode"] == "provisioned"
    assert cluster["storageEncrypted"] is True
    assert cluster["manageMasterUserPassword"] is True
    assert "masterPassword" not in cluster and "masterPasswordWo" not in cluster
    assert cluster["deletionProtection"] is True and cluster["skipFinalSnapshot"] is False
    assert cluster["backupRetentionPeriod"] == 7
    assert cluster["serverlessv2ScalingConfiguration"] == {"minCapacity": 0.5, "maxCapacity": 4.0}
    instance = inputs(stack, "aws:rds/clusterInstance:ClusterInstance")
    assert instance["publiclyAccessible"] is False
    assert instance["instanceClass"] == "db.serverless"
    subnets = inputs(stack, "aws:rds/subnetGroup:SubnetGroup")["subnetIds"]
    assert sorted(subnets) == ["network-private-0-id", "network-private-1-id"]


def test_cache_is_serverless_valkey_over_tls_in_the_private_subnets(stack: Deployment) -> None:
    cache = inputs(stack, "aws:elasticache/serverlessCache:ServerlessCache")
    assert cache["engine"] == "valkey"
    assert sorted(cache["subnetIds"]) == ["network-private-0-id", "network-private-1-id"]
    assert cache["securityGroupIds"] == ["network-cache-id"]
    assert function_env(stack, MCP)["COMPANY_MCP_REDIS_URL"].startswith("rediss://")


# -- flags ---------------------------------------------------------------------------------------------------


def test_every_write_flag_is_defined_and_disabled(stack: Deployment) -> None:
    profile = inputs(stack, "aws:appconfig/configurationProfile:ConfigurationProfile")
    assert profile["type"] == "AWS.AppConfig.FeatureFlags" and profile["locationUri"] == "hosted"
    version = inputs(stack, "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion")
    content = json.loads(version["content"])
    writes = [spec.name for spec in all_tools() if spec.mutates]
    expected = {"mutations", *(f"mutations_{tool}" for tool in writes)}
    assert set(write_flag_keys()) == expected
    assert expected == {
        "mutations",
        "mutations_create_collection",
        "mutations_add_to_collection",
        "mutations_request_email_discovery",
    }
    assert set(content["flags"]) == expected
    assert content["values"] == {key: {"enabled": False} for key in expected}
    strategy = inputs(stack, "aws:appconfig/deploymentStrategy:DeploymentStrategy")
    assert (strategy["growthFactor"], strategy["deploymentDurationInMinutes"], strategy["finalBakeTimeInMinutes"]) == (
        100,
        0,
        0,
    )
    deployment = inputs(stack, "aws:appconfig/deployment:Deployment")
    assert deployment["configurationVersion"] == "1" and deployment["deploymentStrategyId"] == "strat11"


# -- functions -----------------------------------------------------------------------------------------------


SECRETISH = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE", re.IGNORECASE)


def test_no_secret_in_any_function_environment(stack: Deployment) -> None:
    secret_values = {
        plain(d.inputs).get("secretStringWo")
        for d in stack.mocks.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    } | {"mock-client-secret"}
    functions = stack.mocks.of_type("aws:lambda/function:Function")
    assert {f.name for f in functions} == {MCP, RESOLVER, MIRROR}
    for function in functions:
        for name, value in function_env(stack, function.name).items():
            assert value not in secret_values, f"{function.name}: {name} holds a secret"
            if SECRETISH.search(name):
                assert name.endswith("_ARN") and value.startswith("arn:aws:secretsmanager:"), f"{function.name}: {name}"
    assert "COMPANY_MCP_CURSOR_SECRET" not in function_env(stack, MCP)


def test_mcp_environment_is_what_the_server_reads(stack: Deployment) -> None:
    env = function_env(stack, MCP)
    core_fields = {
        k.removeprefix("COMPANY_MCP_").lower(): v
        for k, v in env.items()
        if k.startswith("COMPANY_MCP_") and not k.startswith("COMPANY_MCP_AWS_")
    }
    aws_fields = {
        k.removeprefix("COMPANY_MCP_AWS_").lower(): v for k, v in env.items() if k.startswith("COMPANY_MCP_AWS_")
    }
    assert set(core_fields) <= set(Settings.model_fields)
    assert set(aws_fields) <= set(AwsSettings.model_fields)
    settings = Settings(**core_fields)
    settings.check()  # the server would start with this configuration
    assert settings.adapter == "aws" and settings.effective_auth == "oidc" and settings.allow_mutations is False
    assert settings.oidc_issuer == ISSUER and settings.oidc_profile == "cognito"
    assert settings.oidc_client_ids == CLIENT_ID and settings.oidc_scope_prefix == "company-mcp/"
    assert settings.oidc_jwks_url == f"https://company-mcp-dev-jwks-{ACCOUNT}.s3.{REGION}.amazonaws.com/jwks.json"
    assert settings.graphql_url == stack.outputs["graphqlUrl"]
    assert settings.redis_url and settings.redis_url.startswith("rediss://")
    aws = AwsSettings(**aws_fields)
    assert (aws.appconfig_application, aws.appconfig_environment, aws.appconfig_profile) == (
        "company-mcp-dev",
        "dev",
        "flags",
    )
    assert aws.audit_log_group == "/company-mcp/dev/audit"
    assert aws.cursor_secret_arn and aws.cursor_secret_arn.startswith("arn:aws:secretsmanager:")
    assert (
        env["AWS_APPCONFIG_EXTENSION_PREFETCH_LIST"]
        == "/applications/company-mcp-dev/environments/dev/configurations/flags"
    )


def test_mcp_function_in_the_vpc_with_the_appconfig_agent(stack: Deployment) -> None:
    function = plain(next(d for d in stack.mocks.of_type("aws:lambda/function:Function") if d.name == MCP).inputs)
    assert function["handler"] == "adapters.aws.lambda_handler.handler"
    assert function["layers"] == [LAYER_ARN]
    assert function["vpcConfig"]["securityGroupIds"] == ["network-mcp-id"]
    assert sorted(function["vpcConfig"]["subnetIds"]) == ["network-private-0-id", "network-private-1-id"]
    assert "tracingConfig" not in function  # X-Ray would need another endpoint


def test_resolver_function_gets_the_database_by_reference(stack: Deployment) -> None:
    function = plain(next(d for d in stack.mocks.of_type("aws:lambda/function:Function") if d.name == RESOLVER).inputs)
    assert function["handler"] == "adapters.aws.resolver_handler.handler"
    assert function["vpcConfig"]["securityGroupIds"] == ["network-resolver-id"]
    env = function_env(stack, RESOLVER)
    assert env == {
        "COMPANY_API_DB_SECRET_ARN": stack.outputs["dbSecretArn"],
        "COMPANY_API_DB_HOST": stack.outputs["dbClusterEndpoint"],
        "COMPANY_API_DB_PORT": "5432",
        "COMPANY_API_DB_NAME": "companies",
        # Only the MCP server's role sessions (defence in depth behind AppSync's IAM check).
        "COMPANY_API_ALLOWED_CALLERS": f"arn:aws:sts::{ACCOUNT}:assumed-role/company-mcp-dev-mcp/",
        # What AppSync's request handler proves (the digest only; the proof is in the resolver code).
        "COMPANY_API_ORIGIN_PROOF_SHA256": proof_sha256(RANDOM_PASSWORD),
    }
    settings = ResolverSettings(**{k.removeprefix("COMPANY_API_").lower(): v for k, v in env.items()})
    assert settings.db_host == stack.outputs["dbClusterEndpoint"] and settings.db_port == 5432
    assert settings.allowed_caller_list() == (f"arn:aws:sts::{ACCOUNT}:assumed-role/company-mcp-dev-mcp/",)
    mcp_role = next(d for d in stack.mocks.of_type("aws:iam/role:Role") if d.name == "service-role")
    assert mcp_role.inputs["name"] == "company-mcp-dev-mcp"  # the role those sessions belong to


def test_no_unauthenticated_endpoint(stack: Deployment) -> None:
    """The Function URL is open at the AWS level; the server behind it requires an OAuth token on every call."""
    url = inputs(stack, "aws:lambda/functionUrl:FunctionUrl")
    assert url["authorizationType"] == "NONE" and "cors" not in url
    assert url["functionName"] == "company-mcp-dev-mcp"
    env = function_env(stack, MCP)
    assert env["COMPANY_MCP_AUTH"] == "oidc"
    assert env["COMPANY_MCP_OIDC_ISSUER"].startswith("https://")
    assert env["COMPANY_MCP_OIDC_JWKS_URL"].startswith("https://")
    permissions = [plain(d.inputs) for d in stack.mocks.of_type("aws:lambda/permission:Permission")]
    public = [p for p in permissions if p["principal"] == "*"]
    assert all(p["function"] == "company-mcp-dev-mcp" for p in public)
    assert {(p["action"], p.get("functionUrlAuthType"), p.get("invokedViaFunctionUrl")) for p in public} == {
        ("lambda:InvokeFunctionUrl", "NONE", None),
        ("lambda:InvokeFunction", None, True),
    }
    assert len(stack.mocks.of_type("aws:lambda/functionUrl:FunctionUrl")) == 1
    api = inputs(stack, "aws:appsync/graphQLApi:GraphQLApi")
    assert api["authenticationType"] == "AWS_IAM" and not api.get("additionalAuthenticationProviders")


# -- API -----------------------------------------------------------------------------------------------------


def test_appsync_runs_the_repository_schema_with_iam_and_nine_lambda_resolvers(stack: Deployment) -> None:
    api = inputs(stack, "aws:appsync/graphQLApi:GraphQLApi")
    assert api["schema"] == read_schema()
    assert api["visibility"] == "PRIVATE" and api["introspectionConfig"] == "DISABLED"
    assert api["logConfig"]["fieldLogLevel"] == "ERROR" and api["logConfig"]["excludeVerboseContent"] is True
    source = inputs(stack, "aws:appsync/dataSource:DataSource")
    assert source["type"] == "AWS_LAMBDA"
    assert (
        source["lambdaConfig"]["functionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:company-mcp-dev-resolver"
    )
    resolvers = [plain(d.inputs) for d in stack.mocks.of_type("aws:appsync/resolver:Resolver")]
    assert len(resolvers) == 9
    tools = {spec.name: spec for spec in all_tools()}
    assert {(r["type"], r["field"]) for r in resolvers} == {
        ("Mutation" if spec.mutates else "Query", name) for name, spec in tools.items()
    }
    for resolver in resolvers:
        assert resolver["dataSource"] == "company_resolver" and resolver["kind"] == "UNIT"
        # The resolver function's own APPSYNC_JS handlers: invoke it, and raise its returned errors with their codes.
        assert resolver["runtime"] == {"name": "APPSYNC_JS", "runtimeVersion": "1.0.0"}
        assert resolver["code"] == resolver_code(RANDOM_PASSWORD)
        assert not {"requestTemplate", "responseTemplate"} & set(resolver)


def test_cognito_machine_client_with_the_two_scopes(stack: Deployment) -> None:
    server = inputs(stack, "aws:cognito/resourceServer:ResourceServer")
    assert server["identifier"] == "company-mcp"
    assert {s["scopeName"] for s in server["scopes"]} == {READ_SCOPE, WRITE_SCOPE}
    client = inputs(stack, "aws:cognito/userPoolClient:UserPoolClient")
    assert client["allowedOauthFlows"] == ["client_credentials"] and client["allowedOauthFlowsUserPoolClient"] is True
    assert sorted(client["allowedOauthScopes"]) == ["company-mcp/companies:read", "company-mcp/companies:write"]
    assert client["generateSecret"] is True
    assert inputs(stack, "aws:cognito/userPoolDomain:UserPoolDomain")["domain"] == f"company-mcp-dev-{ACCOUNT}"
    pool = inputs(stack, "aws:cognito/userPool:UserPool")
    assert pool["adminCreateUserConfig"]["allowAdminCreateUserOnly"] is True


def test_jwks_mirror_outside_the_vpc_writes_one_private_object(stack: Deployment) -> None:
    mirror = plain(next(d for d in stack.mocks.of_type("aws:lambda/function:Function") if d.name == MIRROR).inputs)
    assert "vpcConfig" not in mirror
    assert function_env(stack, MIRROR)["ISSUER"] == ISSUER
    block = inputs(stack, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block[key] is True
        for key in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    rule = inputs(stack, "aws:cloudwatch/eventRule:EventRule")
    assert rule["scheduleExpression"] == "rate(5 minutes)"
    assert inputs(stack, "aws:lambda/invocation:Invocation")["functionName"] == "company-mcp-dev-jwks-mirror"


def test_only_the_mirror_role_can_replace_or_delete_the_jwks_and_every_version_is_kept(stack: Deployment) -> None:
    """Issue 12 (3): an account principal with ``s3:PutObject`` must not swap in its own signing keys."""
    bucket = f"company-mcp-dev-jwks-{ACCOUNT}"
    mirror_role = f"arn:aws:iam::{ACCOUNT}:role/company-mcp-dev-jwks-mirror"
    policy = json.loads(inputs(stack, "aws:s3/bucketPolicy:BucketPolicy")["policy"])
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny" and s["Sid"] == "OnlyTheMirrorWritesOrDeletes"]
    assert denies == [
        {
            "Sid": "OnlyTheMirrorWritesOrDeletes",
            "Effect": "Deny",
            "Principal": "*",  # everyone, the account's own admins included: an explicit Deny beats any Allow
            "Action": list(OBJECT_WRITE_ACTIONS),
            "Resource": [f"arn:aws:s3:::{bucket}/*"],  # every key, not only jwks.json
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": mirror_role}},
        }
    ]
    assert {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"} <= set(OBJECT_WRITE_ACTIONS)
    # The exempted role is the mirror function's, and it may only put the one object.
    mirror = plain(next(d for d in stack.mocks.of_type("aws:lambda/function:Function") if d.name == MIRROR).inputs)
    assert mirror["role"] == mirror_role
    writes = [s for s in role_statements(stack, "jwks-role") if s["Sid"] == "WriteTheMirroredKeySet"]
    assert [(w["Action"], w["Resource"]) for w in writes] == [(["s3:PutObject"], [f"arn:aws:s3:::{bucket}/jwks.json"])]
    # Nobody else in the stack is granted a write to the bucket.
    for name, document in policies(stack):
        for statement in document["Statement"]:
            touches = any(r.startswith(f"arn:aws:s3:::{bucket}") for r in listed(statement["Resource"]))
            writes_objects = set(listed(statement["Action"])) & set(OBJECT_WRITE_ACTIONS)
            if statement["Effect"] == "Allow" and touches and writes_objects:
                assert name == "jwks-role", name
    # Versioning on: a replaced or deleted key set stays recoverable; old versions expire, the current never.
    versioning = inputs(stack, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["bucket"] == bucket and versioning["versioningConfiguration"] == {"status": "Enabled"}
    lifecycle = inputs(stack, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    (rule,) = lifecycle["rules"]
    assert rule["status"] == "Enabled" and rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert "expiration" not in rule


# -- logs and metrics ----------------------------------------------------------------------------------------


def test_every_log_group_has_a_retention_and_every_function_logs_to_one(stack: Deployment) -> None:
    groups = {
        d.inputs["name"]: d.inputs.get("retentionInDays")
        for d in stack.mocks.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    assert groups == {
        "/company-mcp/dev/mcp": 30,
        "/company-mcp/dev/resolver": 30,
        "/company-mcp/dev/jwks-mirror": 30,
        "/company-mcp/dev/audit": 365,
        f"/aws/appsync/apis/{API_ID}": 30,
    }
    assert all(days in LOG_RETENTION_DAYS for days in groups.values())
    for function in stack.mocks.of_type("aws:lambda/function:Function"):
        assert plain(function.inputs)["loggingConfig"]["logGroup"] in groups


def _dashboard_metrics(body: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(namespace, metric, dimension names) of every metric a widget reads, explicit or through SEARCH."""
    found: list[tuple[str, str, tuple[str, ...]]] = []
    for widget in body["widgets"]:
        if widget["type"] != "metric":
            continue
        for entry in widget["properties"]["metrics"]:
            if isinstance(entry[0], dict):
                for schema, term in re.findall(r"SEARCH\('\{([^}]*)\} ([^']*)'", entry[0]["expression"]):
                    namespace, *dimensions = schema.split(",")
                    name = re.search(r'MetricName="([^"]+)"', term)
                    assert name, term
                    found.append((namespace, name.group(1), tuple(dimensions)))
                continue
            namespace, name, *rest = entry
            names = [item for item in rest if isinstance(item, str)][0::2]
            found.append((namespace, name, tuple(names)))
    return found


def test_dashboard_reads_exactly_the_metrics_core_emits(stack: Deployment) -> None:
    body = json.loads(inputs(stack, "aws:cloudwatch/dashboard:Dashboard")["dashboardBody"])
    metrics = _dashboard_metrics(body)
    ours = [(name, dims) for namespace, name, dims in metrics if namespace == NAMESPACE]
    assert {name for name, _ in ours} == set(ALL_METRICS)
    for name, dims in ours:
        assert sorted(dims) == sorted(METRIC_DIMENSIONS[name]), name
    assert {namespace for namespace, _, _ in metrics} == {NAMESPACE, "AWS/Lambda", "AWS/AppSync", "AWS/RDS"}
    alarm_widget = next(w for w in body["widgets"] if w["type"] == "alarm")
    assert len(alarm_widget["properties"]["alarms"]) == 3


def test_dimension_sets_match_the_emf_lines_the_aws_sink_writes() -> None:
    from adapters.aws.metrics import CloudWatchEmfMetrics
    from core.ports import CallRecord

    sink = CloudWatchEmfMetrics(clock=lambda: 0.0)

    def call(tool: str, outcome: str, error_type: str | None, capped: bool = False) -> CallRecord:
        return CallRecord(tool, "p", "r", 1.0, outcome, error_type, 1, capped)

    emitted: dict[str, set[tuple[str, ...]]] = {}
    for record in (
        call("search_companies", "ok", None, capped=True),
        call("create_collection", "error", "mutations_disabled"),
        call("ai_search", "error", "rate_limited"),
    ):
        for directive in sink.document(record)["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == NAMESPACE
            for emitted_metric in directive["Metrics"]:
                emitted.setdefault(emitted_metric["Name"], set()).update(
                    tuple(sorted(d)) for d in directive["Dimensions"]
                )
    assert set(emitted) == set(ALL_METRICS)
    for name, dimension_sets in emitted.items():
        assert dimension_sets == {tuple(sorted(METRIC_DIMENSIONS[name]))}, name


def test_alarms_on_error_rate_latency_and_blocked_writes(stack: Deployment) -> None:
    topic = stack.outputs["alarmTopicArn"]
    alarms = {d.inputs["name"]: plain(d.inputs) for d in stack.mocks.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    tools = [spec.name for spec in all_tools()]
    for alarm in alarms.values():
        queries = alarm["metricQueries"]
        assert sum(1 for q in queries if "metric" in q) <= 10  # CloudWatch's limit per metric-math alarm
        assert [q["id"] for q in queries if q.get("returnData")] == [queries[-1]["id"]]
        for query in queries:
            if "metric" in query:
                metric = query["metric"]
                assert metric["namespace"] == NAMESPACE and metric["metricName"] in ALL_METRICS
                assert set(metric["dimensions"]) == set(METRIC_DIMENSIONS[metric["metricName"]])
    children = [alarms[f"company-mcp-dev-error-rate-{tool}"] for tool in tools]
    for child in children:
        names = {q["metric"]["metricName"] for q in child["metricQueries"] if "metric" in q}
        assert names == {"ToolErrors", "ToolCalls"}
        error_types = {q["metric"]["dimensions"].get("ErrorType") for q in child["metricQueries"] if "metric" in q}
        assert error_types - {None} == set(SERVER_ERROR_TYPES)
        assert child["actionsEnabled"] is False
    composite = inputs(stack, "aws:cloudwatch/compositeAlarm:CompositeAlarm")
    assert composite["alarmRule"] == " OR ".join(f'ALARM("company-mcp-dev-error-rate-{tool}")' for tool in tools)
    assert composite["alarmActions"] == [topic]
    latency = alarms["company-mcp-dev-p99-latency"]
    stats = {
        (q["metric"]["dimensions"]["Tool"], q["metric"]["stat"]) for q in latency["metricQueries"] if "metric" in q
    }
    assert stats == {(tool, "p99") for tool in tools}
    blocked = alarms["company-mcp-dev-blocked-writes"]
    assert {q["metric"]["metricName"] for q in blocked["metricQueries"] if "metric" in q} == {"BlockedMutations"}
    assert {q["metric"]["dimensions"]["Tool"] for q in blocked["metricQueries"] if "metric" in q} == {
        spec.name for spec in all_tools() if spec.mutates
    }
    for alarm in (latency, blocked):
        assert alarm["alarmActions"] == [topic] and alarm["treatMissingData"] == "notBreaching"
    subscription = inputs(stack, "aws:sns/topicSubscription:TopicSubscription")
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "ops@example.com")


@pytest.mark.parametrize("key", ["mcpUrl", "graphqlUrl", "tokenEndpoint", "dashboardUrl"])
def test_the_four_promised_outputs_exist(stack: Deployment, key: str) -> None:
    assert stack.outputs[key].startswith("https://")
