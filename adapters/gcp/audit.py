"""The AuditSink on GCP: one Cloud Logging entry per audit record in a dedicated log, written synchronously.

``append`` returns only after ``entries:write`` accepted the entry (HTTP 200), so an ``attempt`` is
durable before the write it announces; any failure is ``AuditUnavailable`` and the write is refused.
The log (``projects/<p>/logs/<COMPANY_MCP_GCP_AUDIT_LOG>``) is routed by the stack to a locked bucket.

Each process writes its own keyed chain, exactly as the file sink and the CloudWatch sink do
(``core.audit_chain``): ``seq``, ``prev_hmac`` and ``chain_hmac`` over the record's fields with the
deployment's audit key. The entry's ``jsonPayload`` is the record; its labels are ``decision``,
``tool`` and ``chain`` (this chain's id, so a verifier groups a chain's entries and orders them by
``seq``). Cloud Logging keeps a payload as a protobuf Struct (keys unordered, numbers as doubles), so
``audit_line`` rebuilds the exact line the chain was computed over. After a failure it is unknown
whether the entry landed, so the next append starts a fresh chain (new id, genesis) rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import anyio
import httpx

from adapters.gcp.access_token import AccessTokenUnavailable, GoogleAccessToken
from adapters.gcp.config import GcpSettings
from adapters.gcp.resource import monitored_resource, task_id
from core.audit_chain import CHAIN_FIELDS, GENESIS, AuditKey, ChainTail, deployment_audit_key
from core.errors import ConfigError
from core.ports import AuditRecord, AuditUnavailable

# The record's keys in the order the sink writes them (AuditRecord.as_dict, then the chain's fields).
RECORD_FIELDS = (*AuditRecord.__dataclass_fields__, *CHAIN_FIELDS)


def gcp_audit_key(gcp: GcpSettings, cursor_secret: bytes) -> AuditKey:
    """``COMPANY_MCP_GCP_AUDIT_KEY`` (a Secret Manager secret env var); unset: derived from the cursor key."""
    configured = gcp.audit_key.get_secret_value() if gcp.audit_key is not None else None
    try:
        return deployment_audit_key(configured, cursor_secret, setting="COMPANY_MCP_GCP_AUDIT_KEY")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def audit_line(payload: Mapping[str, Any]) -> str:
    """The chained line of a record read back from Cloud Logging (for ``verify_chain``)."""
    record: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        value = payload.get(name)
        if name == "seq" and isinstance(value, float) and value.is_integer():
            value = int(value)
        record[name] = value
    return json.dumps(record, default=str, separators=(",", ":"))


class CloudLoggingAudit:
    """Keyed-chain audit entries through ``entries:write``. The constructor does no I/O."""

    def __init__(
        self,
        settings: GcpSettings,
        token: GoogleAccessToken,
        *,
        key: AuditKey,
        project: str,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._settings = settings
        self._token = token
        self._key = key
        self.log_name = f"projects/{project}/logs/{settings.audit_log}"
        self._url = f"{settings.logging_url.rstrip('/')}/v2/entries:write"
        self._project = project
        self._timeout = settings.audit_timeout_s
        self._http = http
        self._owns_http = http is None
        self.chain = task_id()
        self._tail = ChainTail(0, GENESIS)
        self._lock: anyio.Lock | None = None
        self.chains: list[str] = []  # every chain this process wrote, oldest first

    async def append(self, record: AuditRecord) -> None:
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            line, tail = self._tail.append(record.as_dict(), self._key)
            entry = {
                "jsonPayload": json.loads(line),
                "severity": "WARNING" if record.decision == "blocked" else "NOTICE",
                "labels": {"decision": record.decision, "tool": record.tool, "chain": self.chain},
            }
            try:
                await self._write([entry], dry_run=False)
            except AuditUnavailable:
                self._rotate()
                raise
            if self.chain not in self.chains:
                self.chains.append(self.chain)
            self._tail = tail

    async def ping(self) -> None:
        """A dry-run write: the API answers and this account may write the log, nothing is stored."""
        await self._write([{"textPayload": "readiness probe", "labels": {"chain": self.chain}}], dry_run=True)

    async def aclose(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    def _rotate(self) -> None:
        self.chain = task_id()
        self._tail = ChainTail(0, GENESIS)

    async def _write(self, entries: list[dict[str, Any]], *, dry_run: bool) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, trust_env=False)
        body = {
            "logName": self.log_name,
            "resource": monitored_resource(self._settings, self._project, self.chain),
            "entries": entries,
            "partialSuccess": False,
            "dryRun": dry_run,
        }
        try:
            with anyio.fail_after(self._timeout * 2):
                headers = await self._token.headers()
                response = await self._http.post(self._url, json=body, headers=headers, timeout=self._timeout)
        except AccessTokenUnavailable as exc:
            raise AuditUnavailable(f"Cloud Logging cannot be called: {exc}") from exc
        except (httpx.HTTPError, TimeoutError) as exc:
            raise AuditUnavailable(f"Cloud Logging entries:write failed ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise AuditUnavailable(f"Cloud Logging entries:write answered HTTP {response.status_code}")
