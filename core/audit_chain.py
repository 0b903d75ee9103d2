"""The audit log's hash chain: each record carries the SHA-256 of the previous line.

A deleted, inserted or edited record breaks the chain, which ``verify_chain``
finds. Shared by every AuditSink that writes lines, and by ``company-mcp audit verify``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def line_digest(line: str) -> str:
    return hashlib.sha256(line.rstrip("\n").encode()).hexdigest()


def chained_line(record: dict[str, Any], prev_sha256: str) -> str:
    """The JSON line to append (no trailing newline)."""
    return json.dumps({**record, "prev_sha256": prev_sha256}, separators=(",", ":"), sort_keys=False)


@dataclass(frozen=True, slots=True)
class ChainReport:
    records: int
    ok: bool
    first_bad_line: int | None = None
    problem: str | None = None


def verify_chain(lines: Iterable[str]) -> ChainReport:
    prev = GENESIS
    count = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if not line:
            return ChainReport(count, False, number, "empty line")
        try:
            record = json.loads(line)
        except ValueError:
            return ChainReport(count, False, number, "not valid JSON")
        if not isinstance(record, dict) or record.get("prev_sha256") != prev:
            return ChainReport(count, False, number, "prev_sha256 does not match the previous line (edited or removed)")
        prev = line_digest(line)
        count += 1
    return ChainReport(count, True)
