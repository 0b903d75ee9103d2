"""Logs, dashboard and alarms, on exactly the metrics the server emits (``core.metrics``).

``LogGroups`` creates every log group up front, each with a retention: one per function (the functions are
configured to log there, so nothing is auto-created without retention) and the audit log group (longer
retention; the MCP role may append to it, never delete from it).

``Observability`` reads the CloudWatch metrics that ``adapters.aws.metrics.CloudWatchEmfMetrics`` writes as
EMF lines: namespace ``core.metrics.NAMESPACE``, dimensions ``(Tool, Outcome)`` for every metric and
``(Tool, Outcome, ErrorType)`` for ``ToolErrors`` (``METRIC_DIMENSIONS``). A CloudWatch query matches a metric
only with its exact dimension set, so the dashboard and the alarms use these sets and nothing else.

Alarms (to one SNS topic, with an optional email subscription):

- server error rate: per tool, ``100 * ToolErrors / ToolCalls`` over the error types that mean the service
  failed (``SERVER_ERROR_TYPES``: backend errors, timeouts, a guard's store down), not the caller's mistakes
  (validation, not found, forbidden, refused writes, rate limits); one child alarm per tool (metric math takes
  at most 10 metrics) and a composite alarm that notifies;
- p99 latency: the slowest tool's p99 of successful calls;
- blocked writes: a spike of ``BlockedMutations`` (someone is hammering the write tools while writes are off,
  or a client lost its write scope).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final, TypedDict

import pulumi
import pulumi_aws as aws

from core.catalog import TOOL_NAMES, write_tools
from core.errors import SERVER_FAULT_TYPES
from core.metrics import (
    ALL_METRICS,
    BLOCKED_MUTATIONS,
    CALLS,
    CAPPED_RESULTS,
    DIMENSION_ERROR_TYPE,
    DIMENSION_OUTCOME,
    DIMENSION_TOOL,
    ERRORS,
    LATENCY,
    NAMESPACE,
    RATE_LIMITED,
)

PERIOD_S: Final = 300
OUTCOME_OK: Final = "ok"
OUTCOME_ERROR: Final = "error"
MIN_CALLS_FOR_RATE: Final = 10  # below this many calls in a period the error rate is not judged
MAX_ALARM_METRICS: Final = 10  # CloudWatch's hard limit of metrics in one metric-math alarm

# The exact dimension set of each metric, as the EMF lines declare them.
_PER_CALL: Final = (DIMENSION_TOOL, DIMENSION_OUTCOME)
METRIC_DIMENSIONS: Final[dict[str, tuple[str, ...]]] = {
    CALLS: _PER_CALL,
    LATENCY: _PER_CALL,
    BLOCKED_MUTATIONS: _PER_CALL,
    RATE_LIMITED: _PER_CALL,
    CAPPED_RESULTS: _PER_CALL,
    ERRORS: (DIMENSION_TOOL, DIMENSION_OUTCOME, DIMENSION_ERROR_TYPE),
}
if set(METRIC_DIMENSIONS) != set(ALL_METRICS):
    raise RuntimeError("every metric of core.metrics needs its dimension set in METRIC_DIMENSIONS")

# Error types that mean the service failed, not the caller (core/errors.py), in a stable order for the alarms.
SERVER_ERROR_TYPES: Final = tuple(sorted(SERVER_FAULT_TYPES))


def tool_names() -> tuple[str, ...]:
    return TOOL_NAMES


def write_tool_names() -> tuple[str, ...]:
    return write_tools()


class LogGroupsArgs(TypedDict):
    path: str  # plain: the groups' common path, e.g. /company-mcp/dev
    retention_days: pulumi.Input[int]
    audit_retention_days: pulumi.Input[int]


class LogGroups(pulumi.ComponentResource):
    """One group per function and the audit group; every one with a retention."""

    mcp_name: pulumi.Output[str]
    mcp_arn: pulumi.Output[str]
    resolver_name: pulumi.Output[str]
    resolver_arn: pulumi.Output[str]
    jwks_mirror_name: pulumi.Output[str]
    jwks_mirror_arn: pulumi.Output[str]
    audit_name: pulumi.Output[str]
    audit_arn: pulumi.Output[str]

    def __init__(self, name: str, args: LogGroupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:LogGroups", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        root = args["path"].rstrip("/")

        def group(key: str, retention: pulumi.Input[int]) -> aws.cloudwatch.LogGroup:
            return aws.cloudwatch.LogGroup(
                f"{name}-{key}", name=f"{root}/{key}", retention_in_days=retention, opts=child
            )

        mcp = group("mcp", args["retention_days"])
        resolver = group("resolver", args["retention_days"])
        mirror = group("jwks-mirror", args["retention_days"])
        audit = group("audit", args["audit_retention_days"])
        self.mcp_name, self.mcp_arn = mcp.name, mcp.arn
        self.resolver_name, self.resolver_arn = resolver.name, resolver.arn
        self.jwks_mirror_name, self.jwks_mirror_arn = mirror.name, mirror.arn
        self.audit_name, self.audit_arn = audit.name, audit.arn
        self.register_outputs(
            {"mcp": self.mcp_name, "resolver": self.resolver_name, "jwks_mirror": mirror.name, "audit": self.audit_name}
        )


def metric(name: str, stat: str, **dimensions: str) -> dict[str, Any]:
    """A ``metric_queries[].metric`` block on one of our metrics, checked against its dimension set."""
    if set(dimensions) != set(METRIC_DIMENSIONS[name]):
        raise ValueError(f"{name} has dimensions {METRIC_DIMENSIONS[name]}, not {tuple(dimensions)}")
    return {"namespace": NAMESPACE, "metric_name": name, "dimensions": dimensions, "period": PERIOD_S, "stat": stat}


def search(name: str, stat: str, condition: str = "") -> str:
    """A dashboard SEARCH over every series of one metric (its exact dimension set), optionally filtered."""
    schema = ",".join((NAMESPACE, *METRIC_DIMENSIONS[name]))
    term = f'MetricName="{name}"' + (f" {condition}" if condition else "")
    return f"SEARCH('{{{schema}}} {term}', '{stat}', {PERIOD_S})"


def error_rate_queries(tool: str) -> list[dict[str, Any]]:
    """Metric math for one tool's server error rate (percent), judged once it saw ``MIN_CALLS_FOR_RATE`` calls."""
    queries: list[dict[str, Any]] = []
    errors: list[str] = []
    for index, error_type in enumerate(SERVER_ERROR_TYPES):
        query_id = f"e{index}"
        errors.append(f"FILL({query_id}, 0)")
        queries.append(
            {
                "id": query_id,
                "metric": metric(
                    ERRORS,
                    "Sum",
                    **{DIMENSION_TOOL: tool, DIMENSION_OUTCOME: OUTCOME_ERROR, DIMENSION_ERROR_TYPE: error_type},
                ),
                "return_data": False,
            }
        )
    for query_id, outcome in (("ok", OUTCOME_OK), ("err", OUTCOME_ERROR)):
        queries.append(
            {
                "id": query_id,
                "metric": metric(CALLS, "Sum", **{DIMENSION_TOOL: tool, DIMENSION_OUTCOME: outcome}),
                "return_data": False,
            }
        )
    calls = "(FILL(ok, 0) + FILL(err, 0))"
    queries.append(
        {
            "id": "rate",
            "expression": f"IF({calls} >= {MIN_CALLS_FOR_RATE}, 100 * ({' + '.join(errors)}) / {calls}, 0)",
            "label": f"{tool} server error rate (%)",
            "return_data": True,
        }
    )
    return queries


def p99_latency_queries(tools: Sequence[str]) -> list[dict[str, Any]]:
    """The slowest tool's p99 latency of successful calls (ms)."""
    if len(tools) > MAX_ALARM_METRICS:
        raise ValueError(f"{len(tools)} tools exceed the {MAX_ALARM_METRICS} metrics of one alarm: split the alarm")
    queries = [
        {
            "id": f"p{index}",
            "metric": metric(LATENCY, "p99", **{DIMENSION_TOOL: tool, DIMENSION_OUTCOME: OUTCOME_OK}),
            "return_data": False,
        }
        for index, tool in enumerate(tools)
    ]
    ids = ", ".join(query["id"] for query in queries)
    queries.append(
        {"id": "worst", "expression": f"MAX([{ids}])", "label": "slowest tool p99 (ms)", "return_data": True}
    )
    return queries


def blocked_writes_queries(tools: Sequence[str]) -> list[dict[str, Any]]:
    queries = [
        {
            "id": f"b{index}",
            "metric": metric(BLOCKED_MUTATIONS, "Sum", **{DIMENSION_TOOL: tool, DIMENSION_OUTCOME: OUTCOME_ERROR}),
            "return_data": False,
        }
        for index, tool in enumerate(tools)
    ]
    ids = ", ".join(f"FILL({query['id']}, 0)" for query in queries)
    queries.append({"id": "blocked", "expression": f"SUM([{ids}])", "label": "blocked writes", "return_data": True})
    return queries


class ObservabilityArgs(TypedDict):
    prefix: str  # plain: names
    region: str  # plain: the dashboard's console URL
    mcp_function_name: pulumi.Input[str]
    resolver_function_name: pulumi.Input[str]
    api_id: pulumi.Input[str]
    db_cluster_identifier: pulumi.Input[str]
    alarm_email: pulumi.Input[str] | None
    error_rate_threshold_percent: pulumi.Input[float]
    p99_latency_threshold_ms: pulumi.Input[float]
    blocked_writes_threshold: pulumi.Input[int]


class Observability(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    dashboard_name: pulumi.Output[str]
    dashboard_url: pulumi.Output[str]
    alarm_arns: pulumi.Output[list[str]]

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:Observability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix, region = args["prefix"], args["region"]
        tools, write_tools = tool_names(), write_tool_names()

        topic = aws.sns.Topic(f"{name}-alarms", name=f"{prefix}-alarms", opts=child)
        if args["alarm_email"] is not None:
            aws.sns.TopicSubscription(
                f"{name}-alarm-email", topic=topic.arn, protocol="email", endpoint=args["alarm_email"], opts=child
            )
        notify = [topic.arn]

        children = [
            aws.cloudwatch.MetricAlarm(
                f"{name}-error-rate-{tool}",
                name=f"{prefix}-error-rate-{tool}",
                alarm_description=f"{tool}: server-side error rate above the threshold (part of {prefix}-error-rate)",
                comparison_operator="GreaterThanThreshold",
                threshold=args["error_rate_threshold_percent"],
                evaluation_periods=3,
                datapoints_to_alarm=2,
                treat_missing_data="notBreaching",
                metric_queries=error_rate_queries(tool),
                actions_enabled=False,  # the composite alarm notifies
                opts=child,
            )
            for tool in tools
        ]
        error_rate = aws.cloudwatch.CompositeAlarm(
            f"{name}-error-rate",
            alarm_name=f"{prefix}-error-rate",
            alarm_description="Server-side error rate (ToolErrors / ToolCalls) above the threshold for some tool",
            alarm_rule=pulumi.Output.all(*[alarm.name for alarm in children]).apply(
                lambda names: " OR ".join(f'ALARM("{alarm_name}")' for alarm_name in names)
            ),
            alarm_actions=notify,
            ok_actions=notify,
            opts=child,
        )
        latency = aws.cloudwatch.MetricAlarm(
            f"{name}-p99-latency",
            name=f"{prefix}-p99-latency",
            alarm_description="The slowest tool's p99 latency of successful calls is above the threshold (ms)",
            comparison_operator="GreaterThanThreshold",
            threshold=args["p99_latency_threshold_ms"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            metric_queries=p99_latency_queries(tools),
            alarm_actions=notify,
            ok_actions=notify,
            opts=child,
        )
        blocked = aws.cloudwatch.MetricAlarm(
            f"{name}-blocked-writes",
            name=f"{prefix}-blocked-writes",
            alarm_description="A spike of write attempts refused by the mutation gate or a missing write scope",
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=args["blocked_writes_threshold"],
            evaluation_periods=1,
            treat_missing_data="notBreaching",
            metric_queries=blocked_writes_queries(write_tools),
            alarm_actions=notify,
            ok_actions=notify,
            opts=child,
        )
        alarms = [error_rate.arn, latency.arn, blocked.arn]

        dashboard_name = f"{prefix}"
        body = pulumi.Output.all(
            mcp=args["mcp_function_name"],
            resolver=args["resolver_function_name"],
            api=args["api_id"],
            cluster=args["db_cluster_identifier"],
            alarms=pulumi.Output.all(*alarms),
        ).apply(lambda values: dashboard_body(region=region, tools=tools, write_tools=write_tools, **values))
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard", dashboard_name=dashboard_name, dashboard_body=body, opts=child
        )

        self.topic_arn = topic.arn
        self.dashboard_name = dashboard.dashboard_name
        self.dashboard_url = pulumi.Output.concat(
            "https://", region, ".console.aws.amazon.com/cloudwatch/home?region=", region,
            "#dashboards/dashboard/", dashboard.dashboard_name,
        )  # fmt: skip
        self.alarm_arns = pulumi.Output.all(*alarms)
        self.register_outputs(
            {"topic_arn": self.topic_arn, "dashboard_url": self.dashboard_url, "alarm_arns": self.alarm_arns}
        )


def dashboard_body(
    *,
    region: str,
    tools: Sequence[str],
    write_tools: Sequence[str],
    mcp: str,
    resolver: str,
    api: str,
    cluster: str,
    alarms: Sequence[str],
) -> str:
    """The dashboard's JSON: our metrics first (by their exact names and dimensions), then the AWS services'."""

    def graph(title: str, metrics: list[Any], *, x: int, y: int, stat: str = "Sum", width: int = 12) -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": width,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "view": "timeSeries",
                "stat": stat,
                "period": PERIOD_S,
                "metrics": metrics,
            },
        }

    def per_tool(name: str, tool_list: Sequence[str], outcome: str, stat: str) -> list[Any]:
        return [
            [NAMESPACE, name, DIMENSION_TOOL, tool, DIMENSION_OUTCOME, outcome, {"stat": stat, "label": tool}]
            for tool in tool_list
        ]

    server_errors = " OR ".join(f'{DIMENSION_ERROR_TYPE}="{error_type}"' for error_type in SERVER_ERROR_TYPES)
    widgets: list[dict[str, Any]] = [
        {
            "type": "text",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 2,
            "properties": {
                "markdown": (
                    f"## company-mcp ({mcp})\n"
                    f"Tool metrics: namespace `{NAMESPACE}`, one EMF line per call (adapters/aws/metrics.py). "
                    "Writes are switched in AppConfig (see README.md (Deploy to AWS))."
                )
            },
        },
        graph(
            "Tool calls by tool and outcome",
            [[{"expression": search(CALLS, "Sum"), "id": "calls", "label": ""}]],
            x=0,
            y=2,
        ),
        graph(
            "Server error rate, all tools (%)",
            [
                [{"expression": search(ERRORS, "Sum", f"({server_errors})"), "id": "errs", "visible": False}],
                [{"expression": search(CALLS, "Sum"), "id": "all", "visible": False}],
                [{"expression": "100 * SUM(errs) / SUM(all)", "id": "rate", "label": "server error rate (%)"}],
            ],
            x=12,
            y=2,
        ),
        graph(
            "Latency p99 of successful calls (ms)", per_tool(LATENCY, tools, OUTCOME_OK, "p99"), x=0, y=8, stat="p99"
        ),
        graph(
            "Latency p50 of successful calls (ms)", per_tool(LATENCY, tools, OUTCOME_OK, "p50"), x=12, y=8, stat="p50"
        ),
        graph(
            "Errors by tool and type",
            [[{"expression": search(ERRORS, "Sum"), "id": "bytype", "label": ""}]],
            x=0,
            y=14,
        ),
        graph("Blocked writes", per_tool(BLOCKED_MUTATIONS, write_tools, OUTCOME_ERROR, "Sum"), x=12, y=14),
        graph(
            "Rate-limited calls",
            [[{"expression": search(RATE_LIMITED, "Sum"), "id": "limited", "label": ""}]],
            x=0,
            y=20,
        ),
        graph(
            "Results capped at 100",
            [[{"expression": search(CAPPED_RESULTS, "Sum"), "id": "capped", "label": ""}]],
            x=12,
            y=20,
        ),
        graph(
            "Lambda: invocations, errors, throttles",
            [
                ["AWS/Lambda", metric_name, "FunctionName", function, {"label": f"{label} {metric_name}"}]
                for function, label in ((mcp, "mcp"), (resolver, "resolver"))
                for metric_name in ("Invocations", "Errors", "Throttles")
            ],
            x=0,
            y=26,
        ),
        graph(
            "Lambda duration p99 (ms)",
            [
                ["AWS/Lambda", "Duration", "FunctionName", function, {"label": label, "stat": "p99"}]
                for function, label in ((mcp, "mcp"), (resolver, "resolver"))
            ],
            x=12,
            y=26,
            stat="p99",
        ),
        graph(
            "AppSync: requests and errors",
            [
                ["AWS/AppSync", metric_name, "GraphQLAPIId", api, {"label": metric_name}]
                for metric_name in ("Requests", "4XXError", "5XXError")
            ],
            x=0,
            y=32,
        ),
        graph(
            "Aurora Serverless v2 capacity (ACU)",
            [["AWS/RDS", "ServerlessDatabaseCapacity", "DBClusterIdentifier", cluster, {"label": "ACU"}]],
            x=12,
            y=32,
            stat="Average",
        ),
        {
            "type": "alarm",
            "x": 0,
            "y": 38,
            "width": 24,
            "height": 3,
            "properties": {"title": "Alarms", "alarms": list(alarms)},
        },
    ]
    return json.dumps({"start": "-PT6H", "periodOverride": "inherit", "widgets": widgets})
