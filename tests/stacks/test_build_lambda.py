"""The Lambda build step, checked without running pip: the plan, the file list and a reproducible zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from stacks import build_lambda


def test_plan_installs_linux_wheels_for_the_lambda_python() -> None:
    plan = build_lambda.plan(python_version="3.12")
    command = " ".join(plan.pip_command)
    assert "--platform manylinux2014_x86_64" in command
    assert "--only-binary=:all:" in command
    assert "--implementation cp --python-version 3.12" in command
    assert f"--target {plan.staging / 'site'}" in command
    assert any(r.startswith("mangum") for r in plan.requirements)
    assert any(r.startswith("psycopg") for r in plan.requirements)
    assert not any(r.startswith(("pytest", "pulumi", "company-mcp")) for r in plan.requirements)
    assert [p.name for p in plan.outputs] == ["mcp-lambda.zip", "resolver-lambda.zip"]
    assert plan.outputs[0].parent == build_lambda.REPO_ROOT / "dist"


def test_sources_are_the_packages_with_their_data_files() -> None:
    sources = {p.as_posix() for p in build_lambda.source_files()}
    assert {"core/config.py", "companydata/api/schema.graphql", "adapters/aws/config.py", "cli/main.py"} <= sources
    assert not any("__pycache__" in s or s.endswith(".pyc") for s in sources)
    assert not any(s.startswith(("stacks/", "tests/")) for s in sources)


def test_zip_is_reproducible(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "dep").mkdir(parents=True)
    (site / "dep" / "__init__.py").write_text("x = 1\n")
    (site / "dep" / "__pycache__").mkdir()
    (site / "dep" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    sources = (Path("core/config.py"),)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert build_lambda.write_zip(first, site, build_lambda.REPO_ROOT, sources) == 2
    build_lambda.write_zip(second, site, build_lambda.REPO_ROOT, sources)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == ["core/config.py", "dep/__init__.py"]


def test_dry_run_builds_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert build_lambda.main(["--dry-run", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "--only-binary=:all:" in printed and "core/config.py" in printed
    assert not list(tmp_path.iterdir())
