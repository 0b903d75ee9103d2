"""One cold start of a Function app's package, in a fresh interpreter that sees only the package and the stdlib.

    python -I -S -B tests/stacks/azure_functions_probe.py PACKAGE_DIR KIND

Plays the Functions Python host: the package root and ``.python_packages/lib/site-packages`` on ``sys.path``,
``function_app.py`` loaded from the root, its one HTTP function called with ``azure.functions.HttpRequest``
objects on one event loop. KIND ``mcp``: ``tools/call get_company`` (fake adapter, ``COMPANY_MCP_AUTH=none``);
``api``: ``/healthz``, ``/readyz`` (the PostgreSQL store answers) and an unauthenticated ``/graphql`` (401).
Prints one JSON line: the answers, and ``outside``: modules loaded from neither the stdlib nor the package.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import sysconfig
from pathlib import Path

HOST = "probe.azurewebsites.net"


def main() -> None:
    package, kind = Path(sys.argv[1]).resolve(), sys.argv[2]
    sys.path[:0] = [str(package), str(package / ".python_packages" / "lib" / "site-packages")]
    spec = importlib.util.spec_from_file_location("function_app", package / "function_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import azure.functions as func

    (function,) = module.app.get_functions()
    handler = function.get_user_function()
    loop = asyncio.new_event_loop()

    def call(method: str, path: str, body: object = None) -> tuple[int, str]:
        headers = {"host": HOST, "content-type": "application/json", "accept": "application/json, text/event-stream"}
        raw = json.dumps(body).encode() if body is not None else b""
        request = func.HttpRequest(method, f"https://{HOST}{path}", headers=headers, body=raw)
        response = loop.run_until_complete(handler(request, None))
        return response.status_code, response.get_body().decode()

    answers: dict[str, object] = {}
    if kind == "mcp":
        params = {"name": "get_company", "arguments": {"company_id": "cmp_00000001"}}
        status, text = call("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})
        answers["get_company"] = [status, json.loads(text)["result"]["structuredContent"]["id"]]
    else:
        answers["healthz"] = list(call("GET", "/healthz"))
        answers["readyz"] = list(call("GET", "/readyz"))
        answers["graphql_without_token"] = call("POST", "/graphql", {"query": "{ __typename }"})[0]
    if module.app.startup_task_done:
        loop.run_until_complete(module.app.middleware.notify_shutdown())
        module.app.startup_task_done = False
    allowed = [Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")] + [package]
    outside = sorted(
        name
        for name, mod in list(sys.modules.items())
        if getattr(mod, "__file__", None) and name != "__main__"
        if not any(Path(mod.__file__).resolve().is_relative_to(root) for root in allowed)
    )
    print(
        json.dumps({"answers": answers, "outside": outside, "modules": sorted({m.split(".")[0] for m in sys.modules})})
    )


if __name__ == "__main__":
    main()
