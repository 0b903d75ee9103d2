"""Test support: server subprocesses, in-process clients, audit reading (imported by tests; no fixtures)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from adapters.bootstrap import build_runtime
from core.app import create_asgi_app
from core.config import Settings
from core.runtime import Runtime

SMALL_STORE_COMPANIES = 3_000
READY_RE = re.compile(r"company-mcp ready .* url=(?P<url>\S+)")
API_READY_RE = re.compile(r"company-api ready .* url=(?P<url>\S+)[^\n]*")
IN_CI = os.environ.get("CI") == "true"


def server_env(data_dir: Path, **settings: Any) -> dict[str, str]:
    """Environment for a server subprocess: every setting explicit, auth included."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANY_MCP_") and k != "ALLOW_MUTATIONS"}
    env.update(
        {"COMPANY_MCP_DATA_DIR": str(data_dir), "COMPANY_MCP_AUTH": "none", "COMPANY_MCP_DISCOVERY_DELAY_S": "0.5"}
    )
    for key, value in settings.items():
        if value is None:  # unset: the server's own default
            env.pop(f"COMPANY_MCP_{key.upper()}", None)
            continue
        env[f"COMPANY_MCP_{key.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    url: str
    ready_line: str
    stderr_path: Path

    @property
    def base(self) -> str:
        return self.url.removesuffix("/mcp")

    def log_lines(self) -> list[str]:
        return self.stderr_path.read_text().splitlines()

    def stop(self, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return self.process.wait()
        return self.process.returncode


def start_server(data_dir: Path, *extra_args: str, log_dir: Path | None = None, **settings: Any) -> ServerProcess:
    """Start ``company-mcp serve`` on a free port and wait for its startup line."""
    return _start(["serve", "--port", "0", *extra_args], READY_RE, data_dir, log_dir, settings)


def start_api(data_dir: Path, *extra_args: str, log_dir: Path | None = None, **settings: Any) -> ServerProcess:
    """Start ``company-mcp api`` (the reference GraphQL API) on a free port; ``url`` is its /graphql endpoint."""
    return _start(["api", "--port", "0", *extra_args], API_READY_RE, data_dir, log_dir, settings)


def _start(
    argv: list[str], ready: re.Pattern[str], data_dir: Path, log_dir: Path | None, settings: dict[str, Any]
) -> ServerProcess:
    name = "server" if argv[0] == "serve" else argv[0]
    log_path = (log_dir or data_dir) / f"{name}-{os.urandom(4).hex()}.log"
    handle = log_path.open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *argv],
        env=server_env(data_dir, **settings),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=handle,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log_path.read_text()
        match = ready.search(text)
        if match:
            return ServerProcess(process, match.group("url"), match.group(0), log_path)
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{name} did not become ready:\n{log_path.read_text()}")


def build_in_process(data_dir: Path, **settings: Any):  # type: ignore[no-untyped-def]
    from core.app import create_server

    config = Settings(**{"data_dir": data_dir, "transport": "stdio", "discovery_delay_s": 0.5, **settings})
    runtime = build_runtime(config)
    return create_server(config, runtime), runtime


@asynccontextmanager
async def in_process_client(data_dir: Path, **settings: Any) -> AsyncIterator[Any]:
    from mcp import Client

    server, runtime = build_in_process(data_dir, **settings)
    async with runtime, Client(server) as client:
        yield client


def audit_records(data_dir: Path) -> list[dict[str, Any]]:
    import json

    path = data_dir / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


class ThreadedServer:
    """Any ASGI app under a real uvicorn on a free loopback port, in a background thread."""

    def __init__(self, settings: Settings | None = None, runtime: Runtime | None = None, *, app: Any = None) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.sock = sock
        if app is None:
            assert settings is not None
            settings = settings.model_copy(update={"port": self.port})
            app = create_asgi_app(settings, runtime or build_runtime(settings))
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on", timeout_graceful_shutdown=10))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)


PG_DSN = os.environ.get("COMPANY_MCP_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def require_postgres() -> str:
    """The local PostgreSQL's DSN; a test needing it skips when it does not answer, and fails then in CI."""
    import psycopg
    import pytest

    try:
        psycopg.connect(PG_DSN, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    return PG_DSN


@contextmanager
def seeded_postgres_schema(prefix: str, companies: int) -> Iterator[str]:
    """A schema of the caller's own, seeded with the same deterministic companies; dropped afterwards."""
    import uuid

    import psycopg

    from companydata.postgres_schema import drop_schema
    from companydata.postgres_seed import seed_postgres

    dsn = require_postgres()
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        seed_postgres(dsn, companies, schema=schema, progress=False)
        yield schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            drop_schema(conn, schema)
