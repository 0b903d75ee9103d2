"""Where audit entries end up: a locked log bucket with retention, the sink routing them there, and a
log-based metric counting blocked writes.

The MCP server writes every write attempt synchronously to the log ``projects/<p>/logs/company-mcp-audit``
(``entries:write``, before the write; the outcome after). The sink copies exactly that log into
``<prefix>-audit``, a bucket with ``auditRetentionDays`` retention. Locked (``auditBucketLocked``, default on),
the retention can no longer be shortened and the bucket cannot be deleted before its entries expire: not by the
deployer, not by ``pulumi destroy`` (see README.md (Deploy to GCP), tear-down). Entries also land in the
project's ``_Default`` bucket (30 days) as every log does, unless an operator excludes them there.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_gcp as gcp

from stacks.components.gcp.service import AUDIT_LOG

LOG_BASED_PREFIX: Final = "logging.googleapis.com/user/"


def audit_log_filter(project: str) -> str:
    return f'logName="projects/{project}/logs/{AUDIT_LOG}"'


def blocked_writes_filter(project: str) -> str:
    return f'{audit_log_filter(project)} AND jsonPayload.decision="blocked"'


class AuditLogArgs(TypedDict):
    prefix: str
    project: str
    region: str
    retention_days: int
    locked: bool


class AuditLog(pulumi.ComponentResource):
    bucket: pulumi.Output[str]
    sink: pulumi.Output[str]
    blocked_writes_metric_type: pulumi.Output[str]  # logging.googleapis.com/user/<prefix>-blocked-writes
    blocked_writes_metric: gcp.logging.Metric

    def __init__(self, name: str, args: AuditLogArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:AuditLog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        project, region, prefix = args["project"], args["region"], args["prefix"]
        bucket_id = f"{prefix}-audit"
        bucket = gcp.logging.ProjectBucketConfig(
            f"{name}-bucket",
            project=project,
            location=region,
            bucket_id=bucket_id,
            retention_days=args["retention_days"],
            locked=args["locked"],
            description="company-mcp audit log: every write attempt and its outcome (keyed chain)",
            opts=child,
        )
        sink = gcp.logging.ProjectSink(
            f"{name}-sink",
            project=project,
            name=f"{prefix}-audit",
            destination=f"logging.googleapis.com/projects/{project}/locations/{region}/buckets/{bucket_id}",
            filter=audit_log_filter(project),
            description="company-mcp audit entries into the locked audit bucket",
            unique_writer_identity=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket]),
        )
        self.blocked_writes_metric = gcp.logging.Metric(
            f"{name}-blocked-writes",
            project=project,
            name=f"{prefix}-blocked-writes",
            description="Write attempts the server refused (writes off, or a missing write scope), from the audit log",
            filter=blocked_writes_filter(project),
            metric_descriptor={
                "metric_kind": "DELTA",
                "value_type": "INT64",
                "unit": "1",
                "labels": [{"key": "tool", "value_type": "STRING", "description": "the write tool called"}],
            },
            label_extractors={"tool": "EXTRACT(labels.tool)"},
            opts=child,
        )
        self.bucket = bucket.name
        self.sink = sink.name
        self.blocked_writes_metric_type = self.blocked_writes_metric.name.apply(lambda n: f"{LOG_BASED_PREFIX}{n}")
        self.register_outputs({"bucket": self.bucket, "sink": self.sink})
