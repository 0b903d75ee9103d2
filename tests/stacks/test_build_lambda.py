"""The Lambda build step without running pip: the package table, the cut dependency graph, the file lists, the zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from stacks import build_lambda
from stacks.build_lambda import Resolved
from stacks.packages import AWS_LAMBDA, PACKAGES, for_cloud, package, requirements, source_files

ENV = build_lambda.marker_environment(AWS_LAMBDA, None)


def test_the_table_has_one_package_per_function_of_each_cloud() -> None:
    assert [(spec.key, spec.archive, spec.handler) for spec in for_cloud("aws")] == [
        ("aws/mcp", "mcp-lambda.zip", "adapters.aws.lambda_handler.handler"),
        ("aws/resolver", "resolver-lambda.zip", "adapters.aws.resolver_handler.handler"),
    ]
    assert all(spec.platform.wheel_platforms == ("manylinux2014_x86_64", "manylinux_2_28_x86_64") for spec in PACKAGES)
    assert [(spec.key, spec.archive, spec.root_files[0]) for spec in for_cloud("azure")] == [
        ("azure/mcp", "mcp-azure-functions.zip", ("function_app.py", "adapters/azure/function_app.py")),
        ("azure/api", "api-azure-functions.zip", ("function_app.py", "adapters/azure/api_function_app.py")),
    ]
    assert [(spec.key, spec.archive, spec.handler) for spec in for_cloud("gcp")] == [
        ("gcp/mcp", "mcp-cloudrun.zip", "adapters.gcp.cloud_run.main"),
        ("gcp/api", "api-cloudrun.zip", "adapters.gcp.cloud_run_api.main"),
    ]
    with pytest.raises(KeyError, match="no package 'oracle/mcp'"):
        package("oracle/mcp")


def test_requirements_come_from_pyproject_by_group_and_name() -> None:
    mcp = {r.split(">")[0].split("[")[0] for r in requirements(package("aws/mcp"))}
    assert {"mcp", "mangum", "botocore", "redis", "uvicorn"} <= mcp  # uvicorn is cut later, by the graph walk
    assert not mcp & {"psycopg", "matplotlib", "ariadne", "uvloop", "httptools", "pytest", "pulumi", "company-mcp"}
    resolver = {r.split(">")[0].split("[")[0] for r in requirements(package("aws/resolver"))}
    assert resolver == {"psycopg", "pydantic", "pydantic-settings", "anyio", "botocore"}


def test_the_cut_leaves_out_a_dependency_and_what_only_it_pulls_in() -> None:
    graph = [
        Resolved("mcp", "2.3.0", ("uvicorn>=0.31", "httpx>=0.27", "pywin32>=311; sys_platform == 'win32'")),
        Resolved("uvicorn", "0.54.0", ("click>=7", "h11>=0.8")),
        Resolved("click", "8.5.1", ()),
        Resolved("httpx", "0.28.1", ("httpcore==1.*",)),
        Resolved("httpcore", "1.0.9", ("h11>=0.16",)),
        Resolved("h11", "0.16.0", ()),
        Resolved("psycopg", "3.3.9", ("psycopg-binary==3.3.9; extra == 'binary'", "psycopg-pool; extra == 'pool'")),
        Resolved("psycopg-binary", "3.3.9", ()),
        Resolved("psycopg-pool", "3.3.3", ()),
    ]
    kept = build_lambda.closure(["mcp>=2.3", "psycopg[binary]>=3.2"], graph, ["uvicorn"], ENV)
    assert kept == {"h11": "0.16.0", "httpcore": "1.0.9", "httpx": "0.28.1", "mcp": "2.3.0"} | {
        "psycopg": "3.3.9",
        "psycopg-binary": "3.3.9",
    }


def test_sources_are_the_modules_each_handler_needs() -> None:
    mcp = {p.as_posix() for p in source_files(package("aws/mcp"))}
    assert {"core/config.py", "adapters/aws/lambda_handler.py", "adapters/aws/main.py", "adapters/bootstrap.py"} <= mcp
    assert not any(s.startswith("cli/") for s in mcp)  # entry points call the composition root, never the CLI
    assert not {"adapters/aws/resolver_handler.py", "cli/serve.py", "companydata/postgres_store.py"} & mcp
    assert not any(s.startswith(("companydata/api/", "adapters/azure/", "stacks/", "tests/")) for s in mcp)
    resolver = {p.as_posix() for p in source_files(package("aws/resolver"))}
    assert {"adapters/aws/resolver_handler.py", "companydata/api/dispatch.py", "companydata/postgres_store.py"} <= (
        resolver
    )
    assert not any(s.startswith(("cli/", "adapters/graphql/", "companydata/sqlite_")) for s in resolver)
    assert not any("__pycache__" in s or s.endswith(".pyc") for s in mcp | resolver)


def test_zip_is_reproducible_and_leaves_out_scripts_and_caches(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "dep" / "__pycache__").mkdir(parents=True)
    (site / "dep" / "__init__.py").write_text("x = 1\n")
    (site / "dep" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (site / "bin").mkdir()
    (site / "bin" / "tool").write_text("#!/build/machine/python\n")
    sources = (Path("core/config.py"),)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    files, unzipped = build_lambda.write_zip(first, site, build_lambda.REPO_ROOT, sources)
    build_lambda.write_zip(second, site, build_lambda.REPO_ROOT, sources)
    assert files == 2 and unzipped == len("x = 1\n") + (build_lambda.REPO_ROOT / "core/config.py").stat().st_size
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == ["core/config.py", "dep/__init__.py"]
        assert {info.date_time for info in archive.infolist()} == {build_lambda.FIXED_TIME}


def test_dry_run_builds_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert build_lambda.main(["--dry-run", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "aws/mcp ->" in printed and "(cut: uvicorn)" in printed and "adapters/aws/resolver_handler.py" in printed
    assert not list(tmp_path.iterdir())
