"""``company-mcp audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.options import settings_from
from core.audit_chain import verify_chain


def verify_audit(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else settings_from(args).data_dir / "audit.jsonl"
    if not path.exists():
        print(f"no audit log at {path}", file=sys.stderr)
        return 1
    with path.open(encoding="utf-8") as handle:
        report = verify_chain(handle)
    if report.ok:
        print(f"audit log intact: {report.records} records chained in {path}")
        return 0
    print(f"audit log BROKEN at line {report.first_bad_line}: {report.problem} ({path})")
    return 1
