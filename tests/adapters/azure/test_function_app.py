"""The MCP server's Functions entry, driven in-process with ``azure.functions.HttpRequest`` objects through the real
ASGI app, on the azure adapter: Entra-shaped tokens, the company API behind an Entra service check (tokens from a
local managed-identity endpoint, read by azure-identity itself), flags from App Configuration, metrics and audit to
Application Insights: every one a local stand-in speaking the real wire format."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import azure.functions as func
import pytest

from adapters.azure.audit import AUDIT_EVENT
from adapters.azure.config import AzureSettings
from adapters.azure.function_host import create_function_app
from adapters.azure.main import build_azure_runtime
from adapters.azure.metrics import TOOL_CALL_EVENT
from adapters.bootstrap import token_auth
from core.audit_chain import verify_chain
from core.config import Settings
from tests.adapters.azure.azure_support import API_CLIENT_ID, HOST, AzureWorld

COMPANY = "cmp_00000001"


class FunctionsHost:
    """Plays the Functions Python worker: one event loop for every invocation, the app's one HTTP function."""

    def __init__(self, app: func.AsgiFunctionApp, runtime: Any) -> None:
        self.app = app
        self.runtime = runtime
        self.loop = asyncio.new_event_loop()
        (function,) = app.get_functions()
        self.function = function.get_user_function()

    def post(self, body: Any, *, token: str | None = None, path: str = "/mcp") -> func.HttpResponse:
        headers = {
            "host": HOST,
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            **({"authorization": f"Bearer {token}"} if token else {}),
        }
        request = func.HttpRequest("POST", f"https://{HOST}{path}", headers=headers, body=json.dumps(body).encode())
        response: func.HttpResponse = self.loop.run_until_complete(self.function(request, None))
        return response

    def close(self) -> None:
        if self.app.startup_task_done:
            self.loop.run_until_complete(self.app.middleware.notify_shutdown())
            self.app.startup_task_done = False
        self.loop.close()


def rpc(method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}


def result(response: func.HttpResponse) -> dict[str, Any]:
    assert response.status_code == 200, response.get_body()[:500]
    answer: dict[str, Any] = json.loads(response.get_body())["result"]
    return answer


@pytest.fixture
def host(world: AzureWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[FunctionsHost]:
    env = world.env()
    for name in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_CLIENT_ID"):  # read by azure-identity itself
        monkeypatch.setenv(name, env[name])
    settings = Settings(
        adapter="azure",
        auth="oidc",
        oidc_profile="entra",
        oidc_issuer=world.tenant_issuer,
        oidc_audience=env["COMPANY_MCP_OIDC_AUDIENCE"],
        resource_url=f"https://{HOST}/mcp",
        graphql_url=env["COMPANY_MCP_GRAPHQL_URL"],
        cursor_secret=env["COMPANY_MCP_CURSOR_SECRET"],
        data_dir=world.data_dir,
        allowed_origins=f"https://{HOST}",
    )
    azure = AzureSettings(
        api_scope=env["COMPANY_MCP_AZURE_API_SCOPE"],
        client_id=env["AZURE_CLIENT_ID"],
        appconfig_connection_string=world.appconfig.connection_string,
        flags_refresh_s=0,
        applicationinsights_connection_string=world.ingestion.connection_string,
        monitor_auth="key",
        metrics_export_interval_s=3600,
    )
    runtime = dataclasses.replace(build_azure_runtime(settings, azure), token_auth=token_auth(settings))
    functions = FunctionsHost(create_function_app(settings, runtime), runtime)
    yield functions
    functions.close()


def test_without_a_token_the_function_answers_401(host: FunctionsHost, world: AzureWorld) -> None:
    response = host.post(rpc("tools/list"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    wrong_tenant = world.issuer.mint(iss=world.tenant_issuer, aud="someone-else", tid="other", scope="companies:read")
    assert host.post(rpc("tools/list"), token=wrong_tenant).status_code == 401


def test_nine_tools_listed_and_a_call_answered_through_the_entra_protected_api(
    host: FunctionsHost, world: AzureWorld
) -> None:
    token = world.user_token()
    tools = result(host.post(rpc("tools/list"), token=token))["tools"]
    assert len(tools) == 9
    answer = result(
        host.post(rpc("tools/call", {"name": "get_company", "arguments": {"company_id": COMPANY}}), token=token)
    )
    assert answer["isError"] is False and answer["structuredContent"]["id"] == COMPANY
    assert world.identity.resources == [f"api://{API_CLIENT_ID}"]  # the managed identity's token, asked for once
    host.loop.run_until_complete(asyncio.sleep(0))
    assert host.app.startup_task_done


def test_writes_follow_the_flags_and_the_audit_sink(host: FunctionsHost, world: AzureWorld) -> None:
    token = world.user_token()
    create = rpc("tools/call", {"name": "create_collection", "arguments": {"name": "Targets"}})
    refused = result(host.post(create, token=token))  # no flag yet: default deny
    assert refused["structuredContent"]["error"]["type"] == "mutations_disabled"

    world.appconfig.set_flag("mutations", False)
    world.appconfig.set_flag("mutations_create_collection", True)  # the per-tool flag wins
    created = result(host.post(create, token=token))
    assert created["isError"] is False and created["structuredContent"]["created"] is True
    events = world.ingestion.events(AUDIT_EVENT)
    assert [e["phase"] for e in events] == ["decision", "attempt", "outcome"]
    assert verify_chain([e["line"] for e in events], host_audit_key(host)).ok

    world.ingestion.fail = 503  # Application Insights refuses: the write is refused, nothing written
    second = rpc("tools/call", {"name": "create_collection", "arguments": {"name": "Other"}})
    assert result(host.post(second, token=token))["structuredContent"]["error"]["type"] == "unavailable"
    world.ingestion.fail = None

    world.appconfig.fail = 503  # App Configuration down: writes are denied
    blocked = result(host.post(second, token=token))["structuredContent"]["error"]
    assert (blocked["type"], blocked.get("reason")) == ("mutations_disabled", "flags_unavailable")
    world.appconfig.fail = None
    listed = result(host.post(rpc("tools/call", {"name": "list_collections", "arguments": {}}), token=token))
    assert [c["name"] for c in listed["structuredContent"]["items"]] == ["Targets"]

    metrics = host_metrics(host)
    assert metrics.flush(10)
    calls = world.ingestion.events(TOOL_CALL_EVENT)
    assert [e["blocked_write"] for e in calls if e["tool"] == "create_collection"].count("true") == 2
    assert any(p["name"] == "ToolCalls" for p in world.ingestion.metrics())


def host_audit_key(host: FunctionsHost) -> Any:
    return host_runtime(host).audit_key


def host_metrics(host: FunctionsHost) -> Any:
    return host_runtime(host).ports.metrics


def host_runtime(host: FunctionsHost) -> Any:
    return host.runtime
