"""Scale: seed 1,000,000 companies, then time a fixed, published mix of 200 calls on SQLite and PostgreSQL.

The mix (``bench/query_mix.json``, made by ``python -m bench.scale --make-mix``) picks free-text terms by how
many companies they match (about 0.1 %, 3 %, 30 %, and an any-word query covering ~100 %), alone and combined
with filters, plus filters alone and ``get_company`` lookups. Each call is timed on the store in-process.
Targets: p99 under 50 ms, no search over 200 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

from bench.latency import Distribution
from companydata.generator import generate_companies
from companydata.text import STOPWORDS, search_document, words
from core.model import CompanyFilters, PageRequest

MIX_FILE = Path(__file__).resolve().parent / "query_mix.json"
SAMPLE = 50_000
CLASSES = {"0.1%": 0.001, "3%": 0.03, "30%": 0.3}
FILTER_SETS: list[dict[str, Any]] = [
    {"country": "DE"},
    {"country": "US", "industry": "Software"},
    {"industry": "Biotechnology"},
    {"min_employees": 1000},
    {"max_employees": 5, "founded_after": 2018},
    {"city": "Berlin"},
    {"country": "FR", "min_employees": 50, "max_employees": 500},
    {"founded_before": 1970},
]


def make_mix() -> dict[str, Any]:
    """Terms by measured document frequency on a sample of the deterministic data (published with the run)."""
    frequency: Counter[str] = Counter()
    for company in generate_companies(SAMPLE):
        frequency.update(set(words(search_document(company.name, company.domain, company.description, company.tags))))
    usable = {w: n / SAMPLE for w, n in frequency.items() if w not in STOPWORDS and len(w) >= 4 and not w.isdigit()}
    calls: list[dict[str, Any]] = []
    for label, target in CLASSES.items():
        terms = sorted(usable, key=lambda w: (abs(math.log(usable[w]) - math.log(target)), w))[:5]
        for term in terms:
            share = round(usable[term], 4)
            calls.append({"class": label, "kind": "text", "query": term, "share": share})
            calls.append({"class": label, "kind": "text+filter", "query": term, "country": "US", "share": share})
            calls.append(
                {
                    "class": label,
                    "kind": "text+filters",
                    "query": term,
                    "industry": "Software",
                    "min_employees": 20,
                    "share": share,
                }
            )
    common = sorted(usable, key=lambda w: -usable[w])[:12]
    for i in range(15):  # any-word queries whose union covers (nearly) every company
        calls.append(
            {"class": "100%", "kind": "any", "query": " ".join(common[i % 4 :] + common[: i % 4]), "match": "any"}
        )
    for i in range(40):
        calls.append({"class": "filters", "kind": "filters", **FILTER_SETS[i % len(FILTER_SETS)]})
    for i in range(200 - len(calls)):
        calls.append({"class": "get_company", "kind": "get", "index": (i * 104_729) % 1_000_000})
    return {"sample": SAMPLE, "calls": calls}


async def _time_calls(store: Any, mix: list[dict[str, Any]], companies: int) -> dict[str, list[float]]:
    by_class: dict[str, list[float]] = {}
    for call in mix:
        started = time.perf_counter()
        if call["kind"] == "get":
            await store.get_company(company_id=f"cmp_{call['index'] % companies:08d}")
        else:
            fields = {k: v for k, v in call.items() if k not in ("class", "kind", "share", "index")}
            await store.search_companies(CompanyFilters(**fields), PageRequest(limit=20))
        by_class.setdefault(call["class"], []).append((time.perf_counter() - started) * 1000)
    return by_class


def summarize(by_class: dict[str, list[float]]) -> dict[str, Any]:
    searches = [ms for label, values in by_class.items() if label != "get_company" for ms in values]
    everything = [ms for values in by_class.values() for ms in values]
    overall = Distribution(everything)
    return {
        "classes": {label: {**Distribution(v).summary(), "max_ms": round(max(v), 3)} for label, v in by_class.items()},
        "p50_ms": round(overall.p50, 3),
        "p99_ms": round(overall.p99, 3),
        "max_ms": round(max(everything), 3),
        "max_search_ms": round(max(searches), 3),
        "p99_target_met": overall.p99 < 50,
        "max_search_target_met": max(searches) < 200,
    }


def run_store(make_store: Callable[[], Any], mix: list[dict[str, Any]], companies: int) -> dict[str, Any]:
    async def run() -> dict[str, list[float]]:
        store = make_store()
        try:
            await _time_calls(store, mix[:20], companies)  # warm the caches once
            return await _time_calls(store, mix, companies)
        finally:
            await store.aclose()

    return summarize(anyio.run(run))


def sqlite_scale(work: Path, companies: int, mix: list[dict[str, Any]]) -> dict[str, Any]:
    from companydata.seed import seed_sqlite
    from companydata.sqlite_store import SqliteStore

    path = work / "scale.sqlite"
    report = seed_sqlite(path, companies, progress=False)
    result = run_store(lambda: SqliteStore(path), mix, companies)
    return {"seed_s": round(report.seconds, 1), "size_mb": round(path.stat().st_size / 2**20, 1), **result}


def postgres_scale(dsn: str, companies: int, mix: list[dict[str, Any]]) -> dict[str, Any]:
    import psycopg

    from companydata.postgres_seed import seed_postgres
    from companydata.postgres_store import PostgresStore

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        report = seed_postgres(dsn, companies, schema=schema, progress=False)
        with psycopg.connect(dsn) as conn:
            row = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                (schema,),
            ).fetchone()
        size_mb = round(float(row[0] or 0) / 2**20, 1) if row else 0.0
        result = run_store(lambda: PostgresStore(dsn, schema=schema), mix, companies)
        return {"seed_s": round(report.seconds, 1), "size_mb": size_mb, **result}
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def markdown(results: dict[str, Any], companies: int) -> str:
    lines = [
        f"## Scale: {companies:,} companies, the published mix of 200 calls (in-process store time)",
        "",
        "| store | seed s | size MB | p50 ms | p99 ms | max ms | slowest search ms | p99 < 50 | search < 200 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        if "skipped" in r:
            lines.append(f"| {name} | skipped: {r['skipped']} |")
            continue
        lines.append(
            f"| {name} | {r['seed_s']} | {r['size_mb']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | "
            f"{r['max_search_ms']} | {'yes' if r['p99_target_met'] else 'NO'} | "
            f"{'yes' if r['max_search_target_met'] else 'NO'} |"
        )
    lines += ["", "| store | class | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|"]
    for name, r in results.items():
        for label, c in r.get("classes", {}).items():
            lines.append(f"| {name} | {label} | {c['p50_ms']} | {c['p99_ms']} | {c['max_ms']} |")
    return "\n".join(lines) + "\n"


def load_mix() -> list[dict[str, Any]]:
    return list(json.loads(MIX_FILE.read_text())["calls"])


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.scale")
    parser.add_argument("--make-mix", action="store_true", help="regenerate bench/query_mix.json")
    args = parser.parse_args()
    if args.make_mix:
        MIX_FILE.write_text(json.dumps(make_mix(), indent=1) + "\n")
        print(f"wrote {MIX_FILE}")


if __name__ == "__main__":
    main()
