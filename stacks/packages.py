"""What each deployable ships: one row per cloud function, read by the build (``build_lambda.py``) and the stacks.

A package holds the repository modules its handler imports and the distributions those import, for one
platform, within that platform's limits. Requirements are named, never re-stated: a row picks optional
groups of ``pyproject.toml`` (``extras``) and single requirements by distribution name (``picks``), so the
version ranges live in one place and ``requirements.lock`` pins them. ``cut`` names distributions that a
requirement declares but this function never imports (the MCP SDK requires uvicorn; under Mangum nothing
starts it): the build leaves them out together with whatever only they pulled in. ``absent`` lists import
names that must not be in the package at all; the build checks it, and the package tests import the
handler with only the package on ``sys.path``, so whatever is left out and still imported fails there.

- ``aws/mcp`` (``adapters.aws.lambda_handler.handler``): the core set, ``aws`` and ``redis``; no psycopg,
  no plots, no reference API, no uvicorn.
- ``aws/resolver`` (``adapters.aws.resolver_handler.handler``): pydantic(-settings), anyio, ``postgres`` and
  botocore; no MCP SDK, no Starlette, no uvicorn, no plots.

The Azure Functions and Cloud Run packages are further rows: a ``Platform`` for each (its wheel tags and
limits), and rows naming their handler, their extras (``azure``, ``gcp``) and their cut.
- ``gcp/mcp`` (``python -m adapters.gcp.cloud_run``, the MCP image of ``deploy/gcp/Dockerfile``): the core set,
  ``gcp``, ``redis`` and ``serve``; no psycopg, no plots, no reference API, no AWS libraries.
- ``gcp/api`` (``python -m adapters.gcp.cloud_run_api``, the company API image): the core set (core's token
  verifier checks the callers' Google ID tokens), ``postgres``, ``api``, ``gcp`` and ``serve``; no Redis, no plots.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
MB: Final = 1_000_000  # decimal megabytes: below AWS's MiB-based quotas, so a package that passes here fits there

Cloud = Literal["aws", "azure", "gcp"]


@dataclass(frozen=True, slots=True)
class Platform:
    """Where a package runs: the wheels that load there and the size limits of a deployment package."""

    cloud: Cloud
    name: str
    wheel_platforms: tuple[str, ...]
    python_version: str
    max_zipped_bytes: int  # a bigger archive must go through object storage (or a container image)
    max_unzipped_bytes: int
    site_dir: str = ""  # where the dependencies go in the archive ("": its root)


# Lambda: Linux x86_64 wheels only (manylinux, glibc <= 2.34 on Amazon Linux 2023) for the runtime's CPython;
# 50 MB zipped by direct upload, 250 MB unzipped including layers (the AppConfig agent layer is about 5 MB).
AWS_LAMBDA: Final = Platform(
    cloud="aws",
    name="AWS Lambda (x86_64)",
    wheel_platforms=("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
    python_version="3.12",
    max_zipped_bytes=50 * MB,
    max_unzipped_bytes=250 * MB,
)


# Azure Functions, Flex Consumption, Python on Linux x86_64 (3.11: azure-functions 1.26 is the newest for 3.11/3.12,
# and 3.12 on Flex is not confirmed). The host loads ``function_app.py`` and ``host.json`` from the package root and
# the dependencies from ``.python_packages/lib/site-packages`` (a package deployed without a remote build). Microsoft
# documents no package size limit for Flex's OneDeploy that we could find (the search tool found none); these are our
# own budget, so that a package growing by a dependency's weight is noticed (cold starts on Flex grow with it).
AZURE_FUNCTIONS: Final = Platform(
    cloud="azure",
    name="Azure Functions Flex Consumption (Python, Linux x86_64)",
    wheel_platforms=("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
    python_version="3.11",
    max_zipped_bytes=100 * MB,
    max_unzipped_bytes=400 * MB,
    site_dir=".python_packages/lib/site-packages",
)


@dataclass(frozen=True, slots=True)
class PackageSpec:
    name: str
    platform: Platform
    handler: str  # module.function
    archive: str  # the zip's file name under dist/
    core: bool  # ships [project].dependencies
    extras: tuple[str, ...] = ()  # optional groups of pyproject.toml shipped whole
    picks: tuple[str, ...] = ()  # single requirements, by distribution name, from anywhere in pyproject.toml
    cut: tuple[str, ...] = ()  # declared by a requirement, never imported here: left out with what only it pulls
    absent: tuple[str, ...] = ()  # top-level import names that must not be in the package
    sources: tuple[str, ...] = ()  # repository files and folders (relative, posix) shipped
    skip: tuple[str, ...] = ()  # repository files and folders under ``sources`` not shipped
    root_files: tuple[tuple[str, str], ...] = ()  # (name at the archive's root, repository file): entry scripts

    @property
    def key(self) -> str:
        return f"{self.platform.cloud}/{self.name}"

    @property
    def handler_module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


# Cloud Run: a container image (linux/amd64, the python:3.12 base of deploy/gcp/Dockerfile). Cloud Run sets no
# small size limit on images; these are our budgets, so that an image stays small and starts fast.
CLOUD_RUN: Final = Platform(
    cloud="gcp",
    name="Cloud Run (linux/amd64 container)",
    wheel_platforms=("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
    python_version="3.12",
    max_zipped_bytes=50 * MB,
    max_unzipped_bytes=150 * MB,
)


PACKAGES: Final = (
    PackageSpec(
        name="mcp",
        platform=AWS_LAMBDA,
        handler="adapters.aws.lambda_handler.handler",
        archive="mcp-lambda.zip",
        core=True,
        extras=("aws", "redis"),
        cut=("uvicorn",),  # Mangum drives the ASGI app; the SDK imports uvicorn only in its own run()
        absent=("psycopg", "psycopg_pool", "matplotlib", "numpy", "ariadne", "uvicorn", "uvloop", "httptools"),
        sources=(
            "core",
            "adapters/__init__.py",
            "adapters/bootstrap.py",  # the composition root the Lambda handler calls
            "adapters/ratelimit.py",
            "adapters/aws",
            "adapters/graphql",
            "adapters/fake",  # COMPANY_MCP_ADAPTER=fake: a trial of the function without the API
            "companydata",
        ),
        skip=("adapters/aws/resolver_handler.py", "companydata/api", "companydata/postgres_"),
    ),
    PackageSpec(
        name="resolver",
        platform=AWS_LAMBDA,
        handler="adapters.aws.resolver_handler.handler",
        archive="resolver-lambda.zip",
        core=False,
        extras=("postgres",),
        picks=("pydantic", "pydantic-settings", "anyio", "botocore"),
        absent=("mcp", "starlette", "uvicorn", "mangum", "httpx", "matplotlib", "ariadne", "redis", "jwt"),
        sources=(
            "core",
            "adapters/__init__.py",
            "adapters/aws/__init__.py",
            "adapters/aws/config.py",
            "adapters/aws/resolver_handler.py",
            "adapters/aws/appsync_origin.py",
            "companydata",
        ),
        skip=("companydata/sqlite_", "companydata/seed.py", "companydata/postgres_seed.py"),
    ),
    PackageSpec(
        name="mcp",
        platform=AZURE_FUNCTIONS,
        handler="function_app.app",
        archive="mcp-azure-functions.zip",
        core=True,
        extras=("azure", "redis"),
        cut=("uvicorn",),  # the Functions host drives the ASGI app; the SDK imports uvicorn only in its own run()
        absent=("psycopg", "psycopg_pool", "matplotlib", "numpy", "ariadne", "uvicorn", "botocore", "mangum"),
        sources=(
            "core",
            "adapters/__init__.py",
            "adapters/bootstrap.py",
            "adapters/ratelimit.py",
            "adapters/azure",
            "adapters/graphql",
            "adapters/fake",  # COMPANY_MCP_ADAPTER=fake: a trial of the function without the API
            "companydata",
        ),
        skip=(
            "adapters/azure/api_host.py",
            "adapters/azure/api_function_app.py",
            "companydata/api",
            "companydata/postgres_",
        ),
        root_files=(("function_app.py", "adapters/azure/function_app.py"), ("host.json", "adapters/azure/host.json")),
    ),
    PackageSpec(
        name="api",
        platform=AZURE_FUNCTIONS,
        handler="function_app.app",
        archive="api-azure-functions.zip",
        core=True,  # core.auth's verifier (EntraServiceAuth) uses the MCP SDK's AccessToken and PyJWT
        extras=("postgres", "api"),
        picks=("azure-identity", "azure-functions"),
        cut=("uvicorn",),
        absent=("matplotlib", "numpy", "uvicorn", "botocore", "mangum", "redis"),
        sources=(
            "core",
            "adapters/__init__.py",
            "adapters/azure/__init__.py",
            "adapters/azure/config.py",
            "adapters/azure/api_host.py",
            "adapters/azure/api_function_app.py",
            "adapters/azure/host.json",
            "companydata",
        ),
        skip=("companydata/seed.py", "companydata/postgres_seed.py"),
        root_files=(
            ("function_app.py", "adapters/azure/api_function_app.py"),
            ("host.json", "adapters/azure/host.json"),
        ),
    ),
    PackageSpec(
        name="mcp",
        platform=CLOUD_RUN,
        handler="adapters.gcp.cloud_run.main",
        archive="mcp-cloudrun.zip",
        core=True,
        extras=("gcp", "redis", "serve"),
        absent=("psycopg", "psycopg_pool", "matplotlib", "numpy", "ariadne", "botocore", "mangum", "azure"),
        sources=(
            "core",
            "adapters/__init__.py",
            "adapters/bootstrap.py",
            "adapters/ratelimit.py",
            "adapters/gcp",
            "adapters/graphql",
            "adapters/fake",  # COMPANY_MCP_ADAPTER=fake: a trial of the image without the API
            "companydata",
        ),
        skip=(
            "adapters/gcp/cloud_run_api.py",
            "adapters/gcp/cloud_sql.py",
            "companydata/api",
            "companydata/postgres_",
        ),
    ),
    PackageSpec(
        name="api",
        platform=CLOUD_RUN,
        handler="adapters.gcp.cloud_run_api.main",
        archive="api-cloudrun.zip",
        core=True,
        extras=("postgres", "api", "gcp", "serve"),
        absent=("matplotlib", "numpy", "botocore", "mangum", "azure", "redis"),
        sources=(
            "core",
            "adapters/__init__.py",
            "adapters/gcp/__init__.py",
            "adapters/gcp/cloud_run_api.py",
            "adapters/gcp/cloud_sql.py",
            "companydata",  # whole: the stack's seed job runs in this image (postgres_seed imports seed, sqlite_schema)
        ),
    ),
)


def package(key: str) -> PackageSpec:
    """The row ``cloud/name``, e.g. ``aws/mcp``."""
    for spec in PACKAGES:
        if spec.key == key:
            return spec
    raise KeyError(f"no package {key!r}; known: {', '.join(spec.key for spec in PACKAGES)}")


def for_cloud(cloud: Cloud) -> tuple[PackageSpec, ...]:
    return tuple(spec for spec in PACKAGES if spec.platform.cloud == cloud)


def _project(pyproject: Path) -> dict[str, object]:
    project: dict[str, object] = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return project


def requirements(spec: PackageSpec, pyproject: Path = REPO_ROOT / "pyproject.toml") -> tuple[str, ...]:
    """The package's root requirements as written in pyproject.toml (self-references left out)."""
    project = _project(pyproject)
    groups: dict[str, list[str]] = project.get("optional-dependencies", {})  # type: ignore[assignment]
    core: list[str] = project.get("dependencies", [])  # type: ignore[assignment]
    found: list[str] = list(core) if spec.core else []
    for extra in spec.extras:
        if extra not in groups:
            raise KeyError(f"{spec.key}: pyproject.toml has no optional group {extra!r}")
        found += [r for r in groups[extra] if canonicalize_name(Requirement(r).name) != project["name"]]
    everywhere = [*core, *(r for group in groups.values() for r in group)]
    for name in spec.picks:
        matches = [r for r in everywhere if canonicalize_name(Requirement(r).name) == canonicalize_name(name)]
        if not matches:
            raise KeyError(f"{spec.key}: no requirement named {name!r} in pyproject.toml")
        found.append(matches[0])
    unique: dict[str, str] = {}
    for requirement in found:
        unique.setdefault(canonicalize_name(Requirement(requirement).name), requirement)
    return tuple(unique.values())


def source_files(spec: PackageSpec, root: Path = REPO_ROOT) -> tuple[Path, ...]:
    """The repository files the package ships (code and data files), without caches."""
    files: set[Path] = set()
    for source in spec.sources:
        path = root / source
        candidates: Sequence[Path] = sorted(path.rglob("*")) if path.is_dir() else [path]
        for candidate in candidates:
            relative = candidate.relative_to(root)
            posix = relative.as_posix()
            if not candidate.is_file() or "__pycache__" in relative.parts or candidate.suffix in (".pyc", ".pyo"):
                continue
            if any(posix == s or posix.startswith(s if s.endswith(("_", ".py")) else f"{s}/") for s in spec.skip):
                continue
            files.add(relative)
    return tuple(sorted(files))
