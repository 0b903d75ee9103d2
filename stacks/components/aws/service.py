"""The MCP server: a Lambda function (``adapters.aws.lambda_handler.handler``) behind a Function URL.

Authentication. The Function URL's auth type is ``NONE``: AWS does not check callers at the URL, because
MCP clients present OAuth 2.1 bearer tokens, not SigV4 signatures. The server itself is the OAuth resource
server: every request to ``/mcp`` must carry a token that ``COMPANY_MCP_AUTH=oidc`` verifies (issuer, signature
via the mirrored JWKS, expiry, client id, scopes) before any tool runs; a request without one gets 401 with
``WWW-Authenticate`` and runs nothing. The stack never deploys this function without ``AUTH=oidc`` and an issuer.
CORS is off (no browser origin is allowed by the URL).

Configuration is by environment variables named after the settings that read them (``stacks.components.env``):
``COMPANY_MCP_*`` from ``core.config.Settings`` and ``COMPANY_MCP_AWS_*`` from ``adapters.aws.config``. No secret
is in the environment: the cursor key is a Secrets Manager secret given by ARN, read at cold start.

The resource URL (the token audience, the protected-resource metadata's ``resource`` and the one host the server
accepts) is the public URL. Behind a custom domain the stack sets it from ``publicUrl``. Otherwise it is the
Function URL, which exists only after the function: a function cannot name its own URL in its configuration (a
dependency cycle), so the stack sets ``COMPANY_MCP_AWS_RESOURCE_FROM_FUNCTION_URL`` and the function reads its URL
from Lambda during init (``adapters/aws/function_url.py``). The first ``pulumi up`` gives a working endpoint, and
no client's ``Host`` header can change the resource. See README.md (Deploy to AWS).

Least privilege (the role's only policy):

- ``appsync:GraphQL`` on this API's root fields (``<api arn>/types/<Query|Mutation>/fields/<field>``, and
  ``Query.__typename`` for the readiness ping) only;
- ``appconfig:StartConfigurationSession`` and ``appconfig:GetLatestConfiguration`` on this application,
  environment and flag profile only (the AppConfig agent extension runs with the function's role);
- ``logs:CreateLogStream``/``logs:PutLogEvents`` on its own log group, and on the audit group plus
  ``logs:DescribeLogStreams`` (the audit sink's readiness check) -- never a delete;
- ``secretsmanager:GetSecretValue`` on the cursor key only;
- ``lambda:GetFunctionUrlConfig`` on this function only (without ``publicUrl``: the function reads its own URL);
- the VPC network-interface actions every function in a VPC needs (``iam.VPC_ACCESS_ACTIONS``).

The rate-limit store (ElastiCache Serverless) is reached by network only (its security group admits this
function's); it has no IAM authentication configured, so no ``elasticache:Connect`` grant is needed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Final, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from stacks.components.aws.iam import (
    LOG_WRITE_ACTIONS,
    assume_role_policy,
    log_group_write,
    policy_document,
    statement,
    vpc_access,
)
from stacks.components.env import aws_env, core_env

MCP_HANDLER: Final = "adapters.aws.lambda_handler.handler"
MCP_PATH: Final = "/mcp"
TIMEOUT_S: Final = 30
CURSOR_KEY_BYTES: Final = 48
# The AppConfig agent extension: poll AppConfig every 30 s (flag flips land within ~a minute).
APPCONFIG_POLL_INTERVAL_S: Final = "30"


def role_name(prefix: str) -> str:
    """The MCP server's role (fixed, so the resolver can allow its sessions before the role exists)."""
    return f"{prefix}-mcp"


def session_arn_prefix(account_id: str, prefix: str) -> str:
    """How the MCP function's calls appear to AppSync (``identity.userArn``): its role's assumed-role sessions."""
    return f"arn:aws:sts::{account_id}:assumed-role/{role_name(prefix)}/"


class OidcArgs(TypedDict):
    issuer: pulumi.Input[str]
    profile: str
    jwks_url: pulumi.Input[str]
    client_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    scope_prefix: NotRequired[pulumi.Input[str]]
    audience: NotRequired[pulumi.Input[str]]
    claim_scopes: NotRequired[pulumi.Input[str]]


class ServiceArgs(TypedDict):
    prefix: str  # plain: names
    region: str
    account_id: pulumi.Input[str]
    public_url: str | None  # plain: RESOURCE_URL, or the function reads its own URL (see the module docstring)
    package: pulumi.Archive
    runtime: pulumi.Input[str]
    memory_mb: pulumi.Input[int]
    appconfig_layer_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    log_group_name: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    audit_log_group_name: pulumi.Input[str]
    audit_log_group_arn: pulumi.Input[str]
    graphql_url: pulumi.Input[str]
    api_field_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    redis_url: pulumi.Input[str]
    appconfig_application: pulumi.Input[str]
    appconfig_environment: pulumi.Input[str]
    appconfig_profile: pulumi.Input[str]
    appconfig_configuration_arn: pulumi.Input[str]
    appconfig_agent_path: pulumi.Input[str]
    oidc: OidcArgs


def mcp_environment(args: ServiceArgs, cursor_secret_arn: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The function's environment: names from the settings classes, values from the other components."""
    oidc = args["oidc"]
    env: dict[str, pulumi.Input[str]] = {
        core_env("adapter"): "aws",
        core_env("transport"): "http",
        core_env("auth"): "oidc",
        core_env("allow_mutations"): "false",  # the static fallback; the AppConfig flags are the switch
        core_env("log_format"): "json",
        core_env("graphql_url"): args["graphql_url"],
        core_env("redis_url"): args["redis_url"],
        core_env("oidc_issuer"): oidc["issuer"],
        core_env("oidc_profile"): oidc["profile"],
        core_env("oidc_jwks_url"): oidc["jwks_url"],
        aws_env("appconfig_application"): args["appconfig_application"],
        aws_env("appconfig_environment"): args["appconfig_environment"],
        aws_env("appconfig_profile"): args["appconfig_profile"],
        aws_env("audit_log_group"): args["audit_log_group_name"],
        aws_env("cursor_secret_arn"): cursor_secret_arn,
        # The AppConfig agent extension's own settings (read by the layer, not by our code).
        "AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS": APPCONFIG_POLL_INTERVAL_S,
        "AWS_APPCONFIG_EXTENSION_PREFETCH_LIST": args["appconfig_agent_path"],
    }
    if "client_ids" in oidc:
        env[core_env("oidc_client_ids")] = pulumi.Output.from_input(oidc["client_ids"]).apply(",".join)
    if "scope_prefix" in oidc:
        env[core_env("oidc_scope_prefix")] = oidc["scope_prefix"]
    if "audience" in oidc:
        env[core_env("oidc_audience")] = oidc["audience"]
    if "claim_scopes" in oidc:
        env[core_env("oidc_claim_scopes")] = oidc["claim_scopes"]
    if args["public_url"] is not None:
        env[core_env("resource_url")] = args["public_url"]
    else:
        env[aws_env("resource_from_function_url")] = "true"
    return env


def function_name(prefix: str) -> str:
    return f"{prefix}-mcp"


def own_function_arn(args: ServiceArgs) -> pulumi.Output[str]:
    """The function's ARN from its fixed name, so that its role can name it before the function exists."""
    region, prefix = args["region"], args["prefix"]
    return pulumi.Output.concat("arn:aws:lambda:", region, ":", args["account_id"], ":function:", function_name(prefix))


class Service(pulumi.ComponentResource):
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    function_url: pulumi.Output[str]
    mcp_url: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    cursor_secret_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:Service", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args["prefix"]

        cursor_secret = aws.secretsmanager.Secret(
            f"{name}-cursor-key",
            name=f"{prefix}/cursor-key",
            description="HMAC key of the MCP server's paging cursors (shared by every container)",
            recovery_window_in_days=7,
            opts=child,
        )
        # Write-only: the random key goes to Secrets Manager once and is never stored in the Pulumi state.
        aws.secretsmanager.SecretVersion(
            f"{name}-cursor-key-value",
            secret_id=cursor_secret.id,
            secret_string_wo=pulumi.Output.secret(secrets.token_urlsafe(CURSOR_KEY_BYTES)),
            secret_string_wo_version=1,
            opts=child,
        )

        own_url_statements = (
            [statement("ReadOwnFunctionUrl", ["lambda:GetFunctionUrlConfig"], [own_function_arn(args)])]
            if args["public_url"] is None
            else []
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=role_name(prefix),
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            description="MCP server: call this API's fields, read this flag profile, write its logs and the audit log",
            inline_policies=[
                {
                    "name": "mcp-server",
                    "policy": policy_document(
                        [
                            statement("CallTheCompanyApi", ["appsync:GraphQL"], args["api_field_arns"]),
                            statement(
                                "ReadTheFeatureFlags",
                                ["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"],
                                [args["appconfig_configuration_arn"]],
                            ),
                            log_group_write("OwnLogGroup", args["log_group_arn"]),
                            statement(
                                "AppendToTheAuditLog",
                                [*LOG_WRITE_ACTIONS, "logs:DescribeLogStreams"],
                                [args["audit_log_group_arn"], pulumi.Output.concat(args["audit_log_group_arn"], ":*")],
                            ),
                            statement("ReadTheCursorKey", ["secretsmanager:GetSecretValue"], [cursor_secret.arn]),
                            *own_url_statements,
                            vpc_access(),
                        ]
                    ),
                }
            ],
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name(prefix),
            description="company-mcp: the MCP server (streamable HTTP at /mcp, OAuth bearer tokens)",
            runtime=args["runtime"],
            architectures=["x86_64"],
            handler=MCP_HANDLER,
            code=args["package"],
            role=role.arn,
            memory_size=args["memory_mb"],
            timeout=TIMEOUT_S,
            layers=[args["appconfig_layer_arn"]],
            vpc_config={"subnet_ids": args["subnet_ids"], "security_group_ids": args["security_group_ids"]},
            environment={"variables": mcp_environment(args, cursor_secret.arn)},
            logging_config={"log_format": "Text", "log_group": args["log_group_name"]},  # Text: EMF lines stay raw
            opts=child,
        )
        # Auth type NONE at the URL on purpose: the server verifies an OAuth bearer token on every request
        # (COMPANY_MCP_AUTH=oidc above). IAM auth here would demand SigV4, which MCP clients do not speak.
        url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=function.name,
            authorization_type="NONE",
            invoke_mode="BUFFERED",
            opts=child,
        )
        # Since October 2025 a public Function URL needs both grants: InvokeFunctionUrl, and InvokeFunction
        # restricted to calls that come through a Function URL.
        aws.lambda_.Permission(
            f"{name}-url-invoke",
            function=function.name,
            action="lambda:InvokeFunctionUrl",
            principal="*",
            function_url_auth_type="NONE",
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-url-invoke-function",
            function=function.name,
            action="lambda:InvokeFunction",
            principal="*",
            invoked_via_function_url=True,
            opts=child,
        )
        self.function_name = function.name
        self.function_arn = function.arn
        self.function_url = url.function_url
        self.mcp_url = url.function_url.apply(lambda base: base.rstrip("/") + MCP_PATH)
        self.role_arn = role.arn
        self.cursor_secret_arn = cursor_secret.arn
        self.register_outputs({"function_name": self.function_name, "mcp_url": self.mcp_url})
