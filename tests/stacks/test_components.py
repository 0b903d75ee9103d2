"""Single components under mocks, checked through their typed Outputs (``Output.all(...).apply(check)``)."""

from __future__ import annotations

import json

import pulumi
import pytest

from core.metrics import NAMESPACE
from stacks.components.aws.api import Api, read_schema, root_fields
from stacks.components.aws.cache import Cache
from stacks.components.aws.flags import Flags
from stacks.components.aws.observability import (
    METRIC_DIMENSIONS,
    LogGroups,
    blocked_writes_queries,
    error_rate_queries,
    metric,
    p99_latency_queries,
    search,
)
from tests.stacks.conftest import fresh_mocks, plain
from tests.stacks.mocks import ACCOUNT, API_ID, REGION


def test_root_fields_are_the_nine_tools_in_sdl_order() -> None:
    fields = root_fields(read_schema())
    assert fields == [
        ("Query", "search_companies"),
        ("Query", "get_company"),
        ("Query", "ai_search"),
        ("Query", "list_collections"),
        ("Query", "get_collection"),
        ("Query", "get_email_discovery"),
        ("Mutation", "create_collection"),
        ("Mutation", "add_to_collection"),
        ("Mutation", "request_email_discovery"),
    ]


def test_root_fields_follow_the_schema_definition() -> None:
    sdl = (
        "schema { query: Q mutation: M } type Q { a: Int } type M { b: Int } "
        "extend type Q { c: Int } type Other { d: Int }"
    )
    assert root_fields(sdl) == [("Q", "a"), ("Q", "c"), ("M", "b")]


def test_flags_component_outputs() -> None:
    mocks = fresh_mocks()

    @pulumi.runtime.test
    def build() -> pulumi.Output[None]:
        flags = Flags(
            "flags", {"prefix": "company-mcp-dev", "environment": "dev", "region": REGION, "account_id": ACCOUNT}
        )

        def check(values: list[str]) -> None:
            application, environment, profile, arn, path = values
            assert (application, environment, profile) == ("company-mcp-dev", "dev", "flags")
            assert arn == (
                f"arn:aws:appconfig:{REGION}:{ACCOUNT}:application/app1234/environment/env5678/configuration/prof910"
            )
            assert path == "/applications/company-mcp-dev/environments/dev/configurations/flags"

        return pulumi.Output.all(
            flags.application_name,
            flags.environment_name,
            flags.profile_name,
            flags.configuration_arn,
            flags.agent_path,
        ).apply(check)

    build()
    version = plain(mocks.one("aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion").inputs)
    assert not any(value["enabled"] for value in json.loads(version["content"])["values"].values())
    assert plain(mocks.one("aws:appconfig/deployment:Deployment").inputs)["configurationVersion"] == "1"


def test_api_component_outputs() -> None:
    mocks = fresh_mocks()

    @pulumi.runtime.test
    def build() -> pulumi.Output[None]:
        return _api().apply(lambda _: None)

    build()
    assert len(mocks.of_type("aws:appsync/resolver:Resolver")) == 9


def test_api_component_refuses_an_sdl_with_fields_its_callers_cannot_reach() -> None:
    fresh_mocks()
    locked = read_schema().replace("type Collection {", "type Collection @aws_api_key {")
    with pytest.raises(ValueError, match=r"Collection: @aws_api_key grants API_KEY, which this API does not offer"):
        _api(locked)


def _api(schema: str | None = None) -> pulumi.Output[None]:
    api = Api(
        "api",
        {
            "prefix": "company-mcp-dev",
            "schema": schema or read_schema(),
            "private": True,
            "account_id": ACCOUNT,
            "subnet_ids": ["subnet-a", "subnet-b"],
            "security_group_ids": ["sg-resolver"],
            "package": pulumi.AssetArchive({"handler.py": pulumi.StringAsset("")}),
            "runtime": "python3.12",
            "memory_mb": 512,
            "log_group_name": "/company-mcp/dev/resolver",
            "log_group_arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/company-mcp/dev/resolver",
            "log_retention_days": 30,
            "db_secret_arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-AbCdEf",
            "db_host": "db.example",
            "db_port": 5432,
            "db_name": "companies",
            "allowed_callers": [f"arn:aws:sts::{ACCOUNT}:assumed-role/company-mcp-dev-mcp/"],
        },
    )

    def check(values: list[object]) -> None:
        url, field_arns, function = values
        assert url == f"https://{API_ID}.appsync-api.{REGION}.amazonaws.com/graphql"
        assert isinstance(field_arns, list) and len(api.fields) == 9
        assert len(field_arns) == 10 and field_arns[-1].endswith("/types/Query/fields/__typename")
        assert all("*" not in arn and "/types/" in arn for arn in field_arns)
        assert function == "company-mcp-dev-resolver"

    return pulumi.Output.all(api.graphql_url, api.field_arns, api.resolver_function_name).apply(check)


@pulumi.runtime.test
def test_cache_url_is_tls() -> pulumi.Output[None]:
    fresh_mocks()
    cache = Cache("cache", {"prefix": "company-mcp-dev", "subnet_ids": ["a", "b"], "security_group_ids": ["sg"]})

    def check(url: str) -> None:
        assert url == "rediss://company-mcp-dev-limits-abc123.serverless.use1.cache.amazonaws.com:6379"

    return cache.url.apply(check)


@pulumi.runtime.test
def test_log_groups_all_have_a_retention() -> pulumi.Output[None]:
    mocks = fresh_mocks()
    groups = LogGroups("logs", {"path": "/company-mcp/dev", "retention_days": 14, "audit_retention_days": 731})

    def check(names: list[str]) -> None:
        assert names == [
            "/company-mcp/dev/mcp",
            "/company-mcp/dev/resolver",
            "/company-mcp/dev/jwks-mirror",
            "/company-mcp/dev/audit",
        ]
        retention = {
            d.inputs["name"]: d.inputs["retentionInDays"] for d in mocks.of_type("aws:cloudwatch/logGroup:LogGroup")
        }
        assert retention == {
            "/company-mcp/dev/mcp": 14,
            "/company-mcp/dev/resolver": 14,
            "/company-mcp/dev/jwks-mirror": 14,
            "/company-mcp/dev/audit": 731,
        }

    return pulumi.Output.all(groups.mcp_name, groups.resolver_name, groups.jwks_mirror_name, groups.audit_name).apply(
        check
    )


def test_metric_refuses_a_wrong_dimension_set() -> None:
    import pytest

    with pytest.raises(ValueError, match="ToolErrors"):
        metric("ToolErrors", "Sum", Tool="x", Outcome="error")


def test_search_names_the_exact_schema() -> None:
    assert search("ToolErrors", "Sum") == (
        f"SEARCH('{{{NAMESPACE},Tool,Outcome,ErrorType}} MetricName=\"ToolErrors\"', 'Sum', 300)"
    )
    assert all(len(METRIC_DIMENSIONS[name]) in (2, 3) for name in METRIC_DIMENSIONS)


def test_alarm_expressions() -> None:
    rate = error_rate_queries("get_company")[-1]["expression"]
    assert rate.startswith("IF((FILL(ok, 0) + FILL(err, 0)) >= 10, 100 * (FILL(e0, 0)")
    assert p99_latency_queries(["a", "b"])[-1]["expression"] == "MAX([p0, p1])"
    assert blocked_writes_queries(["w"])[-1]["expression"] == "SUM([FILL(b0, 0)])"
