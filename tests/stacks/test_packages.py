"""The real Lambda packages, built as ``python stacks/build_lambda.py`` builds them, checked as Lambda would load them.

Both packages are built twice from the local wheel mirror (pip, manylinux wheels for Lambda's platform)
for the running interpreter's CPython, so that their compiled modules load here; the deployed build
targets python3.12 with the same wheel tags and the same table rows. Each zip is unpacked into a
directory of its own and its handler is imported and invoked once in a fresh interpreter that sees
only that directory and the standard library (``bench/handler_probe.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from companydata.seed import seed_sqlite
from stacks import build_lambda
from stacks.packages import AWS_LAMBDA, for_cloud, package
from tests.support import PG_DSN, seeded_postgres_schema

REPO = Path(__file__).resolve().parents[2]
PROBE = REPO / "bench" / "handler_probe.py"
LOCAL_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class Build:
    built: dict[str, build_lambda.BuiltPackage]
    again: dict[str, bytes]  # the same packages built a second time: archive bytes
    unpacked: dict[str, Path]


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Build:
    root = tmp_path_factory.mktemp("packages")
    built: dict[str, build_lambda.BuiltPackage] = {}
    again: dict[str, bytes] = {}
    unpacked: dict[str, Path] = {}
    for spec in for_cloud("aws"):  # the Cloud Run rows: tests/adapters/gcp/test_cloud_run_image.py
        built[spec.key] = build_lambda.build_package(
            spec, out=root / "first", staging=root / "stage-1", python_version=LOCAL_PYTHON
        )
        second = build_lambda.build_package(
            spec, out=root / "second", staging=root / "stage-2", python_version=LOCAL_PYTHON
        )
        again[spec.key] = second.archive.read_bytes()
        target = root / "unpacked" / spec.name
        with zipfile.ZipFile(built[spec.key].archive) as archive:
            archive.extractall(target)
        unpacked[spec.key] = target
    return Build(built, again, unpacked)


def probe(package_dir: Path, kind: str, env: dict[str, str]) -> dict[str, object]:
    """``bench/handler_probe.py`` in a fresh interpreter: only the standard library and the package importable."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", str(PROBE), str(package_dir), kind],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.fixture(scope="module")
def sqlite_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("fake-data")
    seed_sqlite(data_dir / "companies.sqlite", 50, progress=False)
    return data_dir


@pytest.fixture(scope="module")
def pg_schema() -> Iterator[str]:
    with seeded_postgres_schema("packages", 50) as name:
        yield name


def test_each_package_fits_lambda_without_s3(packages: Build) -> None:
    for key, built in packages.built.items():
        assert built.zipped_bytes <= AWS_LAMBDA.max_zipped_bytes, f"{key}: {built.zipped_bytes / 1e6:.1f} MB zipped"
        assert built.unzipped_bytes <= AWS_LAMBDA.max_unzipped_bytes, f"{key}: {built.unzipped_bytes / 1e6:.1f} MB"
        with zipfile.ZipFile(built.archive) as archive:
            assert sum(info.file_size for info in archive.infolist()) == built.unzipped_bytes


def test_each_function_ships_only_what_it_imports(packages: Build) -> None:
    mcp = build_lambda.top_level_names(packages.unpacked["aws/mcp"])
    assert {"mcp", "mangum", "botocore", "redis", "core", "adapters"} <= mcp and "cli" not in mcp
    assert not mcp & {"psycopg", "psycopg_binary", "matplotlib", "numpy", "PIL", "uvicorn", "uvloop", "httptools"}
    resolver = build_lambda.top_level_names(packages.unpacked["aws/resolver"])
    assert {"psycopg", "psycopg_pool", "pydantic", "botocore", "companydata", "adapters"} <= resolver
    assert not resolver & {"mcp", "starlette", "uvicorn", "mangum", "httpx", "matplotlib", "ariadne", "cli"}
    assert not (packages.unpacked["aws/mcp"] / "adapters" / "aws" / "resolver_handler.py").exists()


def test_the_build_is_reproducible(packages: Build) -> None:
    for key, built in packages.built.items():
        assert built.archive.read_bytes() == packages.again[key], f"{key}: two builds of one tree differ"


def test_the_mcp_handler_answers_with_only_its_package(packages: Build, sqlite_dir: Path) -> None:
    env = {
        "COMPANY_MCP_ADAPTER": "fake",
        "COMPANY_MCP_DATA_DIR": str(sqlite_dir),
        "COMPANY_MCP_AUTH": "none",
        "COMPANY_MCP_RESOURCE_URL": "https://probe1234567890.lambda-url.us-east-1.on.aws/mcp",
    }
    report = probe(packages.unpacked["aws/mcp"], "mcp", env)
    assert report["ok"] is True and report["outside"] == []
    assert "uvicorn" not in report["modules"] and "psycopg" not in report["modules"]
    # The AWS adapter's own modules import from the package too (botocore, the adapter, the SigV4 signer).
    code = "import sys; sys.path.insert(0, sys.argv[1]); import adapters.aws.main"
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", code, str(packages.unpacked["aws/mcp"])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_resolver_handler_answers_with_only_its_package(packages: Build, pg_schema: str) -> None:
    env = {"COMPANY_API_DATABASE_URL": PG_DSN, "COMPANY_API_DB_SCHEMA": pg_schema}
    report = probe(packages.unpacked["aws/resolver"], "resolver", env)
    assert report["ok"] is True and report["outside"] == []
    assert not {"mcp", "starlette", "uvicorn", "httpx"} & set(report["modules"])  # type: ignore[arg-type]


def test_a_package_that_breaks_its_row_fails_the_build(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "uvicorn").mkdir(parents=True)
    with pytest.raises(build_lambda.PackageError, match="aws/mcp must not ship uvicorn"):
        build_lambda.check(package("aws/mcp"), site, 1, 1)
    with pytest.raises(build_lambda.PackageError, match=r"aws/resolver is 51\.0 MB zipped, over .* 50 MB"):
        build_lambda.check(package("aws/resolver"), tmp_path, 51_000_000, 1)
