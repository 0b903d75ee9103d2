"""The Cloud Run entry commands as processes, with the environment Cloud Run gives (PORT, K_SERVICE, ...).

1. ``python -m adapters.gcp.cloud_run`` with the fake adapter (a trial of the image): the nine tools
   through the MCP SDK client over HTTP, and a clean exit on SIGTERM.
2. The whole GCP path on this machine: ``python -m adapters.gcp.cloud_run_api`` over PostgreSQL (its
   password from the metadata server, as IAM database auth), verifying the caller's Google ID token, and
   ``company-mcp serve --adapter gcp`` calling it with a Google ID token of its service account, with flags
   from Parameter Manager, audit to Cloud Logging and metrics to Cloud Monitoring: every Google API is the
   local stand-in of ``google_apis.py``, the metadata server included (``GCE_METADATA_HOST``), so google-auth
   finds its credentials exactly as on Cloud Run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from adapters.gcp.audit import audit_line
from core.audit_chain import AuditKey, verify_chain
from core.catalog import TOOL_NAMES, WRITE_TOOLS
from tests.adapters.aws.aws_support import free_port
from tests.adapters.gcp.google_apis import PARAMETER, PROJECT, SERVICE_ACCOUNT, GoogleApis
from tests.support import PG_DSN, seeded_postgres_schema
from tests.tooling import call_every_tool, check_every_result, error, ok

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]
READY = re.compile(r"company-(mcp|api) ready [^\n]*")
CURSOR_SECRET = "c" * 40
AUDIT_KEY = "a" * 40
CLIENT_ID = "1234-company-mcp.apps.googleusercontent.com"


@dataclass
class Process:
    process: subprocess.Popen[str]
    log: Path
    ready_line: str

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return self.process.returncode


def clean_env(**values: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("COMPANY_", "GOOGLE_", "GCE_", "K_"))}
    keep.pop("ALLOW_MUTATIONS", None)
    return {**keep, **values}


def launch(argv: list[str], env: dict[str, str], log: Path) -> Process:
    handle = log.open("w+")
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=handle, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = READY.search(log.read_text())
        if match:
            return Process(process, log, match.group(0))
        if process.poll() is not None:
            raise RuntimeError(f"{argv} exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{argv} did not become ready:\n{log.read_text()}")


def cloud_run_env(port: int, service: str) -> dict[str, str]:
    return {
        "PORT": str(port),
        "K_SERVICE": service,
        "K_REVISION": f"{service}-00001-abc",
        "K_CONFIGURATION": service,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
    }


def verify(url: str, token: str) -> str:
    """``company-mcp verify URL --expect-writes``: every promise of a deployment, checked from outside."""
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "verify", url, "--token", token, "--expect-writes"],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def mint_dev_token(data_dir: Path, url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "token", "--url", url, "--sub", "alice"],
        cwd=ROOT,
        env=clean_env(COMPANY_MCP_DATA_DIR=str(data_dir)),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


async def test_the_mcp_entry_serves_the_nine_tools_on_port_and_exits_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}/mcp"
    env = clean_env(
        **cloud_run_env(port, "company-mcp"),
        COMPANY_MCP_ADAPTER="fake",
        COMPANY_MCP_AUTH="dev",
        COMPANY_MCP_RESOURCE_URL=public,
        COMPANY_MCP_DATA_DIR=str(tmp_path),
        COMPANY_MCP_SEED_COMPANIES="2000",
        COMPANY_MCP_DISCOVERY_DELAY_S="0.2",
        COMPANY_MCP_ALLOW_MUTATIONS="true",
    )
    server = launch([sys.executable, "-m", "adapters.gcp.cloud_run"], env, tmp_path / "mcp.log")
    try:
        assert f"url=http://0.0.0.0:{port}/mcp" in server.ready_line
        assert "service=company-mcp revision=company-mcp-00001-abc" in server.ready_line
        token = mint_dev_token(tmp_path, public)
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
            Client(streamable_http_client(public, http_client=http)) as client,
        ):
            assert {tool.name for tool in (await client.list_tools()).tools} == set(TOOL_NAMES)
            check_every_result(await call_every_tool(client))
        async with httpx2.AsyncClient() as plain:
            assert (await plain.post(public, json={})).status_code == 401
        assert "all promises hold" in verify(public, token)
    finally:
        code = server.stop()
    assert code == 0  # drained: a SIGTERM stop is a normal end (core.serving.DrainingServer)
    assert "Traceback" not in server.log.read_text()


def test_the_mcp_entry_refuses_a_bad_port_or_configuration(tmp_path: Path) -> None:
    for extra in ({"PORT": "eighty"}, {"COMPANY_MCP_ADAPTER": "gcp", "COMPANY_MCP_AUTH": "dev"}):
        env = clean_env(**{**cloud_run_env(free_port(), "company-mcp"), **extra}, COMPANY_MCP_DATA_DIR=str(tmp_path))
        done = subprocess.run(
            [sys.executable, "-m", "adapters.gcp.cloud_run"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 2 and done.stderr.startswith("company-mcp: "), done.stderr
        assert "Traceback" not in done.stderr


# -- the GCP path -------------------------------------------------------------------------------------


@pytest.fixture
def apis() -> Iterator[GoogleApis]:
    stand_in = GoogleApis()
    with stand_in.server:
        yield stand_in


def metadata_env(apis: GoogleApis, tmp_path: Path) -> dict[str, str]:
    host = apis.url.removeprefix("http://")
    return {
        "GCE_METADATA_HOST": host,
        "GCE_METADATA_IP": host,
        "CLOUDSDK_CONFIG": str(tmp_path / "no-gcloud"),  # no developer credentials: the metadata server only
    }


@pytest.fixture
def api(apis: GoogleApis, tmp_path: Path) -> Iterator[tuple[Process, str]]:
    with seeded_postgres_schema("gcp_run", 300) as schema:
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        env = clean_env(
            **cloud_run_env(port, "company-api"),
            **metadata_env(apis, tmp_path),
            COMPANY_API_DATABASE_URL=PG_DSN,  # no password: IAM database auth, the token from the metadata server
            COMPANY_API_DB_SCHEMA=schema,
            COMPANY_API_AUTH="google",
            COMPANY_API_GOOGLE_AUDIENCE=origin,
            COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS=SERVICE_ACCOUNT,
            COMPANY_API_GOOGLE_JWKS_URL=f"{apis.url}/oauth2/v3/certs",
        )
        process = launch([sys.executable, "-m", "adapters.gcp.cloud_run_api"], env, tmp_path / "api.log")
        try:
            yield process, origin
        finally:
            process.stop()


async def test_the_api_entry_admits_only_the_allowed_service_accounts_token(
    apis: GoogleApis, api: tuple[Process, str]
) -> None:
    process, origin = api
    assert "auth=google" in process.ready_line
    query = {"query": "{ __typename }"}
    async with httpx2.AsyncClient() as http:
        answers = {}
        for name, token in {
            "none": None,
            "allowed": apis.id_token(origin),
            "other account": apis.id_token(origin, email="intruder@demo-project.iam.gserviceaccount.com"),
            "unverified email": apis.id_token(origin, email_verified=False),
            "other audience": apis.id_token("https://another-service.a.run.app"),
            "other issuer": apis.id_token(origin, iss="https://evil.example"),
        }.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            answers[name] = (await http.post(f"{origin}/graphql", json=query, headers=headers)).status_code
    assert answers == {
        "none": 401,
        "allowed": 200,
        "other account": 401,
        "unverified email": 401,
        "other audience": 401,
        "other issuer": 401,
    }


async def test_serve_adapter_gcp_runs_the_nine_tools_against_the_google_stand_ins(
    apis: GoogleApis, api: tuple[Process, str], tmp_path: Path
) -> None:
    _, origin = api
    apis.add_version({"mutations": False})
    apis.add_version({"mutations": True})
    user = "alice@example.com"
    env = clean_env(
        **metadata_env(apis, tmp_path),
        GOOGLE_CLOUD_PROJECT=PROJECT,
        K_SERVICE="company-mcp",
        K_REVISION="company-mcp-00001-abc",
        COMPANY_MCP_DATA_DIR=str(tmp_path / "data"),
        COMPANY_MCP_AUTH="oidc",
        COMPANY_MCP_OIDC_PROFILE="google",
        COMPANY_MCP_OIDC_ISSUER="https://accounts.google.com",
        COMPANY_MCP_OIDC_AUDIENCE=CLIENT_ID,
        COMPANY_MCP_OIDC_JWKS_URL=f"{apis.url}/oauth2/v3/certs",
        COMPANY_MCP_OIDC_CLAIM_SCOPES=json.dumps({f"email={user}": ["companies:read", "companies:write"]}),
        COMPANY_MCP_GRAPHQL_URL=f"{origin}/graphql",
        COMPANY_MCP_GCP_API_AUDIENCE=origin,
        COMPANY_MCP_GCP_FLAGS_PARAMETER=PARAMETER,
        COMPANY_MCP_GCP_FLAGS_REFRESH_S="0",
        COMPANY_MCP_GCP_PARAMETERMANAGER_URL=apis.url,
        COMPANY_MCP_GCP_LOGGING_URL=apis.url,
        COMPANY_MCP_GCP_MONITORING_URL=apis.url,
        COMPANY_MCP_GCP_AUDIT_KEY=AUDIT_KEY,
        COMPANY_MCP_CURSOR_SECRET=CURSOR_SECRET,
        COMPANY_MCP_DISCOVERY_DELAY_S="0.2",
    )
    log = tmp_path / "serve.log"
    server = launch([sys.executable, "-m", "cli.main", "serve", "--adapter", "gcp", "--port", "0"], env, log)
    try:
        assert "adapter=gcp auth=oidc" in server.ready_line
        url = re.search(r"url=(\S+)", server.ready_line).group(1)  # type: ignore[union-attr]
        token = apis.id_token(CLIENT_ID, email=user, sub="110169484474386276334", azp=CLIENT_ID)
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            check_every_result(await call_every_tool(client))
            apis.down["logging"] = 503
            refused = error(await client.call_tool("create_collection", {"name": "Not audited"}))
            assert refused["type"] == "unavailable"
            del apis.down["logging"]
            names = [c["name"] for c in ok(await client.call_tool("list_collections", {}))["items"]]
            assert names == ["Prospects"]
            apis.add_version({"mutations": False})
            blocked = error(await client.call_tool("create_collection", {"name": "Blocked"}))
            assert blocked["type"] == "mutations_disabled"
        async with httpx2.AsyncClient() as plain:
            ready = await plain.get(url.removesuffix("/mcp") + "/readyz")
            assert ready.status_code == 200, ready.text
        entries = list(apis.entries)  # before verify's own writes
        apis.add_version({"mutations": True})
        assert "readiness          PASS" in verify(url, token)
    finally:
        assert server.stop() in (0, -signal.SIGTERM)

    # Audit: each write's attempt and outcome, and the blocked one, chained and verifiable with the key.
    assert {e["labels"]["tool"] for e in entries} == set(WRITE_TOOLS)
    phases = [(e["labels"]["tool"], e["jsonPayload"]["phase"]) for e in entries]
    assert phases.count(("create_collection", "attempt")) == 1 and ("create_collection", "decision") in phases
    for chain in {e["labels"]["chain"] for e in apis.entries}:
        lines = [audit_line(e["jsonPayload"]) for e in apis.entries if e["labels"]["chain"] == chain]
        assert verify_chain(lines, AuditKey(AUDIT_KEY.encode())).ok
    assert all(e["jsonPayload"]["principal"] != user for e in entries)  # issuer|subject, not the email
    # Metrics: flushed at shut-down (the last flush), every tool counted on its own series.
    counted = {ts["metric"]["labels"]["tool"] for ts in apis.time_series if ts["metric"]["type"].endswith("/ToolCalls")}
    assert set(TOOL_NAMES) <= counted
    # Every credential came from the metadata server: the API's ID tokens (audience: the API) and access tokens.
    assert apis.requests[f"metadata:identity:{origin}"] >= 1
    assert apis.requests["metadata:token"] >= 1
    assert apis.requests["parametermanager"] > 0 and apis.requests["monitoring"] > 0
    assert "Traceback" not in log.read_text()
