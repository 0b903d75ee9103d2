"""The layout's promises: who may import whom, and what loads without the MCP SDK."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "adapters", "stacks", "cli", "companydata", "pilot", "bench", "tests")


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from (path for path in (ROOT / folder).rglob("*.py") if "node_modules" not in path.parts)


def imported_modules(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at any depth (function-level imports included)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def top(module: str) -> str:
    return module.split(".")[0]


def offenders(folders: tuple[str, ...], forbidden: set[str]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(*folders)
        for module in imported_modules(path)
        if top(module) in forbidden
    )


def test_nothing_outside_cli_imports_cli() -> None:
    outside = tuple(p for p in PACKAGES if p != "cli")
    assert offenders(outside, {"cli"}) == []


def test_core_imports_no_adapter_stack_or_entry_point() -> None:
    assert offenders(("core",), {"adapters", "stacks", "cli", "pilot", "bench", "companydata"}) == []


def test_the_detector_sees_function_level_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from cli.main import main\n    import adapters.fake.main\n")
    assert set(imported_modules(sample)) == {"cli.main", "adapters.fake.main"}


@pytest.mark.parametrize(
    "modules",
    [
        # The Pulumi program's components and config (the program itself runs resources on import).
        "stacks.config, stacks.components.aws.stack, stacks.components.aws.flags, stacks.components.aws.observability",
        "stacks.components.azure.config, stacks.components.azure.stack, stacks.components.azure.observability",
        # The reference company API (uvicorn app) and its AppSync face.
        "companydata.api.server, companydata.api.run, companydata.api.dispatch",
        # The tool catalog and the operations both faces call.
        "core.catalog, core.operations, core.validation, core.guards.audit, core.tools.registry",
    ],
)
def test_these_load_without_the_mcp_sdk(modules: str) -> None:
    code = f"import sys, {modules}\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & {{'mcp'}}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# Which adapter folders each adapter may import: its own, the shared graphql backend and rate limiter, and (for
# the cloud entry points: Lambda, Functions, Cloud Run handlers) the composition root.
ADAPTER_NEIGHBOURS = {
    "fake": {"fake", "ratelimit"},
    "graphql": {"graphql", "fake", "ratelimit"},
    "aws": {"aws", "graphql", "ratelimit", "bootstrap"},
    "azure": {"azure", "graphql", "ratelimit", "bootstrap"},
    "gcp": {"gcp", "graphql", "ratelimit", "bootstrap"},
}


@pytest.mark.parametrize("adapter", sorted(ADAPTER_NEIGHBOURS))
def test_an_adapter_imports_no_other_clouds_adapter(adapter: str) -> None:
    if not (ROOT / "adapters" / adapter).is_dir():
        pytest.skip(f"adapters/{adapter} does not exist yet")
    found = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(f"adapters/{adapter}")
        for module in imported_modules(path)
        if top(module) == "adapters" and module.count(".") >= 1
        if module.split(".")[1] not in ADAPTER_NEIGHBOURS[adapter]
    )
    assert found == []


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("127.0.0.1:8001", None),
        ("localhost:1", "http://localhost:3000"),
        ("[::1]:80", "http://[::1]:9"),
        ("api.example", None),
        ("api.example:443", None),
        ("attacker.example:8001", None),
        ("127.0.0.1:8001", "https://evil.example"),
        ("127.0.0.1:abc", None),
        ("127.0.0.1.evil.example:80", None),
        (None, None),
        ("", "http://127.0.0.1:1"),
    ],
)
def test_the_apis_host_rules_answer_as_the_sdks(host: str | None, origin: str | None) -> None:
    """core.hosts re-states the SDK's DNS-rebinding rule so that the company API need not load the SDK."""
    import anyio
    from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
    from starlette.requests import Request

    from core.hosts import LOOPBACK_ORIGINS, allowed_hosts_for, host_refusal

    hosts, origins = allowed_hosts_for("127.0.0.1", ["api.example"]), [*LOOPBACK_ORIGINS, "https://api.example"]
    sdk = TransportSecurityMiddleware(
        TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)
    )
    headers = [(name.encode(), value.encode()) for name, value in (("host", host), ("origin", origin)) if value]
    request = Request({"type": "http", "method": "POST", "headers": headers, "path": "/graphql"})
    answer = anyio.run(sdk.validate_request, request)
    expected = None if answer is None else answer.status_code
    if host == "127.0.0.1:abc":  # the SDK's prefix match admits a non-numeric port; ours requires a port number
        assert (expected, host_refusal(host, origin, hosts=hosts, origins=origins)) == (None, 421)
        return
    assert host_refusal(host, origin, hosts=hosts, origins=origins) == expected
