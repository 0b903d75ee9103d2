"""Build the Lambda packages the AWS stack deploys, one per function (``stacks/packages.py``).

    python stacks/build_lambda.py             # dist/mcp-lambda.zip, dist/resolver-lambda.zip, dist/packages.json
    python stacks/build_lambda.py --dry-run   # print each package's requirements and files, build nothing

For each package: pip resolves the package's root requirements for the Lambda platform (Linux x86_64
wheels only, ``--only-binary=:all:``, the runtime's CPython, pinned by requirements.lock), so the build
works the same on macOS, Windows and Linux; the resolved set is cut where the package's table row says
(``cut``), then installed without further resolution next to the repository files the row names. The
build fails when a package holds an import name it must not (``absent``) or exceeds the platform's
limits (50 MB zipped for a direct upload, 250 MB unzipped). ``dist/packages.json`` records what each
package holds and its sizes.

The zips are reproducible (sorted entries, fixed timestamps and modes, no scripts or caches), so an
unchanged tree gives unchanged bytes and ``pulumi up`` does not redeploy the functions.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from stacks.packages import PACKAGES, REPO_ROOT, PackageSpec, Platform, for_cloud, requirements, source_files

FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS: Final = frozenset({"__pycache__", "bin"})  # console scripts carry the build machine's interpreter path
SKIP_SUFFIXES: Final = (".pyc", ".pyo")


class PackageError(RuntimeError):
    """A package breaks its table row or its platform's limits (the message says which and by how much)."""


@dataclass(frozen=True, slots=True)
class Resolved:
    name: str  # canonical distribution name
    version: str
    requires: tuple[str, ...]


@dataclass(slots=True)
class BuiltPackage:
    spec: PackageSpec
    archive: Path
    zipped_bytes: int
    unzipped_bytes: int
    files: int
    distributions: dict[str, str] = field(default_factory=dict)  # name -> version

    def summary(self) -> dict[str, Any]:
        return {
            "handler": self.spec.handler,
            "archive": self.archive.name,
            "zipped_bytes": self.zipped_bytes,
            "unzipped_bytes": self.unzipped_bytes,
            "files": self.files,
            "distributions": dict(sorted(self.distributions.items())),
        }


def pip_platform_args(platform: Platform, python_version: str | None = None) -> list[str]:
    args: list[str] = []
    for tag in platform.wheel_platforms:
        args += ["--platform", tag]
    version = python_version or platform.python_version
    return [*args, "--implementation", "cp", "--python-version", version, "--only-binary=:all:"]


def _constraints(root: Path) -> list[str]:
    lock = root / "requirements.lock"
    return ["--constraint", str(lock)] if lock.is_file() else []


def resolve(roots: Sequence[str], platform: Platform, *, root: Path, python_version: str | None) -> list[Resolved]:
    """What pip would install for ``roots`` on ``platform`` (a dry run with a JSON report; nothing installed)."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed"]
        command += ["--report", str(report), "--target", str(Path(scratch) / "target")]
        command += pip_platform_args(platform, python_version) + _constraints(root) + list(roots)
        subprocess.run(command, check=True)
        data = json.loads(report.read_text(encoding="utf-8"))
    return [
        Resolved(
            canonicalize_name(item["metadata"]["name"]),
            item["metadata"]["version"],
            tuple(item["metadata"].get("requires_dist") or ()),
        )
        for item in data["install"]
    ]


def marker_environment(platform: Platform, python_version: str | None) -> dict[str, str]:
    version = python_version or platform.python_version
    env: dict[str, str] = dict(default_environment())
    running = env["python_version"] == version  # then the patch level is known; else the runtime's first
    env.update(
        python_version=version,
        python_full_version=env["python_full_version"] if running else f"{version}.0",
        implementation_name="cpython",
        platform_python_implementation="CPython",
        sys_platform="linux",
        platform_system="Linux",
        os_name="posix",
        platform_machine="x86_64",
    )
    return env


def closure(
    roots: Sequence[str], resolved: Iterable[Resolved], cut: Iterable[str], environment: Mapping[str, str]
) -> dict[str, str]:
    """The distributions reachable from ``roots`` without passing through ``cut`` (name -> version).

    pip resolves the whole graph but cannot leave a declared dependency out; this walks pip's own
    answer (its report) from the roots, with the target's markers, and stops at the cut.
    """
    by_name = {item.name: item for item in resolved}
    stop = {canonicalize_name(name) for name in cut}
    wanted: dict[str, set[str]] = {}
    queue: list[tuple[str, frozenset[str]]] = []
    for text in roots:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({**environment, "extra": ""}):
            queue.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    while queue:
        name, extras = queue.pop()
        if name in stop:
            continue
        seen = wanted.get(name)
        if seen is not None and extras <= seen:
            continue
        wanted[name] = (seen or set()) | set(extras)
        if name not in by_name:
            raise PackageError(f"pip did not resolve {name} (needed by the package)")
        for text in by_name[name].requires:
            requirement = Requirement(text)
            contexts = ["", *sorted(wanted[name])]
            if requirement.marker is not None and not any(
                requirement.marker.evaluate({**environment, "extra": extra}) for extra in contexts
            ):
                continue
            queue.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return {name: by_name[name].version for name in sorted(wanted)}


def install(pins: Mapping[str, str], site: Path, platform: Platform, *, python_version: str | None) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--target", str(site)]
    command += pip_platform_args(platform, python_version)
    command += [f"{name}=={version}" for name, version in pins.items()]
    subprocess.run(command, check=True)


def _walk(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if relative.parts[0] in SKIP_DIRS or "__pycache__" in relative.parts or path.suffix in SKIP_SUFFIXES:
            continue
        if path.is_file():
            yield path


def write_zip(
    target: Path,
    site: Path,
    root: Path,
    sources: Sequence[Path],
    *,
    site_dir: str = "",
    root_files: Sequence[tuple[str, str]] = (),
) -> tuple[int, int]:
    """A reproducible zip: dependencies (at the top level, or under ``site_dir``), the repository's files, and
    ``root_files`` (entry scripts the platform looks for at the root). Returns (files, bytes)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f"{site_dir.strip('/')}/" if site_dir else ""
    entries: list[tuple[str, Path]] = [(prefix + path.relative_to(site).as_posix(), path) for path in _walk(site)]
    entries += [(relative.as_posix(), root / relative) for relative in sources]
    entries += [(name, root / source) for name, source in root_files]
    entries.sort()
    unzipped = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in entries:
            data = path.read_bytes()
            unzipped += len(data)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return len(entries), unzipped


def top_level_names(site: Path) -> set[str]:
    """Import names at the package's top level (folders and modules, extension modules included)."""
    names: set[str] = set()
    for path in site.iterdir():
        if path.name.endswith((".dist-info", ".data")) or path.name in SKIP_DIRS:
            continue
        names.add(path.name.split(".", 1)[0] if path.is_file() else path.name)
    return names


def check(spec: PackageSpec, site: Path, zipped: int, unzipped: int) -> None:
    present = sorted(top_level_names(site) & set(spec.absent))
    if present:
        raise PackageError(f"{spec.key} must not ship {', '.join(present)} (see its row in stacks/packages.py)")
    limits = spec.platform
    if zipped > limits.max_zipped_bytes:
        raise PackageError(
            f"{spec.key} is {zipped / 1e6:.1f} MB zipped, over {limits.name}'s {limits.max_zipped_bytes / 1e6:.0f} MB"
        )
    if unzipped > limits.max_unzipped_bytes:
        raise PackageError(
            f"{spec.key} is {unzipped / 1e6:.1f} MB unzipped, over {limits.name}'s "
            f"{limits.max_unzipped_bytes / 1e6:.0f} MB"
        )


def build_package(
    spec: PackageSpec,
    *,
    out: Path,
    root: Path = REPO_ROOT,
    python_version: str | None = None,
    staging: Path | None = None,
) -> BuiltPackage:
    """Resolve, cut, install, check and zip one package (dependencies are staged in ``staging``, default build/)."""
    site = (staging or root / "build" / spec.platform.cloud) / spec.name
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    roots = requirements(spec, root / "pyproject.toml")
    resolved = resolve(roots, spec.platform, root=root, python_version=python_version)
    pins = closure(roots, resolved, spec.cut, marker_environment(spec.platform, python_version))
    install(pins, site, spec.platform, python_version=python_version)
    sources = source_files(spec, root)
    archive = out / spec.archive
    files, unzipped = write_zip(
        archive, site, root, sources, site_dir=spec.platform.site_dir, root_files=spec.root_files
    )
    built = BuiltPackage(spec, archive, archive.stat().st_size, unzipped, files, dict(pins))
    check(spec, site, built.zipped_bytes, built.unzipped_bytes)
    return built


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist", help="output directory (default: dist/)")
    parser.add_argument("--python-version", help="the Lambda runtime's Python (default: the platform's, 3.12)")
    parser.add_argument("--dry-run", action="store_true", help="print each package's requirements and files")
    clouds = sorted({spec.platform.cloud for spec in PACKAGES})
    parser.add_argument("--cloud", choices=clouds, default="aws", help="whose packages to build (default: aws)")
    args = parser.parse_args(argv)
    specs = for_cloud(args.cloud)
    if args.dry_run:
        for spec in specs:
            print(f"{spec.key} -> {args.out / spec.archive} ({spec.handler})")
            cut = f" (cut: {', '.join(spec.cut)})" if spec.cut else ""
            print("  requires: " + " ".join(requirements(spec)) + cut)
            for source in source_files(spec):
                print(f"  {source.as_posix()}")
        return 0
    summary: dict[str, Any] = {}
    for spec in specs:
        try:
            built = build_package(spec, out=args.out, python_version=args.python_version)
        except PackageError as exc:
            print(f"build_lambda: error: {exc}", file=sys.stderr)
            return 1
        summary[spec.key] = built.summary()
        print(
            f"{built.archive}: {built.files} files, {built.zipped_bytes / 1e6:.1f} MB zipped, "
            f"{built.unzipped_bytes / 1e6:.1f} MB unzipped"
        )
    (args.out / "packages.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
