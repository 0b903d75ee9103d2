"""One cold start of a function's handler, run in a fresh interpreter that sees only the function's package.

    python -I -S -B bench/handler_probe.py PACKAGE_DIR KIND

``-I -S`` keep the virtualenv, the user site and the working directory off ``sys.path`` (only the
standard library and PACKAGE_DIR are importable); ``-B`` writes no bytecode, as on Lambda, whose
package directory is read-only (every cold start compiles what it imports). KIND is:

- ``mcp``: the MCP function's handler, one Function URL event (``tools/call get_company``), fake
  adapter over the SQLite store in ``COMPANY_MCP_DATA_DIR`` (no token: ``COMPANY_MCP_AUTH=none``);
- ``resolver``: the AppSync resolver's handler, one direct-resolver event (``get_company``) over the
  PostgreSQL store of ``COMPANY_API_DATABASE_URL`` / ``COMPANY_API_DB_SCHEMA``;
- ``aws_adapter``: imports only, no invocation: the MCP handler and the AWS composition root (botocore,
  the AppConfig, CloudWatch and SigV4 adapters), the part of a real Lambda init the fake adapter skips;
- ``bare``: a bare SDK server (``MCPServer`` with one ``get_company`` tool over the same SQLite store,
  the SDK's stateless JSON streamable HTTP app under Mangum), from the MCP function's package.

Prints one JSON line: ``import_s`` (handler module imported), ``first_result_s`` (the first successful
result, from the start of this script), the same two as this process's CPU time since it started
(``*_cpu_s``: on a shared machine, wall time also counts waiting for a core), the top-level modules
loaded, and ``outside``: any module loaded from neither the standard library nor PACKAGE_DIR (the
package must import nothing it does not ship).
Only the standard library is used here, so nothing of the repository leaks in.
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()
COMPANY_ID = "cmp_00000001"
HOST = "probe1234567890.lambda-url.us-east-1.on.aws"


class Context:
    function_name = "probe"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def function_url_event(body: dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(body).encode()
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/mcp",
        "rawQueryString": "",
        "headers": {
            "host": HOST,
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
        },
        "requestContext": {
            "domainName": HOST,
            "http": {"method": "POST", "path": "/mcp", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"},
            "requestId": "probe",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(raw).decode(),
        "isBase64Encoded": True,
    }


def tool_call_event() -> dict[str, Any]:
    params = {"name": "get_company", "arguments": {"company_id": COMPANY_ID}}
    return function_url_event({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})


def mcp_result(response: dict[str, Any]) -> bool:
    if response.get("statusCode") != 200:
        raise SystemExit(f"probe: status {response.get('statusCode')}: {response.get('body')}")
    body = response["body"]
    text = base64.b64decode(body).decode() if response.get("isBase64Encoded") else body
    result = json.loads(text).get("result") or {}
    return result.get("isError") is False and result["structuredContent"]["id"] == COMPANY_ID


def imported_at() -> tuple[float, float]:
    return time.perf_counter() - STARTED, time.process_time()


def run_mcp() -> tuple[tuple[float, float], bool]:
    module = importlib.import_module("adapters.aws.lambda_handler")
    imported = imported_at()
    return imported, mcp_result(module.handler(tool_call_event(), Context()))


PROBE_ORIGIN_PROOF = "handler-probe-origin-proof-0123456789abcdefghijklmnopqrstuvwxyzABCD"
PROOF_ORIGIN_BYTES = PROBE_ORIGIN_PROOF.encode()


def run_resolver() -> tuple[tuple[float, float], bool]:
    import hashlib
    import os

    # The stack sets the digest of its proof and its request handler adds the proof: play both parts.
    os.environ["COMPANY_API_ORIGIN_PROOF_SHA256"] = hashlib.sha256(PROOF_ORIGIN_BYTES).hexdigest()
    module = importlib.import_module("adapters.aws.resolver_handler")
    imported = imported_at()
    event = {
        "origin_proof": PROBE_ORIGIN_PROOF,
        "info": {"fieldName": "get_company", "parentTypeName": "Query"},
        "arguments": {"company_id": COMPANY_ID},
        "identity": {"userArn": "arn:aws:sts::123456789012:assumed-role/probe/probe"},
        "request": {"headers": {"x-company-principal": "probe"}},
    }
    answer = module.handler(event, Context())
    if "errorType" in answer:
        raise SystemExit(f"probe: {answer}")
    return imported, answer.get("id") == COMPANY_ID


def run_aws_adapter() -> tuple[tuple[float, float], bool]:
    importlib.import_module("adapters.aws.lambda_handler")
    importlib.import_module("adapters.aws.main")
    return imported_at(), True


def run_bare() -> tuple[tuple[float, float], bool]:
    import os

    from mangum import Mangum
    from mcp.server.mcpserver import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings

    from companydata.sqlite_store import SqliteStore

    imported = imported_at()
    store = SqliteStore(Path(os.environ["COMPANY_MCP_DATA_DIR"]) / "companies.sqlite")
    server = MCPServer("bare")

    @server.tool()
    async def get_company(company_id: str) -> dict[str, Any]:
        """Get one company by id."""
        return (await store.get_company(company_id=company_id)).model_dump(mode="json")

    security = TransportSecuritySettings(allowed_hosts=[HOST])  # the SDK's DNS-rebinding check, for this host
    app = server.streamable_http_app(stateless_http=True, json_response=True, transport_security=security)
    handler = Mangum(app, lifespan="on")
    return imported, mcp_result(handler(tool_call_event(), Context()))


def outside_modules(package: Path) -> list[str]:
    allowed = [Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")] + [package]
    found: list[str] = []
    for name, module in list(sys.modules.items()):
        if name == "__main__":
            continue
        location = getattr(module, "__file__", None)
        if location and not any(Path(location).resolve().is_relative_to(root) for root in allowed):
            found.append(f"{name} ({location})")
    return sorted(found)


def main() -> None:
    package, kind = Path(sys.argv[1]).resolve(), sys.argv[2]
    sys.path.insert(0, str(package))
    runner = {"mcp": run_mcp, "resolver": run_resolver, "aws_adapter": run_aws_adapter, "bare": run_bare}[kind]
    (imported, imported_cpu), ok = runner()
    first, first_cpu = time.perf_counter() - STARTED, time.process_time()
    report = {
        "kind": kind,
        "ok": ok,
        "import_s": round(imported, 4),
        "first_result_s": round(first, 4),
        "import_cpu_s": round(imported_cpu, 4),
        "first_result_cpu_s": round(first_cpu, 4),
        "modules": sorted({name.split(".")[0] for name in sys.modules}),
        "outside": outside_modules(package),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
