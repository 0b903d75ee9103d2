"""Cloud Monitoring on exactly the metrics the server's sink writes (``core.metrics``, ``adapters/gcp/metrics.py``).

The sink writes ``custom.googleapis.com/company_mcp/<name>`` for each name of ``core.metrics.ALL_METRICS``:
CUMULATIVE INT64 counts with labels ``tool`` and ``outcome`` (``ToolErrors`` adds ``error_type``), and
``ToolLatency`` as a CUMULATIVE DISTRIBUTION in milliseconds. The stack declares those descriptors itself (so the
alert policies can be created before the first point arrives, and a label the sink does not send fails the
write instead of silently splitting series), then reads them with ``ALIGN_DELTA``:

- dashboard: calls, server error rate, p50/p99 latency per tool, errors by type, blocked writes (the metric and
  the audit log's count), rate-limited calls, capped results;
- alert policies, to an email channel (``alarmEmail``, a secret): the server error rate (errors whose type means
  the service failed, ``core.errors.SERVER_FAULT_TYPES``, over calls, per tool), the slowest tool's p99 latency
  of successful calls, and a spike of blocked writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final, TypedDict

import pulumi
import pulumi_gcp as gcp

from core.errors import SERVER_FAULT_TYPES
from core.metrics import ALL_METRICS, BLOCKED_MUTATIONS, CALLS, CAPPED_RESULTS, ERRORS, LATENCY, RATE_LIMITED
from stacks.components.gcp.service import METRIC_PREFIX

PERIOD: Final = "300s"
DASHBOARD_PERIOD: Final = "60s"
LABEL_TOOL: Final = "tool"
LABEL_OUTCOME: Final = "outcome"
LABEL_ERROR_TYPE: Final = "error_type"
METRIC_LABELS: Final[dict[str, tuple[str, ...]]] = {
    name: (LABEL_TOOL, LABEL_OUTCOME, LABEL_ERROR_TYPE) if name == ERRORS else (LABEL_TOOL, LABEL_OUTCOME)
    for name in ALL_METRICS
}
SERVER_ERROR_TYPES: Final = tuple(sorted(SERVER_FAULT_TYPES))


def metric_type(name: str) -> str:
    """The Cloud Monitoring type of one of ``core.metrics``' names."""
    if name not in ALL_METRICS:
        raise ValueError(f"{name!r} is not a metric the server emits (core.metrics.ALL_METRICS)")
    return f"{METRIC_PREFIX}{name}"


RESOURCE_TYPE: Final = "generic_task"  # one series per process (adapters/gcp/resource.py); reducers sum over them


def metric_filter(name: str, *conditions: str) -> str:
    return " AND ".join((f'metric.type="{metric_type(name)}"', f'resource.type="{RESOURCE_TYPE}"', *conditions))


def server_errors_filter() -> str:
    types = ", ".join(f'"{t}"' for t in SERVER_ERROR_TYPES)
    return metric_filter(ERRORS, f"metric.label.{LABEL_ERROR_TYPE}=one_of({types})")


def _aggregation(aligner: str, reducer: str, period: str = PERIOD, by: Sequence[str] = (LABEL_TOOL,)) -> dict[str, Any]:
    return {
        "alignmentPeriod": period,
        "perSeriesAligner": aligner,
        "crossSeriesReducer": reducer,
        "groupByFields": [f"metric.label.{label}" for label in by],
    }


def _chart(title: str, filter_: str, aggregation: dict[str, Any], plot: str = "LINE") -> dict[str, Any]:
    return {
        "title": title,
        "xyChart": {
            "dataSets": [
                {
                    "plotType": plot,
                    "timeSeriesQuery": {"timeSeriesFilter": {"filter": filter_, "aggregation": aggregation}},
                }
            ]
        },
    }


def _ratio_chart(title: str, numerator: str, denominator: str) -> dict[str, Any]:
    aggregation = _aggregation("ALIGN_DELTA", "REDUCE_SUM", DASHBOARD_PERIOD)
    return {
        "title": title,
        "xyChart": {
            "dataSets": [
                {
                    "plotType": "LINE",
                    "timeSeriesQuery": {
                        "timeSeriesFilterRatio": {
                            "numerator": {"filter": numerator, "aggregation": aggregation},
                            "denominator": {"filter": denominator, "aggregation": aggregation},
                        }
                    },
                }
            ]
        },
    }


def dashboard_json(title: str, blocked_writes_log_metric: str) -> str:
    """The dashboard: one tile per question an operator asks, each on a metric the sink writes."""
    per_minute = _aggregation("ALIGN_DELTA", "REDUCE_SUM", DASHBOARD_PERIOD)
    charts = [
        _chart("Tool calls by tool", metric_filter(CALLS), per_minute, "STACKED_BAR"),
        _ratio_chart("Server error rate by tool", server_errors_filter(), metric_filter(CALLS)),
        _chart(
            "Latency p50 by tool (ms)",
            metric_filter(LATENCY, f'metric.label.{LABEL_OUTCOME}="ok"'),
            _aggregation("ALIGN_DELTA", "REDUCE_PERCENTILE_50", DASHBOARD_PERIOD),
        ),
        _chart(
            "Latency p99 by tool (ms)",
            metric_filter(LATENCY, f'metric.label.{LABEL_OUTCOME}="ok"'),
            _aggregation("ALIGN_DELTA", "REDUCE_PERCENTILE_99", DASHBOARD_PERIOD),
        ),
        _chart(
            "Errors by type",
            metric_filter(ERRORS),
            _aggregation("ALIGN_DELTA", "REDUCE_SUM", DASHBOARD_PERIOD, (LABEL_ERROR_TYPE,)),
            "STACKED_BAR",
        ),
        _chart("Blocked writes by tool", metric_filter(BLOCKED_MUTATIONS), per_minute, "STACKED_BAR"),
        _chart(
            "Blocked writes in the audit log",
            f'metric.type="{blocked_writes_log_metric}"',
            per_minute,
            "STACKED_BAR",
        ),
        _chart("Rate-limited calls by tool", metric_filter(RATE_LIMITED), per_minute, "STACKED_BAR"),
        _chart("Capped results by tool", metric_filter(CAPPED_RESULTS), per_minute, "STACKED_BAR"),
    ]
    tiles = [
        {"xPos": (index % 2) * 24, "yPos": (index // 2) * 16, "width": 24, "height": 16, "widget": chart}
        for index, chart in enumerate(charts)
    ]
    return json.dumps({"displayName": title, "mosaicLayout": {"columns": 48, "tiles": tiles}}, sort_keys=True)


class ObservabilityArgs(TypedDict):
    prefix: str
    project: str
    alarm_email: pulumi.Input[str] | None
    blocked_writes_log_metric: pulumi.Input[str]
    error_rate_threshold_percent: float
    p99_latency_threshold_ms: float
    blocked_writes_threshold: int


class Observability(pulumi.ComponentResource):
    dashboard_url: pulumi.Output[str]
    alert_policies: list[pulumi.Output[str]]
    channel: pulumi.Output[str] | None

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Observability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        project, prefix = args["project"], args["prefix"]

        descriptors = [
            gcp.monitoring.MetricDescriptor(
                f"{name}-{metric.lower()}",
                project=project,
                type=metric_type(metric),
                display_name=f"company-mcp {metric}",
                description=f"{metric}, written by the MCP server's Cloud Monitoring sink",
                metric_kind="CUMULATIVE",
                value_type="DISTRIBUTION" if metric == LATENCY else "INT64",
                unit="ms" if metric == LATENCY else "1",
                labels=[{"key": label, "value_type": "STRING"} for label in METRIC_LABELS[metric]],
                opts=child,
            )
            for metric in ALL_METRICS
        ]
        after_descriptors = pulumi.ResourceOptions(parent=self, depends_on=descriptors)

        dashboard = gcp.monitoring.Dashboard(
            f"{name}-dashboard",
            project=project,
            dashboard_json=pulumi.Output.from_input(args["blocked_writes_log_metric"]).apply(
                lambda log_metric: dashboard_json(f"company-mcp {prefix}", log_metric)
            ),
            opts=after_descriptors,
        )
        self.channel = None
        channels: list[pulumi.Input[str]] = []
        if args["alarm_email"] is not None:
            channel = gcp.monitoring.NotificationChannel(
                f"{name}-email",
                project=project,
                display_name=f"company-mcp {prefix} operators",
                type="email",
                labels={"email_address": pulumi.Output.secret(args["alarm_email"])},
                opts=child,
            )
            self.channel = channel.name
            channels.append(channel.name)

        def policy(key: str, display: str, documentation: str, threshold: dict[str, Any]) -> pulumi.Output[str]:
            created = gcp.monitoring.AlertPolicy(
                f"{name}-{key}",
                project=project,
                display_name=f"{prefix} {display}",
                combiner="OR",
                conditions=[{"display_name": display, "condition_threshold": threshold}],
                notification_channels=channels,
                documentation={"content": documentation, "mime_type": "text/markdown"},
                alert_strategy={"auto_close": "86400s"},
                severity="ERROR",
                opts=after_descriptors,
            )
            return created.name

        sum_per_tool = {
            "alignment_period": PERIOD,
            "per_series_aligner": "ALIGN_DELTA",
            "cross_series_reducer": "REDUCE_SUM",
            "group_by_fields": [f"metric.label.{LABEL_TOOL}"],
        }
        self.alert_policies = [
            policy(
                "error-rate",
                "server error rate",
                "A tool's calls fail on the service's side (backend errors, timeouts, a guard's store down) "
                f"above {args['error_rate_threshold_percent']}% over 5 minutes.",
                {
                    "filter": server_errors_filter(),
                    "aggregations": [sum_per_tool],
                    "denominator_filter": metric_filter(CALLS),
                    "denominator_aggregations": [sum_per_tool],
                    "comparison": "COMPARISON_GT",
                    "threshold_value": args["error_rate_threshold_percent"] / 100,
                    "duration": "0s",
                    "trigger": {"count": 1},
                },
            ),
            policy(
                "p99-latency",
                "p99 latency",
                f"A tool's p99 latency of successful calls is above {args['p99_latency_threshold_ms']} ms.",
                {
                    "filter": metric_filter(LATENCY, f'metric.label.{LABEL_OUTCOME}="ok"'),
                    "aggregations": [{**sum_per_tool, "cross_series_reducer": "REDUCE_PERCENTILE_99"}],
                    "comparison": "COMPARISON_GT",
                    "threshold_value": args["p99_latency_threshold_ms"],
                    "duration": "0s",
                    "trigger": {"count": 1},
                },
            ),
            policy(
                "blocked-writes",
                "blocked writes",
                f"More than {args['blocked_writes_threshold']} write attempts refused in 5 minutes "
                "(writes are off, or a client lacks the write scope).",
                {
                    "filter": metric_filter(BLOCKED_MUTATIONS),
                    "aggregations": [{**sum_per_tool, "group_by_fields": []}],
                    "comparison": "COMPARISON_GT",
                    "threshold_value": args["blocked_writes_threshold"],
                    "duration": "0s",
                    "trigger": {"count": 1},
                },
            ),
        ]
        self.dashboard_url = dashboard.id.apply(
            lambda ident: (
                f"https://console.cloud.google.com/monitoring/dashboards/custom/{ident.rsplit('/', 1)[-1]}"
                f"?project={project}"
            )
        )
        self.register_outputs({"dashboard_url": self.dashboard_url})
