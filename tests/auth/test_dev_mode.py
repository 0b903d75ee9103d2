"""Local HTTP with dev tokens: the default on HTTP, verified through the same OIDC path over real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support import server_env, start_server
from tests.tooling import ok

pytestmark = pytest.mark.anyio


def mint(data_dir: Path, url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "token", "--url", url, *args],
        env=server_env(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


async def test_http_defaults_to_dev_tokens_and_the_token_command_mints_them(data_dir: Path) -> None:
    server = start_server(data_dir, auth=None)  # unset: the default for HTTP
    try:
        assert " auth=dev " in server.ready_line
        async with httpx.AsyncClient() as plain:
            discovery = (await plain.get(server.base + "/.well-known/openid-configuration")).json()
            assert discovery["issuer"] == server.base and discovery["jwks_uri"].startswith(server.base)
            assert (await plain.post(server.url, json={})).status_code == 401
        token = mint(data_dir, server.url, "--sub", "alice", "--scopes", "companies:read", "--ttl", "1h")
        import httpx2

        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
            Client(streamable_http_client(server.url, http_client=http)) as client,
        ):
            tools = (await client.list_tools()).tools
            assert len(tools) == 6  # read scope only
            ok(await client.call_tool("search_companies", {"limit": 1}))
    finally:
        server.stop()
    assert '"principal": "' + server.base + '|alice"' in "\n".join(server.log_lines())


def test_token_command_rejects_bad_options(data_dir: Path) -> None:
    for args in (["--scopes", "admin"], ["--ttl", "forever"], ["--url", "ftp://x"]):
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "token", *args],
            env=server_env(data_dir),
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr


async def test_dev_mode_verifies_with_the_keys_it_holds_without_fetching_its_own_jwks(data_dir: Path) -> None:
    """Nothing listens at the issuer's URL: a fetch of its JWKS would fail, so acceptance proves none is made."""
    from adapters.bootstrap import token_auth
    from adapters.fake.dev_issuer import DevIssuer
    from core.config import Settings

    with socket.socket() as probe:  # a port with no server behind it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(data_dir=data_dir, auth="dev", port=port)
    auth = token_auth(settings)
    assert auth is not None and auth.issuer == f"http://127.0.0.1:{port}"
    token = DevIssuer(data_dir).mint(auth.issuer, settings.public_url, "alice", ["companies:read"], 3600)
    access = await auth.verifier.verify_token(token)
    assert access is not None and access.subject == "alice" and access.scopes == ["companies:read"]
    forged = DevIssuer(data_dir / "other").mint(auth.issuer, settings.public_url, "alice", ["companies:read"], 3600)
    assert await auth.verifier.verify_token(forged) is None  # another key: refused, still without a fetch
