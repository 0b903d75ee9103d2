"""The Application Insights names the azure runtime emits and the Azure stack queries (alerts, workbook).

No imports on purpose: the Pulumi program reads these without loading OpenTelemetry. Metric names and their
dimensions are ``core.metrics``'s; these are the per-call and audit custom events and their properties.
"""

from __future__ import annotations

from typing import Final

TOOL_CALL_EVENT: Final = "ToolCall"  # one custom event per tool call
AUDIT_EVENT: Final = "AuditRecord"  # one custom event per audit record (attempt, then outcome)

# customDimensions of a ToolCall event
PROP_TOOL: Final = "tool"
PROP_OUTCOME: Final = "outcome"
PROP_ERROR_TYPE: Final = "error_type"
PROP_DURATION_MS: Final = "duration_ms"
PROP_BLOCKED_WRITE: Final = "blocked_write"  # "true" | "false", from core.metrics.is_blocked_write
