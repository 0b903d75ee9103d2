"""The baseline: the same tool bodies in a plain ``MCPServer`` with default settings (no guards, auth, telemetry).

Run as ``python -m bench.bare_server STORE PORT``; prints ``bare ready url=...`` on stderr.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer

from companydata.sqlite_store import SqliteStore
from core.model import CompanyFilters, PageRequest


def build(store_path: Path) -> Any:
    store = SqliteStore(store_path)
    server = MCPServer("bare")

    @server.tool()
    async def get_company(company_id: str) -> dict[str, Any]:
        """Get one company by id."""
        return (await store.get_company(company_id=company_id)).model_dump()

    @server.tool()
    async def search_companies(query: str | None = None, country: str | None = None, limit: int = 20) -> dict[str, Any]:
        """Search companies."""
        page = await store.search_companies(CompanyFilters(query=query, country=country), PageRequest(limit=limit))
        return {"items": [item.model_dump() for item in page.items], "next_cursor": page.next_after, "capped": False}

    return server.streamable_http_app(stateless_http=True, json_response=True)


def main() -> None:
    store_path, port = Path(sys.argv[1]), int(sys.argv[2])
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)  # connections queue until uvicorn accepts them
    print(f"bare ready url=http://127.0.0.1:{sock.getsockname()[1]}/mcp", file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(build(store_path))).run(sockets=[sock])


if __name__ == "__main__":
    main()
