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

from bench.packages import run_probe
from companydata.seed import seed_sqlite
from stacks import build_lambda
from stacks.packages import AZURE_FUNCTIONS, PACKAGES, package
from tests.support import PG_DSN, seeded_postgres_schema

REPO = Path(__file__).resolve().parents[2]
AZURE_PROBE = Path(__file__).with_name("azure_functions_probe.py")
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
    # Lambda and Functions packages; the Cloud Run rows are built and run by tests/adapters/gcp/test_cloud_run_image.py
    for spec in (s for s in PACKAGES if s.platform.cloud != "gcp"):
        built[spec.key] = build_lambda.build_package(
            spec, out=root / "first", staging=root / "stage-1", python_version=LOCAL_PYTHON
        )
        second = build_lambda.build_package(
            spec, out=root / "second", staging=root / "stage-2", python_version=LOCAL_PYTHON
        )
        again[spec.key] = second.archive.read_bytes()
        target = root / "unpacked" / spec.key
        with zipfile.ZipFile(built[spec.key].archive) as archive:
            archive.extractall(target)
        unpacked[spec.key] = target
    return Build(built, again, unpacked)


def probe(package_dir: Path, kind: str, env: dict[str, str]) -> dict[str, object]:
    """The handler answering one event with only its package importable (``bench.packages.run_probe``)."""
    done = run_probe(package_dir, kind, env)
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


def test_each_package_fits_its_platform(packages: Build) -> None:
    """Lambda without S3 (50 MB zipped, 250 MB unzipped); Functions within our budget (stacks/packages.py)."""
    for key, built in packages.built.items():
        limits = built.spec.platform
        assert built.zipped_bytes <= limits.max_zipped_bytes, f"{key}: {built.zipped_bytes / 1e6:.1f} MB zipped"
        assert built.unzipped_bytes <= limits.max_unzipped_bytes, f"{key}: {built.unzipped_bytes / 1e6:.1f} MB"
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


def azure_probe(package_dir: Path, kind: str, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", str(AZURE_PROBE), str(package_dir), kind],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_the_azure_packages_are_laid_out_for_the_functions_host(packages: Build) -> None:
    for key in ("azure/mcp", "azure/api"):
        root = packages.unpacked[key]
        assert json.loads((root / "host.json").read_text())["extensions"]["http"]["routePrefix"] == ""
        site = root / ".python_packages" / "lib" / "site-packages"
        assert {"azure", "mcp", "starlette"} <= build_lambda.top_level_names(site)
        assert built_size(packages, key) <= AZURE_FUNCTIONS.max_zipped_bytes
    mcp = build_lambda.top_level_names(packages.unpacked["azure/mcp"] / ".python_packages" / "lib" / "site-packages")
    assert {"opentelemetry", "redis", "limits"} <= mcp
    assert not mcp & {"psycopg", "matplotlib", "numpy", "uvicorn", "botocore", "mangum", "ariadne"}
    api = build_lambda.top_level_names(packages.unpacked["azure/api"] / ".python_packages" / "lib" / "site-packages")
    assert {"psycopg", "ariadne"} <= api and not api & {"redis", "uvicorn", "matplotlib"}
    assert not (packages.unpacked["azure/api"] / ".python_packages/lib/site-packages/azure/monitor").exists()
    assert "api_host" in (packages.unpacked["azure/api"] / "function_app.py").read_text()
    assert not (packages.unpacked["azure/mcp"] / "adapters" / "azure" / "api_host.py").exists()


def built_size(packages: Build, key: str) -> int:
    return packages.built[key].zipped_bytes


def test_the_azure_mcp_function_answers_with_only_its_package(packages: Build, sqlite_dir: Path) -> None:
    env = {
        "COMPANY_MCP_ADAPTER": "fake",
        "COMPANY_MCP_DATA_DIR": str(sqlite_dir),
        "COMPANY_MCP_AUTH": "none",
        "COMPANY_MCP_RESOURCE_URL": "https://probe.azurewebsites.net/mcp",
    }
    report = azure_probe(packages.unpacked["azure/mcp"], "mcp", env)
    assert report["answers"] == {"get_company": [200, "cmp_00000001"]}
    assert report["outside"] == [] and "uvicorn" not in report["modules"]  # type: ignore[operator]
    code = "import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/.python_packages/lib/site-packages']; "
    code += "import adapters.azure.main, adapters.azure.function_host"
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", code, str(packages.unpacked["azure/mcp"])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_azure_api_function_answers_with_only_its_package(packages: Build, pg_schema: str) -> None:
    env = {
        "COMPANY_API_DATABASE_URL": PG_DSN,
        "COMPANY_API_DB_SCHEMA": pg_schema,
        "COMPANY_API_DB_ENTRA_AUTH": "false",  # the local server trusts; on Azure the identity's token is the password
        "COMPANY_API_ENTRA_TENANT_ID": "8d2a7c1e-0000-4000-8000-00000000aaaa",
        "COMPANY_API_ENTRA_AUDIENCE": "9e3c2d4f-0000-4000-8000-00000000cccc",
        "COMPANY_API_ENTRA_ALLOWED_OIDS": "1a2b3c4d-0000-4000-8000-00000000dddd",
        "COMPANY_API_PUBLIC_HOSTS": "probe.azurewebsites.net",
    }
    report = azure_probe(packages.unpacked["azure/api"], "api", env)
    answers = report["answers"]
    assert answers["healthz"][0] == 200 and answers["readyz"][0] == 200  # type: ignore[index]
    assert answers["graphql_without_token"] == 401  # type: ignore[index]
    assert report["outside"] == []
