"""``make bench``: every benchmark in one run, each figure a ratio against a baseline measured in the same run.

``--quick`` is the CI smoke mode: small counts, checks that the harness works and prints its table;
it asserts no absolute time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import ai_search_eval, latency, peer, process, report, scale, throughput
from bench.servers import Running, mint_token, start_api, start_bare, start_product
from bench.wire import REVISIONS
from companydata.seed import seed_sqlite
from companydata.sqlite_store import SqliteStore
from core.model import CompanyFilters, PageRequest

WORDS = ["software", "cloud", "payments", "health", "logistics", "energy", "retail", "security"]


def tool_cases(companies: int) -> dict[str, tuple[Callable[[int], dict[str, Any]], Callable[[Any, int], Any]]]:
    """Per tool: the MCP arguments for call i, and the same call made on the store in-process."""
    return {
        "get_company": (
            lambda i: {"company_id": f"cmp_{(i * 7919) % companies:08d}"},
            lambda store, i: store.get_company(company_id=f"cmp_{(i * 7919) % companies:08d}"),
        ),
        "search_companies": (
            lambda i: {"query": WORDS[i % len(WORDS)], "limit": 20},
            lambda store, i: store.search_companies(CompanyFilters(query=WORDS[i % len(WORDS)]), PageRequest(limit=20)),
        ),
    }


def bench_latency(store_path: Path, product: Running, bare: Running, token: str, companies: int, n: int) -> list[Any]:
    rows = []
    for tool, (arguments, store_call) in tool_cases(companies).items():
        store = latency.store_latency(lambda: SqliteStore(store_path), store_call, n)
        for revision in REVISIONS:
            bare_d = latency.http_latency(bare.url, tool, arguments, revision, None, n)
            product_d = latency.http_latency(product.url, tool, arguments, revision, token, n)
            rows.append(
                {
                    "tool": tool,
                    "revision": revision,
                    "store": store.summary(),
                    "bare": bare_d.summary(),
                    "product": product_d.summary(),
                    "samples": {"store": store.samples_ms, "bare": bare_d.samples_ms, "product": product_d.samples_ms},
                }
            )
            print(
                f"latency {tool} {revision}: product p50 {product_d.p50:.3f} ms, bare {bare_d.p50:.3f} ms",
                file=sys.stderr,
            )
    return rows


def bench_throughput(data: Path, store_path: Path, work: Path, quick: bool, redis_url: str | None) -> list[Any]:
    seconds = 2.0 if quick else 8.0
    clients = (1, 8) if quick else (1, 8, 32)
    rows: list[Any] = []
    arguments = {"company_id": "cmp_00000042"}
    configurations: list[tuple[str, int, Callable[[], Running]]] = [
        ("bare-sdk", 1, lambda: start_bare(store_path, work / "bare-tp.log")),
        ("company-mcp", 1, lambda: start_product(data, work / "product-tp1.log")),
    ]
    if redis_url:
        configurations.append(
            (
                "company-mcp",
                2,
                lambda: start_product(data, work / "product-tp2.log", "--workers", "2", redis_url=redis_url),
            )
        )
    for name, workers, start in configurations:
        server = start()
        token = mint_token(data, server.url) if name == "company-mcp" else None
        try:
            # Warm up: every worker verifies its first token and fills its caches before we measure.
            throughput.rate(server.url, "get_company", arguments, REVISIONS[0], token, max(clients), 1.0)
            for revision in REVISIONS:
                for connections in clients:
                    result = throughput.rate(
                        server.url, "get_company", arguments, revision, token, connections, seconds
                    )
                    rows.append({"server": name, "workers": workers, "revision": revision, **result})
                    print(
                        f"throughput {name} x{workers} {revision} c={connections}: {result['calls_per_s']:.0f}/s",
                        file=sys.stderr,
                    )
        finally:
            server.stop()
    return rows


def bench_process(data: Path, store_path: Path, work: Path, runs: int, calls: int) -> dict[str, Any]:
    port = process.free_port()  # a known URL, so the token is minted before the clock starts
    token = mint_token(data, f"http://127.0.0.1:{port}/mcp")
    product_cold = process.cold_start_s(
        lambda: start_product(data, work / "cold.log", "--port", str(port)), token, runs
    )
    bare_cold = process.cold_start_s(lambda: start_bare(store_path, work / "cold-bare.log"), None, runs)
    server = start_product(data, work / "rss.log")
    try:
        rss = process.rss_after_calls(server, mint_token(data, server.url), calls)
    finally:
        server.stop()
    return {"runs": runs, "product_cold_start_s": product_cold, "bare_cold_start_s": bare_cold, "rss": rss}


def bench_peer(data: Path, work: Path, companies: int, n: int) -> dict[str, Any]:
    api = start_api(data, work / "api.log")
    try:
        secret = (data / "api-service.key").read_text().strip()  # created by the API on start
        return peer.compare(api.url, work, companies, n, api_secret=secret)
    finally:
        api.stop()


def bench_scale(work: Path, companies: int, dsn: str) -> dict[str, Any]:
    mix = scale.load_mix()
    results = {"sqlite": scale.sqlite_scale(work, companies, mix)}
    print(f"scale sqlite: {results['sqlite']['p99_ms']} ms p99", file=sys.stderr)
    import psycopg

    try:
        results["postgresql"] = scale.postgres_scale(dsn, companies, mix)
    except psycopg.OperationalError as exc:  # no server here: say so in the table rather than fail the run
        results["postgresql"] = {"skipped": f"PostgreSQL unavailable ({type(exc).__name__})"}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="CI smoke mode: small counts, no absolute targets")
    parser.add_argument("--out", default="bench/results", help="where results.json, results.md, latency.png go")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="shared rate limits for 2 workers")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="for the scale run")
    args = parser.parse_args(argv)
    companies = 20_000 if args.quick else 100_000
    n = 200 if args.quick else 3000
    with tempfile.TemporaryDirectory(prefix="company-mcp-bench-") as tmp:
        work = Path(tmp)
        data = work / "data"
        data.mkdir()
        store_path = data / "companies.sqlite"
        seed_sqlite(store_path, companies, progress=False)
        product = start_product(data, work / "product.log")
        bare = start_bare(store_path, work / "bare.log")
        try:
            token = mint_token(data, product.url)
            rows = bench_latency(store_path, product, bare, token, companies, n)
        finally:
            product.stop()
            bare.stop()
        results: dict[str, Any] = {"quick": args.quick, "companies": companies, "latency": rows}
        results["throughput"] = bench_throughput(data, store_path, work, args.quick, args.redis_url)
        results["process"] = bench_process(
            data, store_path, work, 2 if args.quick else 5, 1000 if args.quick else 10_000
        )
        results["peer"] = bench_peer(data, work, companies, 50 if args.quick else 1000)
        scale_companies = 20_000 if args.quick else 1_000_000
        results["scale"] = bench_scale(work, scale_companies, args.postgres)
        results["ai_search"] = ai_search_eval.run(store_path, repeats=2 if args.quick else 50)
        results["sections"] = [
            peer.markdown(results["peer"]),
            scale.markdown(results["scale"], scale_companies),
            ai_search_eval.markdown(results["ai_search"]),
        ]
    print(report.write(results, Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
