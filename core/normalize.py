"""Comparing two answers to the same question: what legitimately differs is removed, the rest is diffed.

One normaliser serves both the migration pilot (``pilot.parity``, tool results of two
servers) and shadow mode (``core.shadow``, backend results of two backends), so a
difference means the same thing in both.

What legitimately differs between two correct deployments:

- opaque paging positions (``next_cursor`` signed per deployment, ``next_after``
  per backend) and the moving parts of a quota or retry hint;
- the ids of objects created during a run (each deployment mints its own) and the
  timestamps of those objects. Callers pass ``created`` (raw id -> stable
  placeholder) so both sides name such an object the same way.

Paths name fields as ``items[3].employee_count``; ``generalize`` turns that into
``items[].employee_count`` for per-field counts. Only paths and values of the two
answers are reported; callers decide whether values may be shown (shadow mode never
logs them).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

# Fields that differ between correct deployments, as generalized paths (matched as a whole path or as its tail).
DEFAULT_IGNORE: tuple[str, ...] = (
    "next_cursor",
    "next_after",
    "quota.remaining",
    "quota.reset_s",
    "error.retry_after_s",
)
# Keys that identify an object; when one holds a created id, the object's timestamps are the run's own.
ID_KEYS = frozenset({"id", "request_id", "collection_id"})
TIMESTAMP_KEYS = frozenset({"created_at", "requested_at", "completed_at", "updated_at"})
CREATED_TIMESTAMP = "<timestamp of an object created during the run>"
ABSENT = "<absent>"
MAX_DIFFERENCES = 50  # per pair of answers: enough to explain, bounded for huge lists

_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True, slots=True)
class Difference:
    path: str  # e.g. "items[3].employee_count"; "" for the whole value
    baseline: Any
    candidate: Any

    @property
    def field(self) -> str:
        return generalize(self.path)


def generalize(path: str) -> str:
    """``items[3].employee_count`` -> ``items[].employee_count``: one name per field, whatever the index."""
    return _INDEX.sub("[]", path)


def to_jsonable(value: Any) -> Any:
    """Backend results (pydantic models, dataclasses, tuples, sets) as plain JSON-like data."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def _ignored(path: str, ignore: Sequence[str]) -> bool:
    general = generalize(path)
    return any(general == rule or general.endswith("." + rule) for rule in ignore)


def normalize(value: Any, *, ignore: Sequence[str] = DEFAULT_IGNORE, created: Mapping[str, str] | None = None) -> Any:
    """A copy of ``value`` without ignored fields, with created ids and their timestamps replaced."""
    return _normalize(to_jsonable(value), "", tuple(ignore), created or {})


def _normalize(value: Any, path: str, ignore: tuple[str, ...], created: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        own = any(isinstance(value.get(key), str) and value[key] in created for key in ID_KEYS)
        out: dict[str, Any] = {}
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if _ignored(child, ignore):
                continue
            if own and key in TIMESTAMP_KEYS and item is not None:
                out[key] = CREATED_TIMESTAMP
                continue
            out[key] = _normalize(item, child, ignore, created)
        return out
    if isinstance(value, list):
        return [_normalize(item, f"{path}[{i}]", ignore, created) for i, item in enumerate(value)]
    if isinstance(value, str) and value in created:
        return created[value]
    return value


def diff(baseline: Any, candidate: Any, *, limit: int = MAX_DIFFERENCES) -> list[Difference]:
    """Leaf-level differences of two normalized values, in document order, at most ``limit``."""
    found: list[Difference] = []
    _diff(baseline, candidate, "", found, limit)
    return found


def _diff(a: Any, b: Any, path: str, found: list[Difference], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in _ordered_keys(a, b):
            child = f"{path}.{key}" if path else key
            _diff(a.get(key, ABSENT), b.get(key, ABSENT), child, found, limit)
        return
    if isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            _diff(a[i] if i < len(a) else ABSENT, b[i] if i < len(b) else ABSENT, f"{path}[{i}]", found, limit)
        return
    # bool is an int in Python: True == 1 must still count as a difference
    if a != b or type(a) is not type(b):
        found.append(Difference(path, a, b))


def _ordered_keys(a: Mapping[str, Any], b: Mapping[str, Any]) -> Iterable[str]:
    return [*a, *(k for k in b if k not in a)]


def leaf_paths(value: Any, path: str = "") -> list[str]:
    """Every leaf's path (an empty list or object counts as a leaf), for per-field totals."""
    if isinstance(value, dict) and value:
        return [p for key, item in value.items() for p in leaf_paths(item, f"{path}.{key}" if path else key)]
    if isinstance(value, list) and value:
        return [p for i, item in enumerate(value) for p in leaf_paths(item, f"{path}[{i}]")]
    return [path]
