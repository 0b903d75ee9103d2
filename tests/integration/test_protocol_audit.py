"""Write calls the SDK refuses before any tool runs are audited too: one ``blocked`` record each.

The app is assembled here as a served process is (dev tokens verified over real HTTP, the bearer gate,
then ``ProtocolAudit``), under uvicorn on loopback; requests are raw JSON-RPC over httpx.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.shared.inbound import CLIENT_CAPABILITIES_META_KEY, PROTOCOL_VERSION_META_KEY
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from adapters.bootstrap import build_runtime
from adapters.fake.dev_issuer import DevIssuer
from core.app import create_asgi_app
from core.auth.settings import dev_oidc_config
from core.config import Settings
from tests.support import ThreadedServer, audit_records

pytestmark = pytest.mark.anyio

MODERN = "2026-07-28"
META = {PROTOCOL_VERSION_META_KEY: MODERN, CLIENT_CAPABILITIES_META_KEY: {}}
JSON_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


class AppAfterPort:
    """The app is assembled once the port is known (the dev issuer's URL names it)."""

    app: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def assemble(settings: Settings) -> Starlette:
    """The real served app (the composition root's runtime, core's ASGI app): the middleware is wired there."""
    return create_asgi_app(settings, build_runtime(settings))


class Served:
    def __init__(self, server: ThreadedServer, settings: Settings) -> None:
        self.url = server.url + "/mcp"
        self.data_dir = settings.data_dir
        dev = DevIssuer(settings.data_dir)
        issuer = dev_oidc_config(settings).issuer
        scopes = ["companies:read", "companies:write"]
        self.token = dev.mint(issuer, settings.public_url, "alice", scopes, 3600)
        self.principal = f"{issuer}|alice"

    async def post(self, body: object, *, auth: bool = True, **headers: str) -> httpx.Response:
        sent = {**JSON_HEADERS, **headers}
        if auth:
            sent["Authorization"] = f"Bearer {self.token}"
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        with anyio.fail_after(10):
            async with httpx.AsyncClient() as http:
                return await http.post(self.url, content=content, headers=sent)

    def records(self) -> list[dict[str, Any]]:
        return audit_records(self.data_dir)


@pytest.fixture
def served(data_dir: Path) -> Iterator[Served]:
    late = AppAfterPort()
    server = ThreadedServer(app=late)
    settings = Settings(data_dir=data_dir, transport="http", auth="dev", port=server.port, max_body_bytes=64 * 1024)
    late.app = assemble(settings)
    with server:
        yield Served(server, settings)


def call(name: str, arguments: object = None, *, meta: object = None, **params: object) -> dict[str, Any]:
    body_params: dict[str, Any] = {"name": name, **params}
    if arguments is not None:
        body_params["arguments"] = arguments
    if meta is not None:
        body_params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": body_params}


def modern_headers(name: str) -> dict[str, str]:
    return {"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call", "Mcp-Name": name}


def refused(response: httpx.Response) -> bool:
    """The SDK answered with an error, not with a tool result."""
    if response.status_code >= 400:
        return True
    body = response.json()
    return "error" in body and "result" not in body


MALFORMED = {
    "arguments as a string": (call("create_collection", "name=Leads"), {}),
    "arguments as a list": (call("add_to_collection", ["col_1", ["cmp_00000001"]]), {}),
    "arguments as a number": (call("request_email_discovery", 5), {}),
    "_meta a string": (call("create_collection", {"name": "Leads"}, meta="x"), {}),
    "modern: _meta missing": (call("create_collection", {"name": "Leads"}), modern_headers("create_collection")),
    "modern: header names a read tool": (
        call("create_collection", {"name": "Leads"}, meta=META),
        modern_headers("get_company"),
    ),
    "modern: header names the write, body a read": (
        call("get_company", {"company_id": "cmp_00000001"}, meta=META),
        modern_headers("create_collection"),
    ),
    "modern: protocol version header disagrees": (
        call("create_collection", {"name": "Leads"}, meta={**META, PROTOCOL_VERSION_META_KEY: "2099-01-01"}),
        modern_headers("create_collection"),
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_malformed_write_call_leaves_exactly_one_blocked_record(served: Served, case: str) -> None:
    body, headers = MALFORMED[case]
    response = await served.post(body, **headers)
    assert refused(response), response.text
    records = served.records()
    assert len(records) == 1, records
    record = records[0]
    assert (record["decision"], record["reason"], record["phase"]) == ("blocked", "protocol_rejected", "decision")
    assert record["tool"] in {"create_collection", "add_to_collection", "request_email_discovery"}
    assert record["principal"] == served.principal
    assert "Leads" not in json.dumps(record)  # only the keyed digest of the arguments


async def test_the_digest_covers_the_arguments_whatever_their_shape(served: Served) -> None:
    for arguments in ("name=Leads", "name=Leads", "name=Other"):
        await served.post(call("create_collection", arguments))
    first, second, third = (record["args_hmac"] for record in served.records())
    assert first == second != third


async def test_a_batch_of_write_calls_leaves_one_record_per_call(served: Served) -> None:
    batch = [call("create_collection", {"name": "A"}), call("request_email_discovery", {"company_id": "cmp_1"})]
    response = await served.post(batch)
    assert response.status_code >= 400 or refused(response)
    assert sorted(record["tool"] for record in served.records()) == ["create_collection", "request_email_discovery"]
    assert {record["reason"] for record in served.records()} == {"protocol_rejected"}


async def test_a_write_call_that_is_not_json_rpc_json_is_recorded_from_its_headers(served: Served) -> None:
    response = await served.post(b"{not json", **modern_headers("create_collection"))
    assert response.status_code >= 400 or refused(response)
    assert [(r["tool"], r["reason"]) for r in served.records()] == [("create_collection", "protocol_rejected")]


async def test_a_well_formed_write_call_is_audited_once_by_the_guards(served: Served) -> None:
    response = await served.post(call("create_collection", {"name": "Leads"}))
    assert response.status_code == 200 and "result" in response.json()
    records = served.records()
    assert [(r["decision"], r["reason"]) for r in records] == [
        ("blocked", "mutations_disabled:setting:allow_mutations")
    ]


async def test_a_well_formed_modern_write_call_is_audited_once_by_the_guards(served: Served) -> None:
    response = await served.post(
        call("create_collection", {"name": "Leads"}, meta=META), **modern_headers("create_collection")
    )
    assert response.status_code == 200 and "result" in response.json(), response.text
    assert [r["reason"] for r in served.records()] == ["mutations_disabled:setting:allow_mutations"]


async def test_read_calls_well_formed_or_not_leave_no_record(served: Served) -> None:
    assert not refused(await served.post(call("get_company", {"company_id": "cmp_00000001"})))
    assert refused(await served.post(call("get_company", "cmp_00000001")))
    assert refused(await served.post(call("get_company", {"company_id": "x"}, meta="x")))
    assert served.records() == []


async def test_unauthenticated_write_attempts_leave_no_record(served: Served) -> None:
    for body, headers in MALFORMED.values():
        assert (await served.post(body, auth=False, **headers)).status_code == 401
    assert served.records() == []


async def test_a_write_call_sent_as_a_notification_is_recorded(served: Served) -> None:
    body = call("create_collection", {"name": "Leads"})
    del body["id"]  # no id: the SDK accepts it (202) and never runs a tool for it
    response = await served.post(body)
    assert response.status_code == 202
    assert [(r["tool"], r["reason"]) for r in served.records()] == [("create_collection", "protocol_rejected")]


async def test_the_served_app_audits_refused_write_calls_of_the_local_user(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, transport="http", auth="none")
    with ThreadedServer(settings) as server:
        async with httpx.AsyncClient() as http:
            with anyio.fail_after(10):
                response = await http.post(
                    server.url + "/mcp", content=json.dumps(call("create_collection", "x")), headers=JSON_HEADERS
                )
    assert refused(response)
    records = audit_records(data_dir)
    assert [(r["tool"], r["reason"], r["principal"].startswith("local|")) for r in records] == [
        ("create_collection", "protocol_rejected", True)
    ]


async def test_escaped_or_encoded_tool_names_do_not_slip_past(served: Served) -> None:
    escaped = (
        b'{"jsonrpc":"2.0","id":1,"method":"tools/\\u0063all",'
        b'"params":{"name":"\\u0063reate_collection","arguments":"x"}}'
    )
    assert refused(await served.post(escaped))
    encoded = "=?base64?" + base64.b64encode(b"create_collection").decode() + "?="
    body = call("get_company", {"company_id": "cmp_00000001"}, meta=META)
    assert refused(await served.post(body, **{**modern_headers("x"), "Mcp-Name": encoded}))
    assert [r["tool"] for r in served.records()] == ["create_collection", "create_collection"]
