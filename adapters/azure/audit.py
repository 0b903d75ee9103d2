"""The AuditSink on Azure: every audit record as an ``AuditRecord`` custom event in Application Insights.

The record is chained like every other sink's (``core.audit_chain``): ``seq``, ``prev_hmac`` and
``chain_hmac`` (HMAC-SHA256 with the deployment's audit key), per process *stream* (like the AWS
sink's log streams: ``<role instance>/<pid>/<uuid>``, in the event's ``stream`` property). The
event's properties are the record's fields and the chain fields, so KQL filters on them
(``customEvents | where name == "AuditRecord"``); ``line`` holds the chained JSON exactly as
hashed, so ``company-mcp audit verify``-style checking (``core.audit_chain.verify_chain``) runs
over one stream's ``line`` values ordered by ``seq``.

``append`` returns only after the ingestion endpoint accepted the event: the exporter is called
directly (no batch processor, no offline storage, no retries), in a worker thread, one event at a
time. A ``FAILURE`` (4xx/5xx, refused connection, timeout) is ``AuditUnavailable`` and the write it
announces is refused; as on AWS, the next append starts a fresh stream, since it is unknown
whether the failed event landed. Retention is the workspace's (set by the stack).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
from azure.core.credentials import TokenCredential
from azure.monitor.opentelemetry.exporter import AzureMonitorLogExporter
from opentelemetry._logs import LogRecord
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExportResult

from adapters.azure.metrics import CUSTOM_EVENT_NAME, exporter_options, telemetry_resource
from core.audit_chain import GENESIS, AuditKey, ChainTail, deployment_audit_key
from core.errors import ConfigError
from core.ports import AuditRecord, AuditUnavailable

AUDIT_EVENT = "AuditRecord"
PROBE_EVENT = "AuditSinkProbe"  # readiness after a failure; never an audit record


def azure_audit_key(configured: str | None, cursor_secret: bytes) -> AuditKey:
    """The deployment's audit key (``COMPANY_MCP_AZURE_AUDIT_KEY``, a Key Vault reference); without one, a key
    derived from the cursor key, itself a per-deployment secret shared by every instance."""
    try:
        return deployment_audit_key(configured, cursor_secret, setting="COMPANY_MCP_AZURE_AUDIT_KEY")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def default_stream_name() -> str:
    # Functions sets WEBSITE_INSTANCE_ID per instance; locally the host name.
    instance = os.environ.get("WEBSITE_INSTANCE_ID") or socket.gethostname() or "host"
    return f"{instance[:64]}/{os.getpid()}/{uuid.uuid4().hex}"


def event_properties(line: str, stream: str) -> dict[str, Any]:
    """The custom event's properties: every field of the chained record as text, the stream and the line."""
    record = json.loads(line)
    properties = {key: "" if value is None else str(value) for key, value in record.items()}
    return {CUSTOM_EVENT_NAME: AUDIT_EVENT, **properties, "stream": stream, "line": line}


class AppInsightsAudit:
    """Keyed-chain ``AuditRecord`` events, each acknowledged by the ingestion endpoint before ``append`` returns.

    ``exporter`` is injectable (tests); without one it is built from the connection string. The constructor does
    no I/O.
    """

    def __init__(
        self,
        connection_string: str,
        *,
        key: AuditKey,
        credential: TokenCredential | None = None,
        timeout_s: float = 5.0,
        role: str = "company-mcp",
        stream_name: Callable[[], str] = default_stream_name,
        clock: Callable[[], float] = time.time,
    ) -> None:
        options = exporter_options(credential=credential, disable_offline_storage=True)
        # retry_total=0: one attempt within the call's deadline; the caller's retry is the client's.
        self._exporter = AzureMonitorLogExporter(
            connection_string=connection_string, timeout=timeout_s, retry_total=0, **options
        )
        self._resource = telemetry_resource(role)
        self._key = key
        self._new_stream = stream_name
        self._stream = stream_name()
        self._tail = ChainTail(0, GENESIS)
        self._clock = clock
        self._lock: anyio.Lock | None = None
        self._failing = False
        self.streams: list[str] = []

    @property
    def stream(self) -> str:
        return self._stream

    async def append(self, record: AuditRecord) -> None:
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            line, tail = self._tail.append(record.as_dict(), self._key)
            try:
                result = await anyio.to_thread.run_sync(self._export, line, abandon_on_cancel=True)
            except BaseException:  # cancelled (the call's deadline): the event may still land, so chain anew
                self._rotate()
                raise
            if result is not LogRecordExportResult.SUCCESS:
                self._failing = True
                self._rotate()
                raise AuditUnavailable("Application Insights did not accept the audit event")
            self._failing = False
            if self._stream not in self.streams:
                self.streams.append(self._stream)
            self._tail = tail

    async def ping(self) -> None:
        """Readiness: while the last append was accepted, nothing is sent; after a failure, an ``AuditSinkProbe``
        event (not an audit record) is sent, and its acceptance makes the sink ready again."""
        if not self._failing:
            return
        result = await anyio.to_thread.run_sync(self._export_event, PROBE_EVENT, {}, abandon_on_cancel=True)
        if result is not LogRecordExportResult.SUCCESS:
            raise AuditUnavailable("Application Insights does not accept audit events")
        self._failing = False

    def _export(self, line: str) -> LogRecordExportResult:
        return self._export_event(AUDIT_EVENT, event_properties(line, self._stream))

    def _export_event(self, name: str, attributes: dict[str, Any]) -> LogRecordExportResult:
        now_ns = int(self._clock() * 1e9)
        attributes = {CUSTOM_EVENT_NAME: name, **attributes}
        event = LogRecord(timestamp=now_ns, observed_timestamp=now_ns, body=name, attributes=attributes)
        return self._exporter.export([ReadableLogRecord(log_record=event, resource=self._resource)])

    def _rotate(self) -> None:
        self._stream = self._new_stream()
        self._tail = ChainTail(0, GENESIS)

    def close(self) -> None:
        self._exporter.shutdown()
