"""The AuditSink on AWS: one JSON event per audit record in a dedicated CloudWatch Logs group.

Each process writes its own stream, ``<prefix>/<pid>/<uuid>`` (the prefix defaults to the host
name), and chains it like the file sink: every event's message is ``core.audit_chain``'s line, with
``seq`` (1, 2, ... within the stream), ``prev_hmac`` (the stream's previous ``chain_hmac``; the first
carries the genesis value) and ``chain_hmac`` (HMAC-SHA256 with the deployment's audit key), so
``verify_chain`` over a stream's messages finds an edited, forged, inserted, reordered or deleted
event, and nobody without the key can recompute the chain. CloudWatch Logs has no API that deletes
or edits single events: shortening a stream means deleting it whole (README: the checkpoint the
clouds keep for that). The chain's tail lives in memory; appends are serialized so that chain order
is put order.

``append`` returns only after ``PutLogEvents`` accepted the event (written durably before the
write it announces). Any failure is ``AuditUnavailable``, and the write is refused. After a failure
it is unknown whether the event landed (a timeout may follow a success), so the next append starts
a fresh stream rather than guess which HMAC to chain to: each stream's chain stays verifiable.

botocore is synchronous; its calls run in a worker thread. Vendor errors are translated once, in
``map_aws_errors``.
"""

from __future__ import annotations

import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
from botocore.exceptions import BotoCoreError, ClientError

from adapters.aws.config import AwsSettings, SecretUnavailable, read_secret
from core.audit_chain import GENESIS, AuditKey, ChainTail, deployment_audit_key
from core.errors import ConfigError
from core.ports import AuditRecord, AuditUnavailable

T = TypeVar("T")

# CloudWatch Logs stream names: up to 512 characters, no ':' or '*'.
_STREAM_UNSAFE = re.compile(r"[:*]")
_MAX_STREAM_CHARS = 512


def default_stream_name(prefix: str | None = None) -> str:
    host = prefix or socket.gethostname() or "host"
    name = f"{host}/{os.getpid()}/{uuid.uuid4().hex}"
    return _STREAM_UNSAFE.sub("_", name)[-_MAX_STREAM_CHARS:]


def aws_audit_key(
    aws: AwsSettings, cursor_secret: bytes, *, read: Callable[[str], str | bytes] | None = None
) -> AuditKey:
    """The deployment's audit key: the Secrets Manager secret ``COMPANY_MCP_AWS_AUDIT_KEY_SECRET_ARN``; without
    one, a key derived from the cursor key, which is itself a per-deployment secret from Secrets Manager
    shared by every instance (a dedicated secret keeps the two apart; the stack should provision it)."""
    secret: str | bytes | None = None
    if aws.audit_key_secret_arn:
        reader = read or (lambda arn: read_secret(arn, region=aws.region, endpoint_url=aws.secrets_endpoint_url))
        try:
            secret = reader(aws.audit_key_secret_arn)
        except SecretUnavailable as exc:
            raise ConfigError(str(exc)) from exc
    try:
        return deployment_audit_key(secret, cursor_secret, setting="the audit key")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


@contextmanager
def map_aws_errors(action: str) -> Iterator[None]:
    """botocore's failures -> ``AuditUnavailable`` with the error code only (never the vendor's text)."""
    try:
        yield
    except ClientError as exc:
        raise AuditUnavailable(f"CloudWatch Logs {action} failed: {error_code(exc)}") from exc
    except BotoCoreError as exc:  # endpoint unreachable, timeouts, no credentials, ...
        raise AuditUnavailable(f"CloudWatch Logs {action} failed: {type(exc).__name__}") from exc


def create_logs_client(settings: AwsSettings) -> Any:
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})
    return session.create_client(
        "logs", region_name=settings.region, endpoint_url=settings.logs_endpoint_url, config=config
    )


class CloudWatchLogsAudit:
    """Keyed-chain audit events in ``settings.audit_log_group``. The constructor does no I/O.

    ``key`` is the deployment's audit key (from its secret store, never from the log's account alone).
    ``client`` is a botocore ``logs`` client; without one it is made on first use from the settings.
    ``stream_name`` makes the first stream's name (tests); later streams use ``default_stream_name``.
    """

    def __init__(
        self,
        settings: AwsSettings,
        *,
        key: AuditKey,
        client: Any = None,
        stream_name: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._key = key
        self._group = settings.audit_log_group
        self._client = client
        self._clock = clock
        self._stream = stream_name or default_stream_name(settings.audit_stream_prefix)
        self._stream_ready = False
        self._tail = ChainTail(0, GENESIS)
        self._lock: anyio.Lock | None = None
        self.streams: list[str] = []  # every stream this process wrote to, oldest first

    @property
    def log_group(self) -> str:
        return self._group

    @property
    def stream(self) -> str:
        return self._stream

    async def append(self, record: AuditRecord) -> None:
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            line, tail = self._tail.append(record.as_dict(), self._key)
            try:
                await anyio.to_thread.run_sync(self._put_sync, line)
            except AuditUnavailable:
                self._rotate()
                raise
            self._tail = tail

    async def ping(self) -> None:
        await anyio.to_thread.run_sync(self._ping_sync)

    # -- synchronous, in a worker thread -----------------------------------------------------------

    def _logs(self) -> Any:
        if self._client is None:
            with map_aws_errors("client setup"):
                self._client = create_logs_client(self._settings)
        return self._client

    def _put_sync(self, line: str) -> None:
        if not self._stream_ready:
            self._create_stream()
        event = {"timestamp": int(self._clock() * 1000), "message": line}
        with map_aws_errors("PutLogEvents"):
            try:
                response = self._put(event)
            except ClientError as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
                self._create_stream()  # the stream went away (or never was): make it, then retry once
                response = self._put(event)
        rejected = response.get("rejectedLogEventsInfo")
        if rejected:
            raise AuditUnavailable(f"CloudWatch Logs rejected the audit event: {sorted(rejected)}")

    def _put(self, event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._logs().put_log_events(
            logGroupName=self._group, logStreamName=self._stream, logEvents=[event]
        )
        return result

    def _create_stream(self) -> None:
        with map_aws_errors("CreateLogStream"):
            try:
                self._logs().create_log_stream(logGroupName=self._group, logStreamName=self._stream)
            except ClientError as exc:
                if error_code(exc) != "ResourceAlreadyExistsException":
                    raise
        self._stream_ready = True
        if self._stream not in self.streams:
            self.streams.append(self._stream)

    def _rotate(self) -> None:
        self._stream = default_stream_name(self._settings.audit_stream_prefix)
        self._stream_ready = False
        self._tail = ChainTail(0, GENESIS)

    def _ping_sync(self) -> None:
        with map_aws_errors("DescribeLogStreams"):
            self._logs().describe_log_streams(logGroupName=self._group, logStreamNamePrefix=self._stream, limit=1)


def read_stream_messages(client: Any, log_group: str, stream: str) -> list[str]:
    """Every message of one audit stream, oldest first (for ``verify_chain`` and ``company-mcp audit``)."""
    messages: list[str] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"logGroupName": log_group, "logStreamName": stream, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        page = client.get_log_events(**kwargs)
        messages += [event["message"] for event in page.get("events", [])]
        if page.get("nextForwardToken") in (None, token):
            return messages
        token = page["nextForwardToken"]
