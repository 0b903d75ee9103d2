"""Build the two Lambda packages the AWS stack deploys: ``dist/mcp-lambda.zip`` and ``dist/resolver-lambda.zip``.

    python stacks/build_lambda.py             # build both zips
    python stacks/build_lambda.py --dry-run   # print the pip command and the files, build nothing

Each zip holds the project's runtime dependencies (``[project].dependencies`` plus the ``aws`` extra of
pyproject.toml, pinned by requirements.lock) installed for Lambda's platform -- Linux x86_64 wheels only
(``--platform manylinux2014_x86_64`` and ``manylinux_2_28_x86_64``, ``--only-binary=:all:``, CPython of the
runtime's version), so the build works the same on macOS, Windows and Linux -- and the repository's own
packages (``core``, ``adapters``, ``cli``, ``companydata``, data files such as the GraphQL schema included).
Both functions run the same code base, with different handlers:

- MCP server: ``adapters.aws.lambda_handler.handler``;
- AppSync resolver: ``adapters.aws.resolver_handler.handler``.

The zips are reproducible (sorted entries, fixed timestamps), so an unchanged tree gives an unchanged zip
and ``pulumi up`` does not redeploy the functions.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGES: Final = ("core", "adapters", "cli", "companydata")
EXTRAS: Final = ("aws",)
ZIPS: Final = ("mcp-lambda.zip", "resolver-lambda.zip")
DEFAULT_PLATFORMS: Final = ("manylinux2014_x86_64", "manylinux_2_28_x86_64")
DEFAULT_PYTHON: Final = "3.12"
SKIP_DIRS: Final = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "tests"})
SKIP_SUFFIXES: Final = (".pyc", ".pyo")
FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class BuildPlan:
    pip_command: tuple[str, ...]
    requirements: tuple[str, ...]
    sources: tuple[Path, ...]  # repository files, relative to the repository root
    staging: Path
    outputs: tuple[Path, ...]


def requirements(pyproject: Path = REPO_ROOT / "pyproject.toml", extras: Sequence[str] = EXTRAS) -> tuple[str, ...]:
    """The runtime requirements: ``[project].dependencies`` and the named optional groups."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    found: list[str] = list(project.get("dependencies", []))
    for extra in extras:
        for requirement in project.get("optional-dependencies", {}).get(extra, []):
            if not requirement.startswith(project["name"]):  # self-references like company-mcp[aws]
                found.append(requirement)
    return tuple(found)


def source_files(root: Path = REPO_ROOT, packages: Sequence[str] = PACKAGES) -> tuple[Path, ...]:
    """Every file of the repository's packages (code and data), without caches and tests."""
    files: list[Path] = []
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or SKIP_DIRS.intersection(relative.parts) or path.suffix in SKIP_SUFFIXES:
                continue
            files.append(relative)
    return tuple(files)


def plan(
    *,
    root: Path = REPO_ROOT,
    out: Path | None = None,
    python_version: str = DEFAULT_PYTHON,
    platforms: Sequence[str] = DEFAULT_PLATFORMS,
) -> BuildPlan:
    staging = root / "build" / "lambda"
    site = staging / "site"
    reqs = requirements(root / "pyproject.toml")
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(site)]
    for platform in platforms:
        command += ["--platform", platform]
    command += ["--implementation", "cp", "--python-version", python_version, "--only-binary=:all:", "--upgrade"]
    lock = root / "requirements.lock"
    if lock.is_file():
        command += ["--constraint", str(lock)]
    command += list(reqs)
    out_dir = out or root / "dist"
    return BuildPlan(
        pip_command=tuple(command),
        requirements=reqs,
        sources=source_files(root),
        staging=staging,
        outputs=tuple(out_dir / name for name in ZIPS),
    )


def _walk(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and "__pycache__" not in relative.parts and path.suffix not in SKIP_SUFFIXES:
            yield path


def write_zip(target: Path, site: Path, root: Path, sources: Sequence[Path]) -> int:
    """A reproducible zip: dependencies at the top level, then the repository's packages."""
    target.parent.mkdir(parents=True, exist_ok=True)
    entries: list[tuple[str, Path]] = [(path.relative_to(site).as_posix(), path) for path in _walk(site)]
    entries += [(relative.as_posix(), root / relative) for relative in sources]
    entries.sort()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return len(entries)


def build(build_plan: BuildPlan, root: Path = REPO_ROOT) -> None:
    site = build_plan.staging / "site"
    if build_plan.staging.exists():
        shutil.rmtree(build_plan.staging)
    site.mkdir(parents=True)
    subprocess.run(build_plan.pip_command, check=True)
    for output in build_plan.outputs:
        count = write_zip(output, site, root, build_plan.sources)
        size_mb = output.stat().st_size / 1_000_000
        print(f"{output.relative_to(root) if output.is_relative_to(root) else output}: {count} files, {size_mb:.1f} MB")
        if size_mb > 50:
            print(f"warning: {output.name} is over Lambda's 50 MB direct-upload limit", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: dist/)")
    parser.add_argument("--python-version", default=DEFAULT_PYTHON, help="the Lambda runtime's Python (default 3.12)")
    parser.add_argument(
        "--platform", action="append", dest="platforms", help="wheel platform tags (repeatable; default: manylinux)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would be done and exit")
    args = parser.parse_args(argv)
    build_plan = plan(out=args.out, python_version=args.python_version, platforms=args.platforms or DEFAULT_PLATFORMS)
    if args.dry_run:
        print(" ".join(build_plan.pip_command))
        for source in build_plan.sources:
            print(source.as_posix())
        for output in build_plan.outputs:
            print(f"-> {output}")
        return 0
    build(build_plan)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
