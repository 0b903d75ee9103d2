"""The audit log's keyed chain and its signed checkpoint (design.md section 3).

Every record carries ``seq`` (1, 2, ...), ``prev_hmac`` (the ``chain_hmac`` of the record before it) and
``chain_hmac``: an HMAC-SHA256, with the deployment's audit key, over the record's fields. Whoever can edit
the log but does not hold the key cannot make a record that verifies, so an edited, forged, inserted,
reordered or removed record is found. Records removed from the end (or all of them) leave a valid chain;
the checkpoint catches that: the record count and the last ``chain_hmac``, HMAC'd with the same key and
kept apart from the log, rewritten with every append.

Older logs carry ``prev_sha256`` (a plain SHA-256 of the previous line, no key): they still verify as a
"legacy unkeyed chain". When keyed records follow legacy ones in the same file, the first keyed record's
``prev_hmac`` is the SHA-256 of the last legacy line, so the legacy part is sealed from then on.

Shared by every AuditSink that writes records as lines, and by ``company-mcp audit verify``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
MIN_KEY_BYTES = 32
CHAIN_FIELDS = ("seq", "prev_hmac", "chain_hmac")
_COMPACT = {"separators": (",", ":")}


def line_digest(line: str) -> str:
    """SHA-256 of one line (the legacy chain's link)."""
    return hashlib.sha256(line.rstrip("\n").encode()).hexdigest()


def canonical_json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, default=str, **_COMPACT).encode()


class AuditKey:
    """The deployment's audit key. One subkey per use, so a digest of one kind never passes for another."""

    __slots__ = ("_args", "_chain", "_checkpoint")

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_KEY_BYTES:
            raise ValueError(f"the audit key must be at least {MIN_KEY_BYTES} bytes")
        self._args = _subkey(secret, b"args")
        self._chain = _subkey(secret, b"chain")
        self._checkpoint = _subkey(secret, b"checkpoint")

    def __repr__(self) -> str:
        return "AuditKey(<secret>)"

    def args_hmac(self, value: object) -> str:
        """Keyed digest of a call's arguments: equal arguments match, guessing them needs the key."""
        return hmac.new(self._args, canonical_json(value), hashlib.sha256).hexdigest()

    def record_hmac(self, fields: Mapping[str, Any]) -> str:
        """The ``chain_hmac`` of a record: every field but ``chain_hmac`` itself."""
        body = {k: v for k, v in fields.items() if k != "chain_hmac"}
        return hmac.new(self._chain, canonical_json(body), hashlib.sha256).hexdigest()

    def checkpoint_hmac(self, records: int, last_hmac: str) -> str:
        return hmac.new(self._checkpoint, f"{records}:{last_hmac}".encode(), hashlib.sha256).hexdigest()


def deployment_audit_key(configured: str | bytes | None, cursor_secret: bytes, *, setting: str) -> AuditKey:
    """A cloud deployment's audit key: the configured secret (``setting`` names it in errors), else a key
    derived from the cursor key, itself a per-deployment secret every instance shares (a dedicated secret
    keeps the two apart; the stacks provision one)."""
    if not configured:
        return AuditKey(hmac.new(cursor_secret, b"company-mcp audit key from the cursor key", hashlib.sha256).digest())
    key = configured.encode() if isinstance(configured, str) else configured
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"{setting} must be at least {MIN_KEY_BYTES} bytes")
    return AuditKey(key)


def _subkey(secret: bytes, purpose: bytes) -> bytes:
    # HKDF-Expand with one block (RFC 5869), written out: the info string is the purpose.
    return hmac.new(secret, b"company-mcp audit " + purpose + b"\x01", hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """How many keyed records the log holds and the last one's ``chain_hmac``, signed."""

    records: int
    last_hmac: str
    mac: str

    @classmethod
    def sign(cls, key: AuditKey, records: int, last_hmac: str) -> Checkpoint:
        return cls(records, last_hmac, key.checkpoint_hmac(records, last_hmac))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Raises ``ValueError`` when ``text`` is not a checkpoint."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a checkpoint")
        records, last, mac = data.get("records"), data.get("last_hmac"), data.get("mac")
        if not (isinstance(records, int) and records >= 0 and isinstance(last, str) and isinstance(mac, str)):
            raise ValueError("not a checkpoint")
        return cls(records, last, mac)

    def to_json(self) -> str:
        return json.dumps({"records": self.records, "last_hmac": self.last_hmac, "mac": self.mac}, **_COMPACT)

    def signed_by(self, key: AuditKey) -> bool:
        return hmac.compare_digest(self.mac, key.checkpoint_hmac(self.records, self.last_hmac))


class ChainError(Exception):
    """The log's last line cannot be chained onto (not a record of either kind, or not made with this key)."""


@dataclass(frozen=True, slots=True)
class ChainTail:
    """Where the next record goes: after keyed record ``records`` (0: none yet), linking to ``last_hmac``."""

    records: int
    last_hmac: str
    prev_of_last: str | None = None  # the last keyed record's own ``prev_hmac``

    @classmethod
    def after(cls, last_line: str | None, key: AuditKey) -> ChainTail:
        """The tail of a log whose last line is ``last_line`` (``None``: the log is empty)."""
        if last_line is None:
            return cls(0, GENESIS)
        try:
            record = json.loads(last_line)
        except ValueError:
            raise ChainError("its last line is not valid JSON") from None
        if not isinstance(record, dict):
            raise ChainError("its last line is not a record")
        if "chain_hmac" not in record:
            if "prev_sha256" in record:  # a legacy log: the keyed chain starts here and seals it
                return cls(0, line_digest(last_line))
            raise ChainError("its last line is not an audit record")
        if not hmac.compare_digest(str(record["chain_hmac"]), key.record_hmac(record)):
            raise ChainError("its last record does not verify with this deployment's audit key")
        seq = record.get("seq")
        if not isinstance(seq, int):
            raise ChainError("its last record has no sequence number")
        return cls(seq, str(record["chain_hmac"]), str(record.get("prev_hmac")))

    def append(self, fields: Mapping[str, Any], key: AuditKey) -> tuple[str, ChainTail]:
        """The JSON line for ``fields`` as the next record (no trailing newline), and the tail after it."""
        body = {**fields, "seq": self.records + 1, "prev_hmac": self.last_hmac}
        mac = key.record_hmac(body)
        line = json.dumps({**body, "chain_hmac": mac}, default=str, **_COMPACT)
        return line, ChainTail(self.records + 1, mac, self.last_hmac)

    def disagreement_with(self, checkpoint: Checkpoint) -> str | None:
        """Why this tail is not the one ``checkpoint`` describes, or ``None`` when it is (or is one record on:
        the process stopped between writing a record and its checkpoint)."""
        if self.records == checkpoint.records and (self.records == 0 or self.last_hmac == checkpoint.last_hmac):
            return None
        if self.records == checkpoint.records + 1 and (
            checkpoint.records == 0 or self.prev_of_last == checkpoint.last_hmac
        ):
            return None
        return f"the log ends at record {self.records} but its checkpoint names record {checkpoint.records}"


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    keyed_records: int = 0
    legacy_records: int = 0
    first_bad_line: int | None = None
    problem: str | None = None
    past_checkpoint: int = 0  # keyed records after the checkpoint's (their HMACs verify)

    @property
    def records(self) -> int:
        return self.keyed_records + self.legacy_records


def verify_chain(lines: Iterable[str], key: AuditKey | None, *, checkpoint: Checkpoint | None = None) -> ChainReport:
    """Check every line: legacy records by their SHA-256 links, keyed records by their HMACs, ``seq`` and
    ``prev_hmac``; with ``checkpoint`` (already known to be signed), also that no record is missing at the end."""
    walk = _Walk(key, checkpoint)
    for number, raw in enumerate(lines, start=1):
        problem = walk.step(raw.rstrip("\n"))
        if problem is not None:
            return ChainReport(False, walk.keyed, walk.legacy, number, problem)
    return walk.finish()


class _Walk:
    def __init__(self, key: AuditKey | None, checkpoint: Checkpoint | None) -> None:
        self.key = key
        self.checkpoint = checkpoint
        self.keyed = 0
        self.legacy = 0
        self.legacy_prev = GENESIS
        self.last_hmac = GENESIS
        self.hmac_at_checkpoint: str | None = None

    def step(self, line: str) -> str | None:
        if not line:
            return "empty line"
        try:
            record = json.loads(line)
        except ValueError:
            return "not valid JSON"
        if not isinstance(record, dict):
            return "not an audit record"
        if "chain_hmac" in record:
            return self._keyed(line, record)
        if "prev_sha256" in record:
            return self._legacy(line, record)
        return "neither a keyed nor a legacy audit record"

    def _legacy(self, line: str, record: dict[str, Any]) -> str | None:
        if self.keyed:
            return "an unkeyed record after keyed ones (inserted)"
        if record["prev_sha256"] != self.legacy_prev:
            return "prev_sha256 does not match the previous line (edited or removed)"
        self.legacy_prev = self.last_hmac = line_digest(line)
        self.legacy += 1
        return None

    def _keyed(self, line: str, record: dict[str, Any]) -> str | None:
        if self.key is None:
            return "a keyed record, but no audit key to check it with"
        if json.dumps(record, default=str, **_COMPACT) != line:
            return "not written by the audit sink (its JSON was altered)"
        if not hmac.compare_digest(str(record["chain_hmac"]), self.key.record_hmac(record)):
            return "chain_hmac does not match: the record was edited or forged (or this is not the deployment's key)"
        expected = self.keyed + 1
        if record.get("seq") != expected:
            return f"seq {record.get('seq')} where {expected} was due: records were removed, inserted or reordered"
        if record.get("prev_hmac") != self.last_hmac:
            return "prev_hmac does not match the record before it: records were removed, inserted or reordered"
        self.last_hmac = record["chain_hmac"]
        self.keyed = expected
        if self.checkpoint is not None and expected == self.checkpoint.records:
            self.hmac_at_checkpoint = self.last_hmac
        return None

    def finish(self) -> ChainReport:
        counts = {"keyed_records": self.keyed, "legacy_records": self.legacy}
        point = self.checkpoint
        if point is None:
            return ChainReport(True, **counts)
        if self.keyed < point.records:
            problem = (
                f"the checkpoint says {point.records} keyed records but the log holds {self.keyed}: "
                "records were removed from the end, or the log was emptied"
            )
            return ChainReport(False, **counts, problem=problem)
        if point.records and self.hmac_at_checkpoint != point.last_hmac:
            problem = f"record {point.records} is not the one the checkpoint names: the log was rewritten"
            return ChainReport(False, **counts, problem=problem)
        return ChainReport(True, **counts, past_checkpoint=self.keyed - point.records)


def verify_log(lines: Iterable[str], key: AuditKey | None, checkpoint_text: str | None) -> ChainReport:
    """A local log: the chain, and (when there is a key) its checkpoint, which must exist and be signed."""
    if key is None:
        if checkpoint_text is not None:
            return ChainReport(False, problem="there is a checkpoint but no audit key: the log cannot be checked")
        return verify_chain(lines, None)
    if checkpoint_text is None:
        return ChainReport(False, problem="the checkpoint is missing: records removed from the end would go unseen")
    try:
        checkpoint = Checkpoint.parse(checkpoint_text)
    except ValueError:
        return ChainReport(False, problem="the checkpoint is not valid")
    if not checkpoint.signed_by(key):
        return ChainReport(False, problem="the checkpoint is not signed with this deployment's audit key (forged?)")
    return verify_chain(lines, key, checkpoint=checkpoint)
