"""What a pilot talks to: an MCP URL, or a server built in-process (``local:fake``, ``local:graphql=URL``).

Every target is driven through the SDK client (``mcp.Client``), so a local target
goes through exactly the guards a deployed one does. A call's answer is reduced to
a ``CallOutcome``: the structured result (or the JSON text when there is none),
the typed error if any, and whether the text content says the same as the
structured content.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult

from core.errors import ConfigError
from pilot.errors import PilotUsageError
from pilot.options import DEFAULT_TIMEOUT_S

TargetKind = Literal["url", "local_fake", "local_graphql"]
OutcomeKind = Literal["ok", "error", "exception"]


@dataclass(frozen=True, slots=True)
class TargetSpec:
    raw: str
    kind: TargetKind
    url: str | None = None  # the MCP URL, or the GraphQL API for local:graphql

    @property
    def label(self) -> str:
        return self.raw


def parse_target(text: str) -> TargetSpec:
    """``https://host/mcp``, ``local:fake`` or ``local:graphql=URL``."""
    value = text.strip()
    if value == "local:fake":
        return TargetSpec(value, "local_fake")
    if value.startswith("local:graphql="):
        url = value.removeprefix("local:graphql=")
        _check_http_url(url, f"target {value!r}")
        return TargetSpec(value, "local_graphql", url)
    if value.startswith(("http://", "https://")):
        _check_http_url(value, f"target {value!r}")
        return TargetSpec(value, "url", value)
    raise PilotUsageError(f"target {text!r}: expected an MCP URL (http[s]://...), local:fake or local:graphql=URL")


def _check_http_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PilotUsageError(f"{what}: {url!r} is not an http(s) URL with a host")


@dataclass(frozen=True, slots=True)
class CallOutcome:
    kind: OutcomeKind
    result: Any  # structured content, else the text parsed as JSON, else None
    error_type: str | None
    text_agrees: bool  # the text content is the same JSON as the structured content
    duration_ms: float


def outcome_of(result: CallToolResult, duration_ms: float) -> CallOutcome:
    text = "".join(getattr(block, "text", "") for block in result.content)
    try:
        parsed: Any = json.loads(text) if text else None
    except ValueError:
        parsed = text
    structured = result.structured_content
    body = structured if structured is not None else parsed
    agrees = structured is None or parsed == structured
    if not result.is_error:
        return CallOutcome("ok", body, None, agrees, duration_ms)
    error = body.get("error") if isinstance(body, dict) else None
    error_type = error.get("type") if isinstance(error, dict) and isinstance(error.get("type"), str) else None
    return CallOutcome("error", body, error_type or "untyped_error", agrees, duration_ms)


def innermost(exc: BaseException) -> BaseException:
    """Task groups wrap the real failure in exception groups; report the failure itself."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


class TargetSession:
    """One connected client; ``call`` never raises for a failed call, it reports it."""

    def __init__(self, client: Client, timeout_s: float) -> None:
        self._client = client
        self._timeout_s = timeout_s

    async def list_tools(self) -> list[dict[str, Any]]:
        listing = await self._client.list_tools()
        return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listing.tools]

    async def call(self, tool: str, arguments: dict[str, Any]) -> CallOutcome:
        started = time.perf_counter()
        try:
            with anyio.fail_after(self._timeout_s):
                result = await self._client.call_tool(tool, arguments)
        except TimeoutError:
            return _failure("client_timeout", started)
        except MCPError as exc:
            return _failure("protocol_error", started, str(exc))
        except Exception as exc:  # connection faults and the like: the call failed, the pilot goes on
            return _failure("transport_error", started, type(innermost(exc)).__name__)
        return outcome_of(result, (time.perf_counter() - started) * 1000)


def _failure(kind: str, started: float, detail: str | None = None) -> CallOutcome:
    elapsed = (time.perf_counter() - started) * 1000
    return CallOutcome("exception", {"exception": kind, "detail": detail}, kind, True, elapsed)


@asynccontextmanager
async def open_target(
    spec: TargetSpec, token: str | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> AsyncIterator[TargetSession]:
    if spec.kind == "url":
        async with _remote(spec.url or "", token, timeout_s) as session:
            yield session
        return
    async with _local(spec, timeout_s) as session:
        yield session


@asynccontextmanager
async def _remote(url: str, token: str | None, timeout_s: float) -> AsyncIterator[TargetSession]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout_s) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield TargetSession(client, timeout_s)


@asynccontextmanager
async def _local(spec: TargetSpec, timeout_s: float) -> AsyncIterator[TargetSession]:
    """The server of ``company-mcp call``: the data dir from COMPANY_MCP_DATA_DIR, the local user as caller."""
    from adapters.bootstrap import build_runtime
    from core.app import create_server
    from core.config import Settings

    if spec.kind == "local_fake":
        settings = Settings(transport="stdio", adapter="fake")
    else:
        settings = Settings(transport="stdio", adapter="graphql", graphql_url=spec.url)
    settings.check()
    try:
        runtime = build_runtime(settings)
    except ConfigError as exc:
        raise PilotUsageError(f"target {spec.label}: {exc.message}") from None
    async with runtime, Client(create_server(settings, runtime)) as client:
        yield TargetSession(client, timeout_s)
