"""The graphql adapter's composition root: settings checked, ports built, the whole server over the stand-in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from mcp import Client

import adapters.graphql
from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.main import backend_deadline_s, build_graphql_runtime, check_graphql_url
from core.app import create_server
from core.config import Settings
from core.errors import ConfigError
from tests.adapters.graphql.fault_server import FaultServer
from tests.tooling import ok

pytestmark = pytest.mark.anyio


class NoopSigner:
    async def sign(self, request: httpx.Request) -> None:
        return None


def test_the_public_names() -> None:
    assert adapters.graphql.__all__ == [
        "GraphQLBackend",
        "RequestSigner",
        "TransientBackendError",
        "build_graphql_runtime",
        "check_graphql_url",
    ]


def test_no_cloud_sdk_is_imported() -> None:
    """Even transitively: the cloud-neutral adapter (and the server around it) loads no botocore/google/azure."""
    code = (
        "import sys, adapters.graphql, adapters.graphql.main, adapters.graphql.bearer, adapters.bootstrap\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'google', 'azure'))\n"
        "print(bad)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_the_url_is_required(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--graphql-url"):
        build_graphql_runtime(Settings(data_dir=tmp_path, adapter="graphql"))


@pytest.mark.parametrize(
    ("url", "signed", "problem"),
    [
        ("ftp://api.example/graphql", False, "http"),
        ("https:///graphql", False, "host"),
        ("https://user:secret@api.example/graphql", False, "credentials"),
        ("http://api.example/graphql", True, "https"),
    ],
)
def test_unsafe_urls_are_refused(url: str, signed: bool, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        check_graphql_url(url, signed=signed)


@pytest.mark.parametrize(
    ("url", "signed"),
    [("http://api.internal:8080/graphql", False), ("http://127.0.0.1:9/graphql", True), ("https://a.example/g", True)],
)
def test_usable_urls_pass(url: str, signed: bool) -> None:
    assert check_graphql_url(url, signed=signed) == url


def test_a_signer_insists_on_https(tmp_path: Path) -> None:
    """Every runtime signs (a cloud's signer, else the data dir's shared secret), so plain http is loopback only."""
    settings = Settings(data_dir=tmp_path, graphql_url="http://api.example/graphql")
    with pytest.raises(ConfigError, match="https"):
        build_graphql_runtime(settings)
    with pytest.raises(ConfigError, match="https"):
        build_graphql_runtime(settings, signer=NoopSigner())
    build_graphql_runtime(settings.model_copy(update={"graphql_url": "http://127.0.0.1:9/graphql"}))


@pytest.mark.parametrize(("call_timeout_s", "expected"), [(10.0, 8.0), (30.0, 8.0), (5.0, 4.0)])
def test_the_backend_deadline_stays_inside_the_calls(tmp_path: Path, call_timeout_s: float, expected: float) -> None:
    assert backend_deadline_s(Settings(data_dir=tmp_path, call_timeout_s=call_timeout_s)) == expected


async def test_the_runtime_probes_and_closes_the_api(api: FaultServer, tmp_path: Path) -> None:
    runtime = build_graphql_runtime(Settings(data_dir=tmp_path, graphql_url=api.url))
    assert isinstance(runtime.ports.backend, GraphQLBackend)
    assert set(runtime.readiness) == {"api", "flags", "audit", "rate_limits"}
    for probe in runtime.readiness.values():
        await probe()
    assert api.operations() == ["GetCompany"]  # readiness reads the store
    assert runtime.close is not None
    await runtime.close()


async def test_tools_through_the_server_page_with_the_apis_cursor(api: FaultServer, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, graphql_url=api.url, transport="stdio", adapter="graphql")
    runtime = build_graphql_runtime(settings)
    server = create_server(settings, runtime)
    try:
        async with Client(server) as client:
            first = ok(await client.call_tool("search_companies", {"query": "acme", "limit": 5}))
            assert first["items"][0]["id"] == "c_1" and first["next_cursor"]
            assert first["next_cursor"] != "o20"  # core signs the API's position into its own cursor
            again = {"query": "acme", "limit": 5, "cursor": first["next_cursor"]}
            ok(await client.call_tool("search_companies", again))
            company = ok(await client.call_tool("get_company", {"company_id": "c_1"}))
            assert company["website"] == "https://acme.example"
    finally:
        assert runtime.close is not None
        await runtime.close()
    sent = [s.document["variables"] for s in api.seen if s.operation == "SearchCompanies"]
    assert sent[0].get("cursor") is None and sent[1]["cursor"] == "o20"
