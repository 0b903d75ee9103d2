"""Helpers for tests that drive the nine tools through a real MCP client."""

from __future__ import annotations

from typing import Any

from mcp.types import CallToolResult

from core.catalog import READ_TOOLS, WRITE_TOOLS

__all__ = ["READ_TOOLS", "WRITE_TOOLS", "call_every_tool", "error", "ok"]


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.structured_content or result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def error(result: CallToolResult) -> dict[str, Any]:
    assert result.is_error, result.structured_content
    assert isinstance(result.structured_content, dict), result.content
    body = result.structured_content["error"]
    assert isinstance(body, dict) and {"type", "message"} <= set(body)
    return body


async def call_every_tool(client: Any) -> dict[str, dict[str, Any]]:
    """Call all nine tools with valid arguments (writes must be allowed); return each result."""
    results: dict[str, dict[str, Any]] = {}
    search = ok(await client.call_tool("search_companies", {"query": "software", "limit": 5}))
    results["search_companies"] = search
    company_id = search["items"][0]["id"]
    results["get_company"] = ok(await client.call_tool("get_company", {"company_id": company_id}))
    results["ai_search"] = ok(
        await client.call_tool("ai_search", {"prompt": "software companies in Germany", "limit": 3})
    )
    created = ok(await client.call_tool("create_collection", {"name": "Prospects", "description": "from tests"}))
    results["create_collection"] = created
    collection_id = created["collection"]["id"]
    results["add_to_collection"] = ok(
        await client.call_tool("add_to_collection", {"collection_id": collection_id, "company_ids": [company_id]})
    )
    results["list_collections"] = ok(await client.call_tool("list_collections", {}))
    results["get_collection"] = ok(await client.call_tool("get_collection", {"collection_id": collection_id}))
    requested = ok(await client.call_tool("request_email_discovery", {"company_id": company_id, "roles": ["cfo"]}))
    results["request_email_discovery"] = requested
    results["get_email_discovery"] = ok(
        await client.call_tool("get_email_discovery", {"request_id": requested["request_id"]})
    )
    return results


def check_every_result(results: dict[str, dict[str, Any]]) -> None:
    """What a user would check: the results hang together."""
    company = results["get_company"]
    assert company["id"] == results["search_companies"]["items"][0]["id"]
    assert {"description", "website", "tags", "updated_at"} <= set(company)
    assert results["ai_search"]["understood"]["country"] == "DE"
    assert results["ai_search"]["quota"]["limit"] == 5
    assert results["create_collection"]["created"] is True
    assert results["add_to_collection"]["added"] == [company["id"]]
    assert results["list_collections"]["items"][0]["name"] == "Prospects"
    assert results["get_collection"]["items"][0]["id"] == company["id"]
    assert results["get_collection"]["collection"]["size"] == 1
    assert results["request_email_discovery"]["created"] is True
    assert results["get_email_discovery"]["company_id"] == company["id"]
    assert results["get_email_discovery"]["status"] in {"pending", "completed"}
