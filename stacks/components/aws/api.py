"""The company GraphQL API on AppSync, with the repository's SDL and one Lambda resolver per root field.

- Schema: ``companydata/api/schema.graphql`` as is (the same SDL every cloud runs).
- Authorization: ``AWS_IAM`` only. The MCP server signs each request with its role (SigV4), and its role may
  call exactly the root fields of this API (``field_arns``). The API is private by default (``apiPrivate``):
  reachable only through the ``appsync-api`` VPC endpoint; introspection is off.
- Resolvers: one per ``Query``/``Mutation`` field, found by parsing the SDL, all on one Lambda data source (the
  resolver function ``adapters.aws.resolver_handler.handler``). Each is a unit resolver with the resolver's own
  code (APPSYNC_JS, ``adapters.aws.appsync_origin.resolver_code``): the request handler invokes the function
  with the field, arguments, IAM identity, end-user header and the deployment's origin proof; the response
  handler turns the function's returned errors into GraphQL errors with the API's codes (a pure direct Lambda
  resolver would return them as data).
- Who may invoke the resolver function: the stack grants ``lambda:InvokeFunction`` on it to one principal, the
  data source's role, which only AppSync may assume (for this account), and adds no resource-based permission.
  A Lambda resource policy cannot deny, so principals elsewhere in the account whose own policies allow
  invoking it could still send it an event: the function refuses any event without the origin proof (a random
  value generated here, kept as a Pulumi secret in the resolver code; the function gets only its SHA-256).
- The resolver function runs in the private subnets next to the database. Its role may read the database
  secret and write its own log group, nothing else (plus the VPC network-interface actions). It also accepts
  only the callers named in ``allowed_callers`` (the MCP server's role), behind AppSync's IAM check.
- AppSync's own request log (errors only, without request or response content) goes to
  ``/aws/appsync/apis/<api id>``, created here with a retention.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from adapters.aws.appsync_origin import proof_sha256, resolver_code
from companydata.api.appsync_check import check_sdl
from stacks.components.aws.iam import (
    assume_role_policy,
    log_group_write,
    policy_document,
    statement,
    vpc_access,
)
from stacks.components.env import resolver_env

SCHEMA_FILE: Final = Path(__file__).resolve().parents[3] / "companydata" / "api" / "schema.graphql"
RESOLVER_HANDLER: Final = "adapters.aws.resolver_handler.handler"
RESOLVER_TIMEOUT_S: Final = 25  # below AppSync's 30 s limit for a Lambda data source
DATA_SOURCE_NAME: Final = "company_resolver"
TYPENAME_FIELD: Final = "__typename"
RESOLVER_RUNTIME: Final = {"name": "APPSYNC_JS", "runtime_version": "1.0.0"}
ORIGIN_PROOF_LENGTH: Final = 64  # [A-Za-z0-9]: about 380 random bits
AUTHENTICATION_TYPE: Final = "AWS_IAM"  # the API's only authorization mode


def read_schema(path: Path = SCHEMA_FILE) -> str:
    return path.read_text(encoding="utf-8")


def root_fields(sdl: str) -> list[tuple[str, str]]:
    """``(type, field)`` for every field of the query and mutation root types, in SDL order."""
    from graphql import parse
    from graphql.language import ObjectTypeDefinitionNode, ObjectTypeExtensionNode, SchemaDefinitionNode

    document = parse(sdl)
    roots = {"query": "Query", "mutation": "Mutation"}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            for operation in definition.operation_types:
                roots[operation.operation.value] = operation.type.name.value
    fields: list[tuple[str, str]] = []
    for root in (roots["query"], roots["mutation"]):  # the query root's fields come first
        for definition in document.definitions:
            if (
                isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
                and definition.name.value == root
            ):
                fields += [(root, field.name.value) for field in definition.fields or ()]
    return fields


class ApiArgs(TypedDict):
    prefix: str  # plain: names
    schema: str  # plain: parsed here for the resolvers
    private: bool  # plain: fixed at creation (AppSync cannot change an API's visibility)
    account_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    package: pulumi.Archive
    runtime: pulumi.Input[str]
    memory_mb: pulumi.Input[int]
    log_group_name: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    log_retention_days: pulumi.Input[int]
    db_secret_arn: pulumi.Input[str]
    db_host: pulumi.Input[str]
    db_port: pulumi.Input[int]
    db_name: pulumi.Input[str]
    # IAM principals (ARN prefixes) the resolver answers, e.g. the MCP role's assumed-role sessions.
    allowed_callers: pulumi.Input[Sequence[pulumi.Input[str]]]


class Api(pulumi.ComponentResource):
    api_id: pulumi.Output[str]
    api_arn: pulumi.Output[str]
    graphql_url: pulumi.Output[str]
    field_arns: pulumi.Output[list[str]]  # root fields the MCP server may call (IAM resources)
    resolver_function_name: pulumi.Output[str]
    resolver_function_arn: pulumi.Output[str]
    fields: list[tuple[str, str]]

    def __init__(self, name: str, args: ApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:Api", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args["prefix"]
        self.fields = root_fields(args["schema"])
        if not self.fields:
            raise ValueError("the SDL has no Query or Mutation fields")
        # What AppSync would refuse, or accept with fields no caller of this API may reach, fails here, not in AWS.
        problems = check_sdl(args["schema"], auth_modes=[AUTHENTICATION_TYPE])
        if problems:
            raise ValueError("the SDL does not fit this AppSync API:\n" + "\n".join(problems))

        # -- the proof that an event came through AppSync (adapters/aws/appsync_origin.py) ---------------
        origin_proof = random.RandomPassword(
            f"{name}-origin-proof", length=ORIGIN_PROOF_LENGTH, special=False, opts=child
        )  # its result is a secret Output: the resolver code below is one too

        # -- the resolver function ---------------------------------------------------------------------
        resolver_role = aws.iam.Role(
            f"{name}-resolver-role",
            name=f"{prefix}-resolver",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            description="AppSync resolver: read the database secret, write its own logs",
            inline_policies=[
                {
                    "name": "resolver",
                    "policy": policy_document(
                        [
                            log_group_write("OwnLogGroup", args["log_group_arn"]),
                            statement(
                                "ReadTheDatabaseSecret", ["secretsmanager:GetSecretValue"], [args["db_secret_arn"]]
                            ),
                            vpc_access(),
                        ]
                    ),
                }
            ],
            opts=child,
        )
        resolver = aws.lambda_.Function(
            f"{name}-resolver",
            name=f"{prefix}-resolver",
            description="AppSync Lambda resolver of the company API (PostgreSQL store)",
            runtime=args["runtime"],
            architectures=["x86_64"],
            handler=RESOLVER_HANDLER,
            code=args["package"],
            role=resolver_role.arn,
            memory_size=args["memory_mb"],
            timeout=RESOLVER_TIMEOUT_S,
            vpc_config={"subnet_ids": args["subnet_ids"], "security_group_ids": args["security_group_ids"]},
            environment={
                "variables": {
                    # The ARN only: the resolver reads the credentials from Secrets Manager at cold start.
                    resolver_env("db_secret_arn"): args["db_secret_arn"],
                    resolver_env("db_host"): args["db_host"],
                    resolver_env("db_port"): pulumi.Output.from_input(args["db_port"]).apply(str),
                    resolver_env("db_name"): args["db_name"],
                    resolver_env("allowed_callers"): pulumi.Output.from_input(args["allowed_callers"]).apply(",".join),
                    # A digest, not the proof: reading the function's configuration does not let anyone forge.
                    resolver_env("origin_proof_sha256"): pulumi.Output.unsecret(
                        origin_proof.result.apply(proof_sha256)
                    ),
                }
            },
            logging_config={"log_format": "Text", "log_group": args["log_group_name"]},
            opts=child,
        )

        # -- the API -----------------------------------------------------------------------------------
        logs_role = aws.iam.Role(
            f"{name}-appsync-logs-role",
            name=f"{prefix}-appsync-logs",
            assume_role_policy=assume_role_policy("appsync.amazonaws.com", source_account=args["account_id"]),
            description="AppSync: write the API's request log",
            opts=child,
        )
        api = aws.appsync.GraphQLApi(
            f"{name}-graphql",
            name=f"{prefix}-company-api",
            authentication_type=AUTHENTICATION_TYPE,
            schema=args["schema"],
            visibility="PRIVATE" if args["private"] else "GLOBAL",
            introspection_config="DISABLED",
            log_config={
                "cloudwatch_logs_role_arn": logs_role.arn,
                "field_log_level": "ERROR",
                "exclude_verbose_content": True,  # no headers, arguments or results in the log
            },
            xray_enabled=False,
            opts=child,
        )
        api_log_group = aws.cloudwatch.LogGroup(
            f"{name}-appsync-log",
            name=api.id.apply(lambda api_id: f"/aws/appsync/apis/{api_id}"),
            retention_in_days=args["log_retention_days"],
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-appsync-logs-policy",
            role=logs_role.id,
            policy=policy_document([log_group_write("ApiLogGroup", api_log_group.arn)]),
            opts=child,
        )

        invoke_role = aws.iam.Role(
            f"{name}-appsync-invoke-role",
            name=f"{prefix}-appsync-invoke",
            assume_role_policy=assume_role_policy("appsync.amazonaws.com", source_account=args["account_id"]),
            description="AppSync: invoke the resolver function",
            inline_policies=[
                {
                    "name": "invoke-resolver",
                    "policy": policy_document(
                        [statement("InvokeTheResolver", ["lambda:InvokeFunction"], [resolver.arn])]
                    ),
                }
            ],
            opts=child,
        )
        source = aws.appsync.DataSource(
            f"{name}-resolver-source",
            api_id=api.id,
            name=DATA_SOURCE_NAME,
            description="The resolver function (one unit resolver per root field)",
            type="AWS_LAMBDA",
            service_role_arn=invoke_role.arn,
            lambda_config={"function_arn": resolver.arn},
            opts=child,
        )
        code = pulumi.Output.secret(origin_proof.result.apply(resolver_code))
        for type_name, field in self.fields:
            aws.appsync.Resolver(
                f"{name}-{type_name.lower()}-{field}",
                api_id=api.id,
                type=type_name,
                field=field,
                kind="UNIT",
                data_source=source.name,
                runtime=RESOLVER_RUNTIME,
                code=code,
                opts=child,
            )

        self.api_id = api.id
        self.api_arn = api.arn
        self.graphql_url = api.uris.apply(lambda uris: uris["GRAPHQL"])
        # What the MCP server may call: every root field, plus the query root's __typename, which its
        # readiness check asks for (``query Ping { __typename }``). Never types/*/fields/*.
        callable_fields = [*self.fields, (self.fields[0][0], TYPENAME_FIELD)]
        self.field_arns = pulumi.Output.all(
            *[
                pulumi.Output.concat(api.arn, "/types/", type_name, "/fields/", field)
                for type_name, field in callable_fields
            ]
        )
        self.resolver_function_name = resolver.name
        self.resolver_function_arn = resolver.arn
        self.register_outputs(
            {"api_id": self.api_id, "graphql_url": self.graphql_url, "resolver_function_name": resolver.name}
        )
