"""Raw JSON-RPC tool calls for the two protocol revisions (no client library in the measured path)."""

from __future__ import annotations

import json
from typing import Any

LEGACY = "2025-11-25"
MODERN = "2026-07-28"
REVISIONS = (LEGACY, MODERN)
_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": {"name": "company-mcp-bench", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def call_body(tool: str, arguments: dict[str, Any], revision: str) -> bytes:
    params: dict[str, Any] = {"name": tool, "arguments": arguments}
    if revision == MODERN:
        params["_meta"] = _META
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}).encode()


def call_headers(tool: str, revision: str, token: str | None) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": revision,
    }
    if revision == MODERN:
        headers.update({"Mcp-Method": "tools/call", "Mcp-Name": tool})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def is_ok(payload: bytes) -> bool:
    body = json.loads(payload)
    result = body.get("result")
    return isinstance(result, dict) and not result.get("isError")
