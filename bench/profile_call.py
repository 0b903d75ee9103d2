"""Where a tool call's time goes: 2,000 in-process ``get_company`` calls through the whole HTTP app, profiled.

``pip install pyinstrument`` then ``python -m bench.profile_call``; the output of a run is kept in
``bench/profiles/``. Profiling is a tool for reading, not part of the benchmark's figures.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from adapters.bootstrap import create_http_app
from bench.wire import LEGACY, call_body, call_headers
from companydata.seed import seed_sqlite
from core.config import Settings


async def main() -> None:
    from pyinstrument import Profiler

    data = Path(tempfile.mkdtemp())
    seed_sqlite(data / "companies.sqlite", 5000, progress=False)
    app = create_http_app(Settings(data_dir=data, auth="none", port=8000))
    body = call_body("get_company", {"company_id": "cmp_00000042"}, LEGACY)
    headers = call_headers("get_company", LEGACY, None)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as client,
    ):
        for _ in range(200):  # warm up
            await client.post("/mcp", content=body, headers=headers)
        profiler = Profiler(interval=0.0002, async_mode="disabled")
        profiler.start()
        started = time.perf_counter()
        for _ in range(2000):
            await client.post("/mcp", content=body, headers=headers)
        elapsed = time.perf_counter() - started
        profiler.stop()
    print(f"{elapsed / 2000 * 1e6:.0f} us/call under the profiler (client included)")
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    asyncio.run(main())
