"""One JSON log line per tool call on stderr, and the same figures to the MetricsSink.

The SDK's own loggers stay at WARNING: they would otherwise log a line per
request (and cost throughput), and our line already says everything useful.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from core.ports import CallRecord, MetricsSink

CALL_LOGGER = "company_mcp.calls"
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["event"] = record.getMessage()
            line["logger"] = record.name
        line.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED and k != "fields"})
        if record.exc_info and record.levelno >= logging.ERROR:
            line["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else None
        return json.dumps(line, default=str)


def configure_logging(log_format: Literal["json", "text"] = "json", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("mcp", "uvicorn", "uvicorn.access", "uvicorn.error", "httpx", "httpx2", "httpcore", "httpcore2"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class CallTelemetry:
    def __init__(self, metrics: MetricsSink) -> None:
        self._metrics = metrics
        self._log = logging.getLogger(CALL_LOGGER)

    def emit(self, call: CallRecord) -> None:
        fields = {
            "event": "tool_call",
            "tool": call.tool,
            "principal": call.principal,
            "request_id": call.request_id,
            "duration_ms": round(call.duration_ms, 3),
            "outcome": call.outcome,
            "error_type": call.error_type,
            "result_count": call.result_count,
            "capped": call.capped,
        }
        self._log.info("tool_call", extra={"fields": fields})
        try:
            self._metrics.record_call(call)
        except Exception:  # metrics never fail a call
            self._log.warning("metrics sink failed", exc_info=True)
