"""Lambda packages: their sizes, and each handler's import-to-first-result time in a fresh process.

    python -m bench.packages [--runs 5] [--out bench/results/packages.json]

Builds the packages of ``stacks/packages.py`` twice: for Lambda's python3.12 (the sizes that deploy)
and for this machine's CPython (so that their compiled modules load here). Then runs
``bench/handler_probe.py`` ``--runs`` times per handler, each in a fresh interpreter that sees only
the unpacked package and the standard library, with no bytecode cache (Lambda's package directory is
read-only, so every cold start compiles what it imports), and takes the median. That is the local
proxy for Lambda's init duration plus the first invocation; the baseline, measured in the same run and
the same way (``bench/process.py``'s cold-start method, without the HTTP server around it), is a bare
SDK server: ``MCPServer`` with one tool, the SDK's stateless JSON app under Mangum, from the MCP package.
Needs PostgreSQL (``COMPANY_MCP_TEST_POSTGRES_DSN``, default the local test database) for the resolver.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

from companydata.seed import seed_sqlite
from stacks import build_lambda
from stacks.packages import for_cloud

REPO = Path(__file__).resolve().parent.parent
PROBE = REPO / "bench" / "handler_probe.py"
PG_DSN = os.environ.get("COMPANY_MCP_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
COMPANIES = 1_000
LOCAL_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def run_probe(package_dir: Path, kind: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``bench/handler_probe.py`` in a fresh interpreter: only the standard library and the package importable."""
    return subprocess.run(
        [sys.executable, "-I", "-S", "-B", str(PROBE), str(package_dir), kind],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def probe(package_dir: Path, kind: str, env: dict[str, str]) -> dict[str, Any]:
    done = run_probe(package_dir, kind, env)
    done.check_returncode()
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not report["ok"] or report["outside"]:
        raise RuntimeError(f"{kind}: {report}")
    return report


def median_probe(package_dir: Path, kind: str, env: dict[str, str], runs: int) -> dict[str, float]:
    reports = [probe(package_dir, kind, env) for _ in range(runs)]
    figures = ("import_s", "first_result_s", "import_cpu_s", "first_result_cpu_s")
    summary: dict[str, float] = {name: round(statistics.median(r[name] for r in reports), 3) for name in figures}
    summary["modules"] = len(reports[0]["modules"])
    return summary


def build_all(out: Path, python_version: str | None) -> dict[str, build_lambda.BuiltPackage]:
    return {
        spec.key: build_lambda.build_package(spec, out=out, staging=out / "stage", python_version=python_version)
        for spec in for_cloud("aws")
    }


def run(runs: int, work: Path) -> dict[str, Any]:
    deployed = build_all(work / "py312", None)
    local = build_all(work / "local", LOCAL_PYTHON)
    unpacked: dict[str, Path] = {}
    for key, built in local.items():
        target = work / "unpacked" / key.replace("/", "-")
        with zipfile.ZipFile(built.archive) as archive:
            archive.extractall(target)
        unpacked[key] = target
    data_dir = work / "data"
    seed_sqlite(data_dir / "companies.sqlite", COMPANIES, progress=False)
    mcp_env = {
        "COMPANY_MCP_ADAPTER": "fake",
        "COMPANY_MCP_DATA_DIR": str(data_dir),
        "COMPANY_MCP_AUTH": "none",
        "COMPANY_MCP_RESOURCE_URL": "https://probe1234567890.lambda-url.us-east-1.on.aws/mcp",
        "COMPANY_MCP_LOG_FORMAT": "json",
    }
    import psycopg

    from companydata.postgres_schema import drop_schema
    from companydata.postgres_seed import seed_postgres

    schema = f"bench_packages_{uuid.uuid4().hex[:8]}"
    seed_postgres(PG_DSN, COMPANIES, schema=schema, progress=False)
    try:
        timings = {
            "bare SDK server (MCPServer + Mangum)": median_probe(unpacked["aws/mcp"], "bare", mcp_env, runs),
            "aws/mcp (fake adapter)": median_probe(unpacked["aws/mcp"], "mcp", mcp_env, runs),
            "aws/mcp imports with the AWS adapter": median_probe(unpacked["aws/mcp"], "aws_adapter", mcp_env, runs),
            "aws/resolver (PostgreSQL)": median_probe(
                unpacked["aws/resolver"],
                "resolver",
                {"COMPANY_API_DATABASE_URL": PG_DSN, "COMPANY_API_DB_SCHEMA": schema},
                runs,
            ),
        }
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            drop_schema(conn, schema)
    return {
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count()},
        "runs": runs,
        "sizes": {
            key: built.summary() | {"distributions": len(built.distributions)} for key, built in deployed.items()
        },
        "timings": timings,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| package | handler | zipped MB | unzipped MB | distributions |",
        "|---|---|---|---|---|",
    ]
    for key, size in result["sizes"].items():
        lines.append(
            f"| `{key}` | `{size['handler']}` | {size['zipped_bytes'] / 1e6:.1f} | "
            f"{size['unzipped_bytes'] / 1e6:.1f} | {size['distributions']} |"
        )
    bare = result["timings"]["bare SDK server (MCPServer + Mangum)"]
    lines += [
        "",
        f"| fresh process, median of {result['runs']} | import s (CPU) | to first result s (CPU) | vs bare SDK (CPU) |"
        " to first result s (wall) | modules |",
        "|---|---|---|---|---|---|",
    ]
    for name, timing in result["timings"].items():
        first = timing["first_result_cpu_s"]
        lines.append(
            f"| {name} | {timing['import_cpu_s']:.3f} | {first:.3f} | {first - bare['first_result_cpu_s']:+.3f} | "
            f"{timing['first_result_s']:.3f} | {timing['modules']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "packages.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        result = run(args.runs, Path(work))
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result), end="")


if __name__ == "__main__":
    main()
