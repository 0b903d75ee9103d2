"""Logs, metrics, alerts and the workbook: Log Analytics + workspace-based Application Insights.

The runtime sends the ``core.metrics`` metrics (``customMetrics``) and one ``ToolCall`` custom event per call
(``customEvents``: percentiles need the single values, a histogram arrives only as sum/count/min/max) and the
``AuditRecord`` events, with its managed identity: the component has local (instrumentation key) auth off, so
only identities holding Monitoring Metrics Publisher can write. Custom events land in the workspace's
``AppEvents`` table, kept ``audit_retention_days``; everything else ``log_retention_days``.

Three log alerts (KQL over the ToolCall events) mail the action group: the server-error rate (error types of
``core.errors.SERVER_FAULT_TYPES``), the p99 latency and blocked writes (``core.metrics.is_blocked_write``, set by
the runtime as the event's ``blocked_write`` property). Every name in a query comes from ``core.metrics``,
``core.errors`` or ``adapters.azure.telemetry_names``, never retyped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any, Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native

from adapters.azure.telemetry_names import (
    AUDIT_EVENT,
    PROP_BLOCKED_WRITE,
    PROP_DURATION_MS,
    PROP_ERROR_TYPE,
    PROP_OUTCOME,
    PROP_TOOL,
    TOOL_CALL_EVENT,
)
from core import metrics
from core.errors import SERVER_FAULT_TYPES

SERVER_ERROR_TYPES: Final = tuple(sorted(SERVER_FAULT_TYPES))
AUDIT_TABLE: Final = "AppEvents"  # where workspace-based Application Insights keeps customEvents
WINDOW: Final = "PT5M"
WORKBOOK_NAMESPACE: Final = uuid.UUID("6f1c3c1e-8d0a-4a57-9a8e-2c7d0b1f4e21")  # workbook names must be GUIDs


def _kql_list(values: Sequence[str]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def tool_calls() -> str:
    return f'customEvents | where name == "{TOOL_CALL_EVENT}"'


def error_rate_query() -> str:
    """Server errors as a percentage of calls (0 when there were no calls)."""
    return (
        f"{tool_calls()}"
        f' | extend error_type = tostring(customDimensions["{PROP_ERROR_TYPE}"])'
        f" | summarize calls = count(), server_errors = countif(error_type in ({_kql_list(SERVER_ERROR_TYPES)}))"
        " | extend error_rate_percent = iff(calls == 0, 0.0, 100.0 * server_errors / calls)"
    )


def p99_latency_query() -> str:
    return (
        f"{tool_calls()}"
        f' | extend duration_ms = todouble(customDimensions["{PROP_DURATION_MS}"])'
        " | summarize p99_ms = percentile(duration_ms, 99)"
    )


def blocked_writes_query() -> str:
    return (
        f'{tool_calls()} and tostring(customDimensions["{PROP_BLOCKED_WRITE}"]) == "true" | summarize blocked = count()'
    )


def metric_query(metric: str, aggregate: str = "sum(valueSum)") -> str:
    return (
        f'customMetrics | where name == "{metric}"'
        f" | summarize value = {aggregate}"
        f' by bin(timestamp, 5m), tool = tostring(customDimensions["{metrics.DIMENSION_TOOL}"])'
    )


def workbook_queries() -> list[tuple[str, str, str]]:
    """(title, KQL, visualization) of each workbook tile: every metric the sink emits, percentiles, the audit trail."""
    tiles = [
        (f"{name} by tool", metric_query(name), "timechart") for name in metrics.ALL_METRICS if name != metrics.LATENCY
    ]
    tiles.append(
        (
            f"{metrics.LATENCY} (mean) by tool",
            metric_query(metrics.LATENCY, "sum(valueSum) / sum(valueCount)"),
            "timechart",
        )
    )
    tiles.append(
        (
            "Latency p50 / p99 (ms)",
            f"{tool_calls()}"
            f' | extend duration_ms = todouble(customDimensions["{PROP_DURATION_MS}"])'
            " | summarize p50 = percentile(duration_ms, 50), p99 = percentile(duration_ms, 99) by bin(timestamp, 5m)",
            "timechart",
        )
    )
    tiles.append(
        (
            "Errors by type",
            f"{tool_calls()}"
            f' | where tostring(customDimensions["{PROP_OUTCOME}"]) != "ok"'
            f' | summarize count() by error_type = tostring(customDimensions["{PROP_ERROR_TYPE}"]),'
            f' tool = tostring(customDimensions["{PROP_TOOL}"])',
            "table",
        )
    )
    tiles.append(("Server error rate (%)", error_rate_query(), "table"))
    tiles.append(("Blocked writes", blocked_writes_query(), "table"))
    tiles.append(
        (
            "Audit records (newest first)",
            f'customEvents | where name == "{AUDIT_EVENT}" | project timestamp, customDimensions'
            " | order by timestamp desc | take 200",
            "table",
        )
    )
    return tiles


def workbook_document(component_id: str) -> str:
    items: list[dict[str, Any]] = [{"type": 1, "content": {"json": "## company-mcp: calls, errors, latency, writes"}}]
    for title, query, visualization in workbook_queries():
        items.append(
            {
                "type": 3,
                "content": {
                    "version": "KqlItem/1.0",
                    "query": query,
                    "size": 0,
                    "title": title,
                    "queryType": 0,
                    "resourceType": "microsoft.insights/components",
                    "visualization": visualization,
                },
            }
        )
    document = {
        "version": "Notebook/1.0",
        "items": items,
        "fallbackResourceIds": [component_id],
        "$schema": "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
    }
    return json.dumps(document)


class ObservabilityArgs(TypedDict):
    prefix: str
    resource_group_name: pulumi.Input[str]
    location: str
    log_retention_days: int
    audit_retention_days: int
    alarm_email: pulumi.Input[str]
    error_rate_threshold_percent: float
    p99_latency_threshold_ms: float
    blocked_writes_threshold: int


class Observability(pulumi.ComponentResource):
    workspace_id: pulumi.Output[str]
    component_id: pulumi.Output[str]
    connection_string: pulumi.Output[str]
    action_group_id: pulumi.Output[str]
    workbook_id: pulumi.Output[str]

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Observability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        rg = args["resource_group_name"]
        prefix = args["prefix"]
        workspace = azure_native.operationalinsights.Workspace(
            f"{name}-workspace",
            workspace_name=f"{prefix}-logs",
            resource_group_name=rg,
            location=args["location"],
            sku={"name": "PerGB2018"},
            retention_in_days=args["log_retention_days"],
            features={"disable_local_auth": True},
            opts=child,
        )
        azure_native.operationalinsights.Table(
            f"{name}-audit-retention",
            resource_group_name=rg,
            workspace_name=workspace.name,
            table_name=AUDIT_TABLE,
            retention_in_days=args["audit_retention_days"],
            total_retention_in_days=args["audit_retention_days"],
            opts=child,
        )
        component = azure_native.applicationinsights.Component(
            f"{name}-insights",
            resource_name_=f"{prefix}-insights",
            resource_group_name=rg,
            location=args["location"],
            kind="web",
            application_type="web",
            workspace_resource_id=workspace.id,
            ingestion_mode="LogAnalytics",
            disable_local_auth=True,  # only Entra identities with Monitoring Metrics Publisher may send
            opts=child,
        )
        action_group = azure_native.monitor.ActionGroup(
            f"{name}-alerts",
            action_group_name=f"{prefix}-alerts",
            resource_group_name=rg,
            location="global",
            group_short_name="companymcp",
            enabled=True,
            email_receivers=[
                {"name": "operators", "email_address": args["alarm_email"], "use_common_alert_schema": True}
            ],
            opts=child,
        )

        def log_alert(key: str, description: str, query: str, column: str, operator: str, threshold: float) -> None:
            azure_native.monitor.ScheduledQueryRule(
                f"{name}-{key}",
                rule_name=f"{prefix}-{key}",
                resource_group_name=rg,
                location=args["location"],
                kind="LogAlert",
                description=description,
                severity=2,
                enabled=True,
                scopes=[component.id],
                evaluation_frequency=WINDOW,
                window_size=WINDOW,
                criteria={
                    "all_of": [
                        {
                            "query": query,
                            "time_aggregation": "Maximum",
                            "metric_measure_column": column,
                            "operator": operator,
                            "threshold": threshold,
                            "failing_periods": {"number_of_evaluation_periods": 1, "min_failing_periods_to_alert": 1},
                        }
                    ]
                },
                actions={"action_groups": [action_group.id]},
                auto_mitigate=True,
                opts=child,
            )

        log_alert(
            "server-error-rate",
            "Server errors (backend down, timeouts, guard failures) above the threshold share of tool calls",
            error_rate_query(),
            "error_rate_percent",
            "GreaterThan",
            args["error_rate_threshold_percent"],
        )
        log_alert(
            "p99-latency",
            "p99 tool-call latency over five minutes above the threshold (ms)",
            p99_latency_query(),
            "p99_ms",
            "GreaterThan",
            args["p99_latency_threshold_ms"],
        )
        log_alert(
            "blocked-writes",
            "Writes refused by the mutation gate or a write-scope check: someone is trying writes that are off",
            blocked_writes_query(),
            "blocked",
            "GreaterThanOrEqual",
            float(args["blocked_writes_threshold"]),
        )
        workbook = azure_native.applicationinsights.Workbook(
            f"{name}-workbook",
            resource_name_=str(uuid.uuid5(WORKBOOK_NAMESPACE, prefix)),
            resource_group_name=rg,
            location=args["location"],
            kind="shared",
            category="workbook",
            display_name=f"{prefix}: company-mcp",
            source_id=component.id,
            serialized_data=component.id.apply(workbook_document),
            opts=child,
        )
        self.workspace_id = workspace.id
        self.component_id = component.id
        self.connection_string = component.connection_string
        self.action_group_id = action_group.id
        self.workbook_id = workbook.id
        self.register_outputs({"component_id": self.component_id, "workbook_id": self.workbook_id})
