"""``company-mcp verify`` against the Functions entry point, served locally the way the Functions host calls it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from adapters.azure.function_host import create_function_app
from adapters.fake.dev_issuer import DevIssuer
from core.config import Settings
from tests.adapters.azure.functions_front import FunctionsFront
from tests.support import ThreadedServer, server_env


def test_verify_passes_against_the_functions_entry_point(data_dir: Path) -> None:
    front = FunctionsFront.__new__(FunctionsFront)  # the app needs the port the server binds
    with ThreadedServer(app=front) as server:
        settings = Settings(data_dir=data_dir, adapter="fake", auth="dev", port=server.port, discovery_delay_s=0.5)
        FunctionsFront.__init__(front, create_function_app(settings))
        url = f"{server.url}/mcp"
        issuer = settings.public_origin
        token = DevIssuer(data_dir).mint(issuer, url, "verifier", ["companies:read", "companies:write"], 3600)
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "verify", url, "--token", token, "--json"],
            env=server_env(data_dir),
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {check["promise"]: check["status"] for check in json.loads(done.stdout)}
    assert {"auth_required", "resource_metadata", "tool_schemas", "writes_blocked"} <= set(checks), checks
    assert set(checks.values()) == {"pass"}, checks
