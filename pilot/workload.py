"""The calls a pilot makes: a deterministic built-in mix, or recorded calls from a JSONL file.

A ``Step`` is one call. Its arguments may hold ``Ref`` s to earlier answers, so the
workload uses real ids without knowing the data in advance:

- ``source="baseline"``: taken from the baseline's answer (company ids, domains), so
  both targets are asked exactly the same question;
- ``source="own"``: taken from the target's own answer (signed cursors, ids of
  collections and requests it created), which are legitimately per deployment.

The built-in mix is the same for the same ``--calls`` on every machine (a fixed
seed). It keeps ``ai_search`` within its default rate limit (5 per minute per
caller; the pilot uses at most ``AI_SEARCH_BUDGET``) and contains writes only when
asked; its writes touch one collection named ``pilot-parity`` and are idempotent.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.catalog import READ_TOOLS
from pilot.errors import PilotUsageError

AI_SEARCH_BUDGET = 4
PILOT_COLLECTION = "pilot-parity"
SEED = 20_240_607

INDUSTRIES = ("Software", "Financial Technology", "Healthcare", "Cybersecurity", "E-commerce", "Logistics", "Energy")
COUNTRIES = ("US", "GB", "DE", "FR", "NL", "SE", "ES", "IN", "JP", "CA")
QUERIES = ("software", "cloud", "analytics", "payments", "health", "security", "logistics", "data platform", "energy")
PROMPTS = (
    "fintech companies in Germany with more than 200 employees",
    "software companies in the United States founded after 2010",
    "healthcare startups in France with fewer than 50 employees",
    "cybersecurity firms in the UK",
)


@dataclass(frozen=True, slots=True)
class Ref:
    """A value from an earlier step's answer: ``path`` such as ``items[2].id``, ``next_cursor``, ``items[0:5].id``."""

    step: int
    path: str
    source: Literal["baseline", "own"] = "baseline"


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    tool: str
    arguments: Mapping[str, Any]
    writes: bool
    after: tuple[int, ...] = ()  # steps that must have finished first, besides those referenced
    label: str = ""

    def refs(self) -> list[Ref]:
        return [value for value in self.arguments.values() if isinstance(value, Ref)]


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    steps: tuple[Step, ...]

    @property
    def writes(self) -> int:
        return sum(step.writes for step in self.steps)


class Unresolvable(Exception):
    """An argument's source is missing (the earlier call failed or had no such field): the step is skipped."""


_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[(\d*):(\d*)\]")


def pick(value: Any, path: str) -> Any:
    """Follow ``path`` into ``value``; a slice ``[a:b]`` maps the rest of the path over the slice."""
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None:
            raise ValueError(f"bad path {path!r}")
        position = match.end()
        name, index, start, stop = match.groups()
        if name is not None:
            if not isinstance(value, dict) or name not in value:
                raise Unresolvable(f"no {name!r}")
            value = value[name]
        elif index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                raise Unresolvable(f"no item {index}")
            value = value[int(index)]
        else:
            if not isinstance(value, list):
                raise Unresolvable("not a list")
            part = value[int(start) if start else None : int(stop) if stop else None]
            rest = path[position:]
            return [pick(item, rest) for item in part] if rest else part
    if value is None:
        raise Unresolvable("null")
    return value


def resolve(step: Step, own: Mapping[int, Any], baseline: Mapping[int, Any]) -> dict[str, Any]:
    """The step's concrete arguments; ``own`` and ``baseline`` map step index -> successful answer."""
    arguments: dict[str, Any] = {}
    for key, value in step.arguments.items():
        if not isinstance(value, Ref):
            arguments[key] = value
            continue
        answers = own if value.source == "own" else baseline
        if value.step not in answers:
            raise Unresolvable(f"{key}: step {value.step} gave no answer to take it from")
        try:
            arguments[key] = pick(answers[value.step], value.path)
        except Unresolvable as exc:
            raise Unresolvable(f"{key}: step {value.step} answer has {exc} at {value.path}") from None
    return arguments


@dataclass
class _Builder:
    steps: list[Step] = field(default_factory=list)
    anchors: list[int] = field(default_factory=list)  # broad searches whose items feed lookups
    ai_searches: int = 0

    def add(self, tool: str, arguments: Mapping[str, Any], *, after: tuple[int, ...] = (), label: str = "") -> int:
        index = len(self.steps)
        self.steps.append(Step(index, tool, dict(arguments), tool not in READ_TOOLS, after, label or tool))
        return index


def builtin_workload(calls: int, *, include_writes: bool = False, seed: int = SEED) -> Workload:
    if calls < 1:
        raise PilotUsageError("--calls must be at least 1")
    rng = random.Random(seed)
    build = _Builder()
    _anchor(build, rng)
    if include_writes:
        _writes(build)
    blocks: list[tuple[int, Callable[[_Builder, random.Random], None]]] = [
        (3, _search_filters),
        (3, _search_text),
        (2, _paging),
        (3, _lookup_by_id),
        (2, _lookup_by_domain),
        (2, _anchor),
        (1, _ai_search),
        (1, _collections),
        (1, _capped),
        (1, _invalid),
    ]
    weights = [w for w, _ in blocks]
    while len(build.steps) < calls:
        rng.choices(blocks, weights)[0][1](build, rng)
    return Workload("builtin", tuple(build.steps[:calls]))


def _anchor(build: _Builder, rng: random.Random) -> None:
    key, value = rng.choice([("industry", rng.choice(INDUSTRIES)), ("country", rng.choice(COUNTRIES))])
    build.anchors.append(build.add("search_companies", {key: value, "limit": 20}, label="search (anchor)"))


def _search_filters(build: _Builder, rng: random.Random) -> None:
    args: dict[str, Any] = {"limit": rng.choice((5, 10, 20, 50))}
    options: list[tuple[str, Any]] = [
        ("industry", rng.choice(INDUSTRIES)),
        ("country", rng.choice(COUNTRIES)),
        ("min_employees", rng.choice((10, 50, 200))),
        ("max_employees", rng.choice((500, 2000, 10000))),
        ("founded_after", rng.choice((1990, 2000, 2010))),
    ]
    args.update(rng.sample(options, rng.randint(1, 3)))
    build.add("search_companies", args, label="search (filters)")


def _search_text(build: _Builder, rng: random.Random) -> None:
    args: dict[str, Any] = {"query": rng.choice(QUERIES), "limit": rng.choice((10, 20))}
    if rng.random() < 0.4:
        args["country"] = rng.choice(COUNTRIES)
    build.add("search_companies", args, label="search (text, all words)")


def _paging(build: _Builder, rng: random.Random) -> None:
    filters = {"country": rng.choice(COUNTRIES), "limit": 10}
    previous = build.add("search_companies", filters, label="paging (page 1)")
    for page in (2, 3):
        arguments = {**filters, "cursor": Ref(previous, "next_cursor", "own")}
        previous = build.add("search_companies", arguments, label=f"paging (page {page})")


def _lookup_by_id(build: _Builder, rng: random.Random) -> None:
    anchor = rng.choice(build.anchors)
    build.add("get_company", {"company_id": Ref(anchor, f"items[{rng.randrange(5)}].id")}, label="get_company (id)")


def _lookup_by_domain(build: _Builder, rng: random.Random) -> None:
    anchor = rng.choice(build.anchors)
    ref = Ref(anchor, f"items[{rng.randrange(5)}].domain")
    build.add("get_company", {"domain": ref}, label="get_company (domain)")


def _ai_search(build: _Builder, rng: random.Random) -> None:
    if build.ai_searches >= AI_SEARCH_BUDGET:  # stay under the default 5/minute per caller
        _search_text(build, rng)
        return
    build.add("ai_search", {"prompt": PROMPTS[build.ai_searches % len(PROMPTS)], "limit": 10}, label="ai_search")
    build.ai_searches += 1


def _collections(build: _Builder, rng: random.Random) -> None:
    build.add("list_collections", {"limit": 10}, label="list_collections")
    missing = "col_pilot_missing" if rng.random() < 0.5 else "edr_pilot_missing"
    if missing.startswith("col"):
        build.add("get_collection", {"collection_id": missing}, label="get_collection (unknown id)")
    else:
        build.add("get_email_discovery", {"request_id": missing}, label="get_email_discovery (unknown id)")


def _capped(build: _Builder, rng: random.Random) -> None:
    build.add("search_companies", {"limit": 150, "country": rng.choice(COUNTRIES)}, label="search (capped)")


def _invalid(build: _Builder, rng: random.Random) -> None:
    if rng.random() < 0.5:
        build.add("search_companies", {"country": "ZZ"}, label="invalid (country)")
    else:
        build.add("get_company", {"company_id": "cmp_00000001", "domain": "example.com"}, label="invalid (both ids)")


def _writes(build: _Builder) -> None:
    """Idempotent writes on one collection; the first is also the probe (``mutations_disabled`` stops the rest)."""
    anchor = build.anchors[0]
    note = {"name": PILOT_COLLECTION, "description": "Created by company-mcp pilot; safe to delete."}
    probe = build.add("create_collection", note, label="create_collection (write probe)")
    collection = Ref(probe, "collection.id", "own")
    added = build.add(
        "add_to_collection",
        {"collection_id": collection, "company_ids": Ref(anchor, "items[0:5].id")},
        after=(probe,),
    )
    build.add("create_collection", note, after=(added,), label="create_collection (again: idempotent)")
    build.add("get_collection", {"collection_id": collection}, after=(added,), label="get_collection (pilot)")
    build.add("list_collections", {}, after=(added,), label="list_collections (after writes)")
    requested = build.add(
        "request_email_discovery",
        {"company_id": Ref(anchor, "items[0].id"), "roles": ["cfo"]},
        after=(probe,),
    )
    ref = Ref(requested, "request_id", "own")
    build.add("get_email_discovery", {"request_id": ref}, label="get_email_discovery (pilot)")


def load_jsonl(path: Path, calls: int | None = None) -> Workload:
    """Recorded calls, one ``{"tool": ..., "arguments": {...}}`` per line (``#`` lines and blank lines skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PilotUsageError(f"--workload {path}: {exc.strerror or exc}") from None
    records: list[tuple[str, dict[str, Any]]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise PilotUsageError(f"--workload {path}:{number}: not JSON") from None
        tool, arguments = (item.get("tool"), item.get("arguments", {})) if isinstance(item, dict) else (None, None)
        if not isinstance(tool, str) or not isinstance(arguments, dict):
            raise PilotUsageError(f'--workload {path}:{number}: expected {{"tool": "...", "arguments": {{...}}}}')
        records.append((tool, arguments))
    if not records:
        raise PilotUsageError(f"--workload {path}: no calls in the file")
    count = calls if calls is not None else len(records)
    if count < 1:
        raise PilotUsageError("--calls must be at least 1")
    # A tool the pilot does not know as read-only is treated as a write (fail safe: only with --include-writes).
    steps = tuple(
        Step(i, tool, args, tool not in READ_TOOLS, (), tool)
        for i, (tool, args) in ((i, records[i % len(records)]) for i in range(count))
    )
    return Workload(str(path), steps)
