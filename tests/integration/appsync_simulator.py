"""Start the AppSync simulator (tools/appsync/simulate.mjs) with the stack's own API configuration.

The configuration is read from the Pulumi program itself, run under Pulumi's mocks: the GraphQL API
(schema, authentication type), the Lambda data source and the nine resolvers (kind, runtime, code, with the
deployment's origin proof) and the resolver function's environment (its origin-proof digest and allowed
callers). Only the database is local: the function reads PostgreSQL at ``database_url`` instead of the
cluster's secret. The simulator's IAM identities stand for the MCP server's role session (``MCP_ACCESS_KEY``)
and for another principal of the account (any other access key).
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.stacks.conftest import build_stack, function_env, make_config, plain
from tests.stacks.mocks import ACCOUNT

REPO = Path(__file__).resolve().parents[2]
TOOLS_DIR = REPO / "tools" / "appsync"
MCP_ACCESS_KEY = "AKIDMCPSERVERROLE"
# What AppSync puts in identity.userArn for the MCP function's role session (Lambda names the session after
# the function), and for anyone else in the account.
MCP_ROLE_SESSION = "assumed-role/company-mcp-dev-mcp/company-mcp-dev-mcp"
OTHER_PRINCIPAL = "assumed-role/company-mcp-dev-jwks-mirror/company-mcp-dev-jwks-mirror"
RESOLVER_FUNCTION = "api-resolver"
START_TIMEOUT_S = 60


def installed() -> bool:
    return (TOOLS_DIR / "node_modules" / "@aws-amplify" / "amplify-appsync-simulator" / "package.json").is_file()


def stack_api_config(work_dir: Path) -> dict[str, Any]:
    """The API, data source, resolvers and resolver-function environment the Pulumi program declares."""
    zips = (work_dir / "mcp-lambda.zip", work_dir / "resolver-lambda.zip")
    for path in zips:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("placeholder.py", "")
    loop = asyncio.new_event_loop()  # Pulumi's mock runtime drives the thread's current loop
    asyncio.set_event_loop(loop)
    try:
        deployment = build_stack(make_config(zips))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    api = plain(deployment.mocks.one("aws:appsync/graphQLApi:GraphQLApi").inputs)
    source = plain(deployment.mocks.one("aws:appsync/dataSource:DataSource").inputs)
    resolvers = [plain(d.inputs) for d in deployment.mocks.of_type("aws:appsync/resolver:Resolver")]
    return {
        "api": {
            "name": api["name"],
            "authenticationType": api["authenticationType"],
            "additionalAuthenticationProviders": api.get("additionalAuthenticationProviders") or [],
            "schema": api["schema"],
        },
        "dataSources": [{"name": source["name"], "type": source["type"]}],
        "resolvers": [
            {
                "typeName": r["type"],
                "fieldName": r["field"],
                "kind": r["kind"],
                "dataSource": r["dataSource"],
                "runtime": r["runtime"],
                "code": r["code"],
            }
            for r in resolvers
        ],
        "functionEnv": function_env(deployment, RESOLVER_FUNCTION),
    }


@dataclass
class Simulator:
    url: str
    config: dict[str, Any]
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _first_line(process: subprocess.Popen[str]) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.put(process.stdout.readline() if process.stdout else ""), daemon=True).start()
    try:
        return lines.get(timeout=START_TIMEOUT_S)
    except queue.Empty:
        return ""


def write_config(
    work_dir: Path, *, database_url: str, db_schema: str, sdl: str | None = None, code: str | None = None
) -> tuple[Path, dict[str, Any]]:
    """The driver's configuration from the stack; ``sdl`` / ``code`` replace the stack's schema / resolver code
    (to show what AppSync does with what the stack would refuse)."""
    stack = stack_api_config(work_dir)
    if sdl is not None:
        stack["api"]["schema"] = sdl
    if code is not None:
        stack["resolvers"] = [{**r, "code": code} for r in stack["resolvers"]]
    stack_env = stack.pop("functionEnv")
    # The function's own configuration from the stack, with the local database instead of the cluster's secret.
    function_env = {k: v for k, v in stack_env.items() if not k.startswith("COMPANY_API_DB_")}
    function_env.update(COMPANY_API_DATABASE_URL=database_url, COMPANY_API_DB_SCHEMA=db_schema)
    config = {
        **stack,
        "api": {
            **stack["api"],
            "accountId": ACCOUNT,
            "authRoleName": MCP_ROLE_SESSION,
            "unAuthRoleName": OTHER_PRINCIPAL,
            "authAccessKeyId": MCP_ACCESS_KEY,
        },
        "lambda": {
            "command": [sys.executable, str(TOOLS_DIR / "lambda_host.py")],
            "cwd": str(REPO),
            "env": {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), **function_env},
        },
    }
    config_path = work_dir / "simulator.json"
    config_path.write_text(json.dumps(config))
    return config_path, config


@contextmanager
def running_simulator(
    work_dir: Path, *, database_url: str, db_schema: str, sdl: str | None = None
) -> Iterator[Simulator]:
    config_path, config = write_config(work_dir, database_url=database_url, db_schema=db_schema, sdl=sdl)
    log_path = work_dir / "simulator.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["node", str(TOOLS_DIR / "simulate.mjs"), str(config_path)],
            cwd=TOOLS_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        line = _first_line(process)
        if not line:
            process.kill()
            raise AssertionError(f"the simulator did not start:\n{log_path.read_text(errors='replace')}")
        yield Simulator(json.loads(line)["url"], config, process, log_path)
    finally:
        if process.stdin is not None:
            process.stdin.close()  # the driver stops the function's process and its server
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
