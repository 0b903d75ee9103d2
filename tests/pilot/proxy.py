"""A small HTTP proxy in front of an MCP server that changes one field of one tool's answers.

It forwards every request as is and, for a ``tools/call`` of ``tool``, rewrites the JSON-RPC
response: ``change(structured)`` edits the structured content, and the text content is
rewritten to the same JSON, so the answer stays self-consistent (a subtle divergence).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_HOP = {"host", "content-length", "connection", "transfer-encoding", "content-encoding", "keep-alive"}


class RewritingProxy:
    def __init__(self, upstream: str, tool: str, change: Callable[[dict[str, Any]], None]) -> None:
        self.upstream = upstream.rstrip("/")
        self.tool = tool
        self.change = change
        self.rewritten = 0
        self._client: httpx.AsyncClient | None = None  # lives in the proxy's own event loop (its lifespan)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.sock = sock
        self.port = sock.getsockname()[1]
        routes = [Route("/{path:path}", self._forward, methods=["GET", "POST", "DELETE"])]
        app = Starlette(routes=routes, lifespan=self._lifespan)
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def url(self, path: str = "/mcp") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _forward(self, request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        assert self._client is not None
        upstream = await self._client.request(
            request.method, self.upstream + request.url.path, params=request.query_params, content=body, headers=headers
        )
        content = upstream.content
        if request.method == "POST" and upstream.headers.get("content-type", "").startswith("application/json"):
            content = self._rewrite(body, content)
        out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP}
        return Response(content, status_code=upstream.status_code, headers=out_headers)

    @asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=30) as client:
            self._client = client
            yield

    def _rewrite(self, request_body: bytes, content: bytes) -> bytes:
        try:
            request, response = json.loads(request_body), json.loads(content)
        except ValueError:
            return content
        params = request.get("params") if isinstance(request, dict) else None
        if not isinstance(params, dict) or request.get("method") != "tools/call" or params.get("name") != self.tool:
            return content
        result = response.get("result") if isinstance(response, dict) else None
        if not isinstance(result, dict) or result.get("isError"):
            return content
        structured = result.get("structuredContent")
        if not isinstance(structured, dict):
            return content
        self.change(structured)
        result["content"] = [{"type": "text", "text": json.dumps(structured)}]
        self.rewritten += 1
        return json.dumps(response).encode()

    def __enter__(self) -> RewritingProxy:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "proxy did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)
