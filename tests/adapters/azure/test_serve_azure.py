"""``company-mcp serve --adapter azure`` as a subprocess, configured as the stack configures the Function app, against
the local stand-ins (Entra-shaped issuer, managed-identity endpoint, App Configuration, ingestion, the company API)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.azure.audit import AUDIT_EVENT
from tests.adapters.azure.azure_support import AzureWorld
from tests.support import ServerProcess, start_server


@pytest.fixture
def server(world: AzureWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    settings: dict[str, Any] = {}
    for name, value in world.env().items():
        if name.startswith("COMPANY_MCP_"):
            settings[name.removeprefix("COMPANY_MCP_").lower()] = value
        else:  # Azure's own names (AZURE_CLIENT_ID, IDENTITY_*, APPLICATIONINSIGHTS_*), inherited by the process
            monkeypatch.setenv(name, value)
    settings.pop("adapter")
    settings.pop("data_dir")
    process = start_server(world.data_dir, "--adapter", "azure", **settings)
    yield process
    process.stop()


def call(server: ServerProcess, token: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        server.url,
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
        headers={"authorization": f"Bearer {token}", "accept": "application/json, text/event-stream"},
        timeout=20,
    )
    assert response.status_code == 200, response.text[:500]
    answer: dict[str, Any] = response.json()["result"]
    return answer


def test_serve_with_the_azure_adapter_against_the_stand_ins(server: ServerProcess, world: AzureWorld) -> None:
    assert "adapter=azure auth=oidc" in server.ready_line
    assert httpx.post(server.url, json={}, timeout=10).status_code == 401
    token = world.user_token()
    assert len(call(server, token, "tools/list", {})["tools"]) == 9
    found = call(server, token, "tools/call", {"name": "search_companies", "arguments": {"limit": 3}})
    assert found["isError"] is False and len(found["structuredContent"]["items"]) == 3

    world.appconfig.set_flag("mutations", True)  # flipped while the server runs
    created = call(server, token, "tools/call", {"name": "create_collection", "arguments": {"name": "Azure"}})
    assert created["structuredContent"]["created"] is True
    assert [e["phase"] for e in world.ingestion.events(AUDIT_EVENT)] == ["attempt", "outcome"]
    world.ingestion.fail = 500
    refused = call(server, token, "tools/call", {"name": "create_collection", "arguments": {"name": "Other"}})
    assert refused["structuredContent"]["error"]["type"] == "unavailable"
    world.ingestion.fail = None

    ready = httpx.get(server.base + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert all(line.startswith("{") or "company-mcp ready" in line for line in server.log_lines() if line.strip())
    assert token not in json.dumps(server.log_lines())
