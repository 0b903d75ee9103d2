"""CloudWatchLogsAudit against moto's server: events land in the group, in order, in a keyed chain."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.aws.audit import CloudWatchLogsAudit, aws_audit_key, read_stream_messages
from adapters.aws.config import AwsSettings, read_secret
from core.audit_chain import GENESIS, AuditKey, verify_chain
from core.errors import ConfigError
from core.ports import AuditRecord, AuditSink, AuditUnavailable
from tests.adapters.aws.aws_support import REGION, aws_client, free_port, moto_server

pytestmark = pytest.mark.anyio

GROUP = "/company-mcp/audit"
KEY = AuditKey(b"k" * 32)


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def logs_client(endpoint: str, *, retries: int = 2) -> Any:
    return aws_client("logs", endpoint, retries=retries)


@pytest.fixture
def logs(moto_url: str) -> Any:
    client = logs_client(moto_url)
    with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
        client.create_log_group(logGroupName=GROUP)
    return client


def settings() -> AwsSettings:
    return AwsSettings(region=REGION, audit_log_group=GROUP, audit_stream_prefix="test-host")


def record(n: int, **overrides: Any) -> AuditRecord:
    values: dict[str, Any] = {
        "ts": f"2026-01-01T00:00:{n:02d}.000Z",
        "request_id": f"req-{n}",
        "principal": "https://issuer|alice",
        "tool": "create_collection",
        "args_hmac": f"{n:064x}",
        "decision": "allowed",
        "reason": "flag:mutations",
        "phase": "attempt",
        "outcome": None,
    }
    return AuditRecord(**{**values, **overrides})


async def test_events_reach_the_group_in_order_and_chained(logs: Any) -> None:
    audit = CloudWatchLogsAudit(settings(), key=KEY, client=logs)
    _: AuditSink = audit
    assert audit.stream.startswith("test-host/")
    records = [
        record(1),
        record(2, phase="outcome", outcome="ok", request_id="req-1"),
        record(3, decision="blocked", reason="mutations_disabled:flag:mutations", phase="decision"),
    ]
    for item in records:
        await audit.append(item)
    await audit.ping()

    messages = read_stream_messages(logs, GROUP, audit.stream)
    assert len(messages) == 3
    events = [json.loads(m) for m in messages]
    chain_fields = {"seq", "prev_hmac", "chain_hmac"}
    for item, event in zip(records, events, strict=True):
        assert {k: v for k, v in event.items() if k not in chain_fields} == item.as_dict()
    assert [event["seq"] for event in events] == [1, 2, 3]
    assert events[0]["prev_hmac"] == GENESIS
    assert events[1]["prev_hmac"] == events[0]["chain_hmac"]
    report = verify_chain(messages, KEY)
    assert (report.ok, report.records) == (True, 3)

    edited = [messages[0], messages[1].replace('"ok"', '"error"'), messages[2]]
    assert verify_chain(edited, KEY).first_bad_line == 2  # the edited event itself
    assert verify_chain([messages[0], messages[2]], KEY).ok is False  # a deleted event is found
    assert verify_chain([messages[1], messages[0], messages[2]], KEY).first_bad_line == 1  # so is a reordering
    assert verify_chain(messages, AuditKey(b"x" * 32)).first_bad_line == 1  # only the deployment's key verifies


async def test_the_stream_is_created_when_missing(logs: Any) -> None:
    audit = CloudWatchLogsAudit(settings(), key=KEY, client=logs, stream_name="test-host/recreated")
    await audit.append(record(1))
    logs.delete_log_stream(logGroupName=GROUP, logStreamName="test-host/recreated")
    await audit.append(record(2))  # the stream is made again; the chain goes on in memory
    messages = read_stream_messages(logs, GROUP, "test-host/recreated")
    assert [json.loads(m)["request_id"] for m in messages] == ["req-2"]


async def test_a_missing_group_is_audit_unavailable(logs: Any) -> None:
    audit = CloudWatchLogsAudit(AwsSettings(region=REGION, audit_log_group="/no/such/group"), key=KEY, client=logs)
    with pytest.raises(AuditUnavailable, match="ResourceNotFoundException"):
        await audit.append(record(1))
    with pytest.raises(AuditUnavailable):
        await audit.ping()


async def test_a_down_endpoint_is_audit_unavailable_and_the_next_stream_starts_a_fresh_chain(
    logs: Any, moto_url: str
) -> None:
    audit = CloudWatchLogsAudit(settings(), key=KEY, client=logs_client(f"http://127.0.0.1:{free_port()}", retries=1))
    first_stream = audit.stream
    with pytest.raises(AuditUnavailable, match="CloudWatch Logs"):
        await audit.append(record(1))
    with pytest.raises(AuditUnavailable):
        await audit.ping()
    # After a failure the sink cannot know whether the event landed: it moves to a new stream.
    assert audit.stream != first_stream

    # Same sink state, working endpoint: the new stream verifies on its own.
    audit._client = logs  # the endpoint "comes back"
    await audit.append(record(2))
    await audit.append(record(3))
    messages = read_stream_messages(logs, GROUP, audit.stream)
    assert verify_chain(messages, KEY).ok and len(messages) == 2
    assert json.loads(messages[0])["seq"] == 1  # the fresh stream counts from 1 again


async def test_the_sink_config_builds_its_own_client_from_settings(moto_url: str, monkeypatch: Any) -> None:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    logs = logs_client(moto_url)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName="/company-mcp/own-client")
    aws = AwsSettings(region=REGION, audit_log_group="/company-mcp/own-client", logs_endpoint_url=moto_url)
    audit = CloudWatchLogsAudit(aws, key=KEY)
    await audit.append(record(1))
    assert len(read_stream_messages(logs, "/company-mcp/own-client", audit.stream)) == 1


def test_the_audit_key_comes_from_its_own_secret_or_from_the_cursor_key(moto_url: str) -> None:
    secrets = aws_client("secretsmanager", moto_url)
    arn = secrets.create_secret(Name="company-mcp/audit-key-test", SecretString="a" * 40)["ARN"]
    aws = AwsSettings(region=REGION, audit_key_secret_arn=arn, secrets_endpoint_url=moto_url)

    def read(secret_arn: str) -> str | bytes:
        return read_secret(secret_arn, region=REGION, client=secrets)

    own = aws_audit_key(aws, b"c" * 32, read=read)
    assert own.args_hmac({"x": 1}) == AuditKey(b"a" * 40).args_hmac({"x": 1})
    derived = aws_audit_key(AwsSettings(region=REGION), b"c" * 32)
    assert derived.args_hmac({"x": 1}) not in {own.args_hmac({"x": 1}), AuditKey(b"c" * 32).args_hmac({"x": 1})}
    short = secrets.create_secret(Name="company-mcp/audit-short", SecretString="tiny")["ARN"]
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        aws_audit_key(aws.model_copy(update={"audit_key_secret_arn": short}), b"c" * 32, read=read)
    with pytest.raises(ConfigError, match="cannot read the secret"):
        aws_audit_key(aws.model_copy(update={"audit_key_secret_arn": arn + "-missing"}), b"c" * 32, read=read)
