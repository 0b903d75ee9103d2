"""The Cloud Run images as this machine can check them without Docker: ``deploy/gcp/Dockerfile``'s facts, and
each image's command run as a process that sees only that image's packages.

The ``gcp/mcp`` and ``gcp/api`` rows of ``stacks/packages.py`` are built as the Dockerfile builds them
(``stacks/build_lambda.py``, here from the local wheel mirror for this interpreter's CPython) and unpacked
into a directory each; then the Dockerfile's ``CMD`` runs with ``PYTHONPATH`` set to that directory and
``-S`` (no site-packages), with the environment Cloud Run gives. Whatever a row leaves out and the
command still imports fails here.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from stacks import build_lambda
from stacks.packages import CLOUD_RUN, for_cloud, package
from tests.adapters.aws.aws_support import free_port
from tests.adapters.gcp.google_apis import SERVICE_ACCOUNT, GoogleApis
from tests.adapters.gcp.test_cloud_run import Process, cloud_run_env, mint_dev_token
from tests.support import PG_DSN, seeded_postgres_schema
from tests.tooling import call_every_tool, check_every_result

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "deploy" / "gcp" / "Dockerfile"
LOCAL_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
READY = re.compile(r"company-(mcp|api) ready [^\n]*")


def stages() -> dict[str, list[str]]:
    """Each ``FROM ... AS name`` stage's lines."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in DOCKERFILE.read_text().splitlines():
        match = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line)
        if match:
            current = match.group(1)
            found[current] = []
        elif current:
            found[current].append(line)
    return found


def command(target: str) -> list[str]:
    cmd = next(line for line in stages()[target] if line.startswith("CMD "))
    parsed: list[str] = json.loads(cmd.removeprefix("CMD "))
    return parsed


def test_the_dockerfile_is_pinned_non_root_and_builds_the_packages_rows() -> None:
    text = DOCKERFILE.read_text()
    base = re.search(r"ARG PYTHON_IMAGE=(\S+)", text)
    assert base is not None and re.fullmatch(r"python:3\.12\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base.group(1))
    assert "USER 10001:10001" in "\n".join(stages()["runtime"])
    assert "stacks/build_lambda.py --cloud gcp" in text
    assert command("mcp") == ["python", "-m", "adapters.gcp.cloud_run"]
    assert command("api") == ["python", "-m", "adapters.gcp.cloud_run_api"]
    assert [m.group(1) for m in re.finditer(r"FROM\s+\S+\s+AS\s+(\S+)", text)][-1] == "mcp"  # the default target
    for key, target in (("gcp/mcp", "mcp"), ("gcp/api", "api")):
        spec = package(key)
        assert spec.handler_module == command(target)[-1]
        assert f"/pkg/{target}" in "\n".join(stages()[target]) and spec.archive == f"{target}-cloudrun.zip"


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cloud-run")
    unpacked: dict[str, Path] = {}
    for spec in for_cloud("gcp"):
        built = build_lambda.build_package(spec, out=root / "dist", staging=root / "stage", python_version=LOCAL_PYTHON)
        assert built.zipped_bytes <= CLOUD_RUN.max_zipped_bytes and built.unzipped_bytes <= CLOUD_RUN.max_unzipped_bytes
        with zipfile.ZipFile(built.archive) as archive:
            archive.extractall(root / spec.name)
        unpacked[spec.name] = root / spec.name
    return unpacked


def test_each_image_ships_only_what_its_command_imports(images: dict[str, Path]) -> None:
    mcp = build_lambda.top_level_names(images["mcp"])
    assert {"mcp", "google", "requests", "uvicorn", "uvloop", "redis", "core", "adapters", "companydata"} <= mcp
    assert not mcp & {"psycopg", "psycopg_pool", "ariadne", "botocore", "mangum", "matplotlib", "cli", "stacks"}
    assert not (images["mcp"] / "adapters" / "aws").exists()
    assert not (images["mcp"] / "adapters" / "gcp" / "cloud_sql.py").exists()
    api = build_lambda.top_level_names(images["api"])
    assert {"psycopg", "psycopg_pool", "ariadne", "google", "uvicorn", "companydata"} <= api
    assert not api & {"redis", "botocore", "mangum", "matplotlib", "cli", "stacks"}
    # What runs on GCP imports from each image alone: the gcp composition root and google-auth's transport in the
    # MCP image; the PostgreSQL schema and seeding modules (the stack's seed job) and the IAM password in the API's.
    for name, code in (
        ("mcp", "import adapters.gcp.main, adapters.gcp.cloud_run, google.auth.transport.requests"),
        ("api", "import companydata.postgres_seed, companydata.postgres_schema, adapters.gcp.cloud_sql"),
    ):
        done = subprocess.run(
            [sys.executable, "-S", "-c", code],
            env={"PYTHONPATH": str(images[name]), "PYTHONNOUSERSITE": "1"},
            cwd=images[name].parent,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]


def run_image(image: Path, argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> Process:
    """The Dockerfile's CMD with ``PYTHONPATH=/app`` (here: the unpacked package) and no site-packages."""
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(image), "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    python, *rest = argv
    assert python == "python"
    handle = log.open("w+")
    process = subprocess.Popen(
        [sys.executable, "-S", *rest],
        cwd=cwd,
        env={**base, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=handle,
        text=True,
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


async def test_the_mcp_image_serves_the_nine_tools_from_its_package_alone(
    images: dict[str, Path], tmp_path: Path
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}/mcp"
    env = {
        **cloud_run_env(port, "company-mcp"),
        "COMPANY_MCP_ADAPTER": "fake",
        "COMPANY_MCP_AUTH": "dev",
        "COMPANY_MCP_RESOURCE_URL": public,
        "COMPANY_MCP_DATA_DIR": str(tmp_path / "data"),
        "COMPANY_MCP_SEED_COMPANIES": "2000",
        "COMPANY_MCP_DISCOVERY_DELAY_S": "0.2",
        "COMPANY_MCP_ALLOW_MUTATIONS": "true",
    }
    server = run_image(images["mcp"], command("mcp"), env, tmp_path / "mcp.log", tmp_path)
    try:
        token = mint_dev_token(tmp_path / "data", public)
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
            Client(streamable_http_client(public, http_client=http)) as client,
        ):
            check_every_result(await call_every_tool(client))
    finally:
        assert server.stop() in (0, -signal.SIGTERM)
    assert "Traceback" not in server.log.read_text()


@pytest.fixture
def apis() -> Iterator[GoogleApis]:
    stand_in = GoogleApis()
    with stand_in.server:
        yield stand_in


def test_the_api_image_serves_google_callers_over_postgresql_from_its_package_alone(
    images: dict[str, Path], apis: GoogleApis, tmp_path: Path
) -> None:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    host = apis.url.removeprefix("http://")
    with seeded_postgres_schema("gcp_image", 50) as schema:
        env = {
            **cloud_run_env(port, "company-api"),
            "GCE_METADATA_HOST": host,
            "GCE_METADATA_IP": host,
            "CLOUDSDK_CONFIG": str(tmp_path / "no-gcloud"),
            "COMPANY_API_DATABASE_URL": PG_DSN,
            "COMPANY_API_DB_SCHEMA": schema,
            "COMPANY_API_GOOGLE_AUDIENCE": origin,
            "COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS": SERVICE_ACCOUNT,
            "COMPANY_API_GOOGLE_JWKS_URL": f"{apis.url}/oauth2/v3/certs",
        }
        server = run_image(images["api"], command("api"), env, tmp_path / "api.log", tmp_path)
        try:
            assert "store=postgresql" in server.ready_line and "auth=google" in server.ready_line
            assert httpx.get(f"{origin}/readyz").status_code == 200
            query = {"query": "{ search_companies(limit: 2) { items { id name } } }"}
            headers = {"Authorization": f"Bearer {apis.id_token(origin)}", "X-Company-Principal": "alice"}
            answer = httpx.post(f"{origin}/graphql", json=query, headers=headers)
            assert answer.status_code == 200, answer.text
            assert len(answer.json()["data"]["search_companies"]["items"]) == 2
            assert httpx.post(f"{origin}/graphql", json=query).status_code == 401
        finally:
            assert server.stop() in (0, -signal.SIGTERM)
    assert apis.requests["metadata:token"] >= 1  # the database password: an access token (IAM database auth)
