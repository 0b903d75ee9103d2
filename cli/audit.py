"""``company-mcp audit verify``: check the audit log's keyed chain against its signed checkpoint.

The key and the checkpoint are looked for beside the log (``audit.key``, ``audit.checkpoint``) unless
given. A log without a key is read as a legacy unkeyed chain: what it can show is checked, and said.
"""

from __future__ import annotations

import argparse
import fcntl
import sys
from pathlib import Path

from adapters.fake.audit import checkpoint_path_for, key_path_for, read_audit_key
from cli.options import settings_from
from core.audit_chain import ChainReport, verify_log
from core.errors import ConfigError


def verify_audit(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else settings_from(args).data_dir / "audit.jsonl"
    key_path = Path(args.key_file) if args.key_file else key_path_for(path)
    checkpoint_path = Path(args.checkpoint) if args.checkpoint else checkpoint_path_for(path)
    if not path.is_file():
        print(f"no audit log at {path}", file=sys.stderr)
        return 1
    try:
        key = read_audit_key(key_path)
    except ConfigError as exc:
        print(f"audit log NOT CHECKED: {exc}", file=sys.stderr)
        return 1
    with path.open(encoding="utf-8", errors="replace") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)  # no append lands between the checkpoint and the lines
        try:
            checkpoint = checkpoint_path.read_text()
        except FileNotFoundError:
            checkpoint = None
        report = verify_log(handle, key, checkpoint)
    if not report.ok:
        where = f" at line {report.first_bad_line}" if report.first_bad_line is not None else ""
        hint = f" (looked for it at {key_path})" if key is None and "audit key" in (report.problem or "") else ""
        print(f"audit log BROKEN{where}: {report.problem}{hint} ({path})")
        return 1
    print(_intact_message(report, path, keyed=key is not None))
    return 0


def _intact_message(report: ChainReport, path: Path, *, keyed: bool) -> str:
    if not keyed:
        return (
            f"legacy unkeyed chain: {report.records} records chained by SHA-256 in {path}. Edits, insertions and "
            "removals inside it show; records removed from the end, and hashes recomputed by whoever edits the "
            "file, do not (no audit key, no checkpoint)."
        )
    text = f"audit log intact: {report.records} records in {path}; keyed chain and signed checkpoint agree"
    if report.legacy_records and report.keyed_records:
        text += f" (the first {report.legacy_records} are legacy unkeyed records, sealed by the keyed chain)"
    elif report.legacy_records:
        text += f" ({report.legacy_records} legacy unkeyed records, sealed once the next record is written)"
    if report.past_checkpoint:
        text += (
            f"; {report.past_checkpoint} record(s) after the checkpoint, each verified by its HMAC (appended "
            "while verifying, or the process stopped before rewriting the checkpoint)"
        )
    return text
