"""The AWS deployment: every component, wired together, and the stack outputs.

LogGroups ─┬─> JwksMirror (outside the VPC) ──> S3 object <── gateway endpoint ─┐
Network ───┼─> Data (Aurora) ──> Api (AppSync + resolver function) ──┐          │
           ├─> Cache (Valkey) ──────────────────────────────────────┼─> Service (MCP function + URL)
Identity (Cognito, unless an external issuer) ──────────────────────┤
Flags (AppConfig) ──────────────────────────────────────────────────┘
Observability (dashboard, alarms, SNS) reads the function, API and database names.
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_aws as aws

from stacks.components.aws.api import Api, read_schema
from stacks.components.aws.bastion import SeedBastion
from stacks.components.aws.cache import Cache
from stacks.components.aws.data import Data
from stacks.components.aws.flags import Flags
from stacks.components.aws.identity import Identity
from stacks.components.aws.jwks import JwksMirror, jwks_object_arn
from stacks.components.aws.network import Network
from stacks.components.aws.observability import LogGroups, Observability
from stacks.components.aws.service import OidcArgs, Service, session_arn_prefix
from stacks.config import PROJECT, StackConfig, StackConfigError
from stacks.packages import AWS_LAMBDA

BUILD_HINT: Final = "build it first: python stacks/build_lambda.py (see README.md (Deploy to AWS))"


def package(cfg: StackConfig, path: str, key: str) -> pulumi.FileArchive:
    archive = cfg.package(path)
    if not archive.is_file():
        raise StackConfigError(f"{PROJECT}:{key}: {archive} does not exist; {BUILD_HINT}")
    size = archive.stat().st_size
    if size > AWS_LAMBDA.max_zipped_bytes:  # Lambda refuses a bigger direct upload, half-way through `pulumi up`
        raise StackConfigError(
            f"{PROJECT}:{key}: {archive} is {size / 1e6:.1f} MB, over Lambda's "
            f"{AWS_LAMBDA.max_zipped_bytes / 1e6:.0f} MB direct upload; rebuild it: {BUILD_HINT}"
        )
    return pulumi.FileArchive(str(archive))


def deploy(cfg: StackConfig) -> dict[str, pulumi.Input[str]]:
    """Declare the whole AWS deployment; returns the stack outputs."""
    prefix = cfg.name_prefix
    provider = aws.Provider(
        "aws",
        region=cfg.region,
        default_tags={"tags": {"Project": PROJECT, "Environment": cfg.environment, "ManagedBy": "pulumi"}},
    )
    opts = pulumi.ResourceOptions(providers=[provider])
    account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=provider)).account_id
    mcp_package = package(cfg, cfg.mcp_package_path, "mcpPackagePath")
    resolver_package = package(cfg, cfg.resolver_package_path, "resolverPackagePath")

    logs = LogGroups(
        "logs",
        {
            "path": f"/{PROJECT}/{cfg.environment}",
            "retention_days": cfg.log_retention_days,
            "audit_retention_days": cfg.audit_retention_days,
        },
        opts,
    )
    jwks_bucket = f"{prefix}-jwks-{account_id}"
    network = Network(
        "network",
        {
            "prefix": prefix,
            "region": cfg.region,
            "vpc_cidr": cfg.vpc_cidr,
            "gateway_object_arns": [jwks_object_arn(jwks_bucket)],
            "own_url_endpoint": cfg.public_url is None,
        },
        opts,
    )
    data = Data(
        "data",
        {
            "prefix": prefix,
            "subnet_ids": network.private_subnet_ids,
            "security_group_ids": [network.database_security_group_id],
            "engine_version": cfg.aurora_engine_version,
            "db_name": cfg.db_name,
            "min_acu": cfg.aurora_min_acu,
            "max_acu": cfg.aurora_max_acu,
            "deletion_protection": cfg.deletion_protection,
            "backup_retention_days": cfg.backup_retention_days,
        },
        opts,
    )
    cache = Cache(
        "cache",
        {
            "prefix": prefix,
            "subnet_ids": network.private_subnet_ids,
            "security_group_ids": [network.cache_security_group_id],
        },
        opts,
    )

    identity: Identity | None = None
    token_endpoint: pulumi.Input[str] = cfg.oidc_token_endpoint or "(the token endpoint of your OIDC issuer)"
    if cfg.uses_cognito:
        identity = Identity(
            "identity",
            {
                "prefix": prefix,
                "region": cfg.region,
                "domain_prefix": cfg.cognito_domain_prefix or f"{prefix}-{account_id}",
                "resource_server": cfg.cognito_resource_server,
                "extra_client_ids": list(cfg.allowed_client_ids),
            },
            opts,
        )
        issuer: pulumi.Input[str] = identity.issuer
        token_endpoint = identity.token_endpoint
    else:
        issuer = str(cfg.oidc_issuer)

    jwks = JwksMirror(
        "jwks",
        {
            "prefix": prefix,
            "region": cfg.region,
            "bucket_name": jwks_bucket,
            "issuer": issuer,
            "jwks_url": cfg.oidc_jwks_url,
            "s3_endpoint_id": network.s3_endpoint_id,
            "log_group_name": logs.jwks_mirror_name,
            "log_group_arn": logs.jwks_mirror_arn,
            "runtime": cfg.lambda_runtime,
        },
        opts,
    )
    flags = Flags(
        "flags",
        {"prefix": prefix, "environment": cfg.environment, "region": cfg.region, "account_id": account_id},
        opts,
    )
    api = Api(
        "api",
        {
            "prefix": prefix,
            "schema": read_schema(),
            "private": cfg.api_private,
            "account_id": account_id,
            "subnet_ids": network.private_subnet_ids,
            "security_group_ids": [network.resolver_security_group_id],
            "package": resolver_package,
            "runtime": cfg.lambda_runtime,
            "memory_mb": cfg.resolver_memory_mb,
            "log_group_name": logs.resolver_name,
            "log_group_arn": logs.resolver_arn,
            "log_retention_days": cfg.log_retention_days,
            "db_secret_arn": data.secret_arn,
            "db_host": data.endpoint,
            "db_port": data.port,
            "db_name": data.db_name,
            "allowed_callers": [session_arn_prefix(account_id, prefix)],
        },
        opts,
    )

    oidc: OidcArgs = {"issuer": issuer, "profile": cfg.oidc_profile, "jwks_url": jwks.url}
    if identity is not None:
        oidc["client_ids"] = identity.client_ids
        oidc["scope_prefix"] = identity.scope_prefix
    else:
        if cfg.allowed_client_ids:
            oidc["client_ids"] = list(cfg.allowed_client_ids)
        if cfg.oidc_profile == "cognito":
            oidc["scope_prefix"] = f"{cfg.cognito_resource_server}/"
        if cfg.oidc_audience:
            oidc["audience"] = cfg.oidc_audience
        if cfg.oidc_claim_scopes:
            oidc["claim_scopes"] = cfg.oidc_claim_scopes
    service = Service(
        "service",
        {
            "prefix": prefix,
            "region": cfg.region,
            "account_id": account_id,
            "public_url": cfg.public_url,
            "package": mcp_package,
            "runtime": cfg.lambda_runtime,
            "memory_mb": cfg.mcp_memory_mb,
            "appconfig_layer_arn": cfg.appconfig_layer_arn,
            "subnet_ids": network.private_subnet_ids,
            "security_group_ids": [network.mcp_security_group_id],
            "log_group_name": logs.mcp_name,
            "log_group_arn": logs.mcp_arn,
            "audit_log_group_name": logs.audit_name,
            "audit_log_group_arn": logs.audit_arn,
            "graphql_url": api.graphql_url,
            "api_field_arns": api.field_arns,
            "redis_url": cache.url,
            "appconfig_application": flags.application_name,
            "appconfig_environment": flags.environment_name,
            "appconfig_profile": flags.profile_name,
            "appconfig_configuration_arn": flags.configuration_arn,
            "appconfig_agent_path": flags.agent_path,
            "oidc": oidc,
        },
        opts,
    )
    observability = Observability(
        "observability",
        {
            "prefix": prefix,
            "region": cfg.region,
            "mcp_function_name": service.function_name,
            "resolver_function_name": api.resolver_function_name,
            "api_id": api.api_id,
            "db_cluster_identifier": data.cluster_identifier,
            "alarm_email": cfg.alarm_email,
            "error_rate_threshold_percent": cfg.error_rate_threshold_percent,
            "p99_latency_threshold_ms": cfg.p99_latency_threshold_ms,
            "blocked_writes_threshold": cfg.blocked_writes_threshold,
        },
        opts,
    )

    outputs: dict[str, pulumi.Input[str]] = {
        "mcpUrl": service.mcp_url,
        "graphqlUrl": api.graphql_url,
        "tokenEndpoint": token_endpoint,
        "dashboardUrl": observability.dashboard_url,
        "issuer": issuer,
        "mcpFunctionName": service.function_name,
        "resolverFunctionName": api.resolver_function_name,
        "auditLogGroup": logs.audit_name,
        "dbClusterEndpoint": data.endpoint,
        "dbSecretArn": data.secret_arn,
        "appconfigApplicationId": flags.application_id,
        "appconfigEnvironmentId": flags.environment_id,
        "appconfigProfileId": flags.profile_id,
        "appconfigDeploymentStrategyId": flags.deployment_strategy_id,
        "alarmTopicArn": observability.topic_arn,
        "jwksMirrorUrl": jwks.url,
    }
    if identity is not None:
        outputs["userPoolId"] = identity.user_pool_id
        outputs["clientId"] = identity.client_id
    if cfg.seed_bastion:
        bastion = SeedBastion(
            "seed",
            {
                "prefix": prefix,
                "vpc_id": network.vpc_id,
                "subnet_id": network.private_subnet_ids.apply(lambda ids: ids[0]),
                "database_security_group_id": network.database_security_group_id,
            },
            opts,
        )
        outputs["bastionInstanceId"] = bastion.instance_id
    return outputs
