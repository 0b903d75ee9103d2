"""``company-mcp call TOOL --arg k=v``: one tool call through the same guards, printed as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import anyio
from mcp import Client
from mcp.types import CallToolResult

from cli.options import settings_from
from core.errors import ConfigError


def parse_arg(item: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise ConfigError(f"--arg {item!r}: expected KEY=VALUE")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def _print_result(result: CallToolResult) -> int:
    if result.structured_content is not None:
        print(json.dumps(result.structured_content, indent=2))
    else:
        print("\n".join(getattr(block, "text", "") for block in result.content))
    return 1 if result.is_error else 0


async def _call_in_process(args: argparse.Namespace, arguments: dict[str, Any]) -> CallToolResult:
    from adapters.bootstrap import open_server

    settings = settings_from(args, transport="stdio")
    settings.check()
    async with open_server(settings) as server, Client(server) as client:
        return await client.call_tool(args.tool, arguments)


async def _call_remote(url: str, token: str | None, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        return await client.call_tool(tool, arguments)


def _innermost(exc: BaseException) -> BaseException:
    """Task groups wrap the real failure in exception groups; report the failure itself."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def call(args: argparse.Namespace) -> int:
    arguments = dict(parse_arg(item) for item in args.arg)
    from core.telemetry import configure_logging

    configure_logging("json")
    try:
        if args.url:
            result = anyio.run(_call_remote, args.url, args.token, args.tool, arguments)
        else:
            result = anyio.run(_call_in_process, args, arguments)
    except ConfigError:
        raise
    except Exception as exc:  # MCPError (unknown tool), connection failures: say it in one line
        cause = _innermost(exc)
        print(f"company-mcp: error: {type(cause).__name__}: {cause}", file=sys.stderr)
        return 2
    return _print_result(result)
