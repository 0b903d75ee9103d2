"""The client's token is never passed to a backend: only the verified principal's id goes down."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.bootstrap import build_runtime
from core.config import Settings
from tests.auth.issuer import LocalIssuer
from tests.support import ThreadedServer

RESOURCE = "https://mcp.example.test/mcp"


class RecordingBackend:
    """Wraps the real backend and keeps every argument it is given."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.seen: list[str] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        async def record(*args: Any, **kwargs: Any) -> Any:
            self.seen.append(repr((name, args, kwargs)))
            return await target(*args, **kwargs)

        return record


@pytest.mark.parametrize("tool", ["search_companies", "create_collection", "list_collections"])
def test_backend_never_sees_the_token(data_dir: Path, tool: str) -> None:
    with LocalIssuer(audience=RESOURCE) as issuer:
        settings = Settings(
            data_dir=data_dir, auth="oidc", oidc_issuer=issuer.url, resource_url=RESOURCE, allow_mutations=True
        )
        runtime = build_runtime(settings)
        recorder = RecordingBackend(runtime.ports.backend)
        runtime = dataclasses.replace(runtime, ports=dataclasses.replace(runtime.ports, backend=recorder))
        token = issuer.mint(scope="companies:read companies:write", sub="bob")
        arguments = {"create_collection": {"name": "Mine"}}.get(tool, {})
        with ThreadedServer(settings, runtime) as server:
            response = httpx.post(
                server.url + "/mcp",
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tools/call",
                    "params": {"name": tool, "arguments": arguments},
                },
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json, text/event-stream",
                    "Content-Type": "application/json",
                },
            )
    assert response.status_code == 200 and not response.json()["result"].get("isError"), response.text
    assert recorder.seen, "the backend was called"
    everything = "\n".join(recorder.seen)
    for part in token.split("."):
        assert part not in everything
    if tool != "search_companies":
        assert f"{issuer.url}|bob" in everything  # ownership uses the verified principal
