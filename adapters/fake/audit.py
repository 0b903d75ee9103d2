"""The fake AuditSink: a hash-chained JSON-lines file, ``<data_dir>/audit.jsonl``.

Appends take an exclusive ``flock`` so that several server processes keep one
chain, and ``fsync`` before returning, so that an ``attempt`` record is durable
before the write it announces.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import anyio

from core.audit_chain import GENESIS, chained_line, line_digest
from core.ports import AuditRecord, AuditUnavailable

_TAIL_BYTES = 8192


def _last_line(fd: int) -> str | None:
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return None
    start = max(0, size - _TAIL_BYTES)
    while True:
        os.lseek(fd, start, os.SEEK_SET)
        chunk = os.read(fd, size - start)
        body = chunk.rstrip(b"\n")
        cut = body.rfind(b"\n")
        if cut >= 0 or start == 0:
            return body[cut + 1 :].decode()
        start = max(0, start - _TAIL_BYTES)  # a line longer than the tail window: read further back


class JsonlAuditSink:
    def __init__(self, path: Path) -> None:
        self._path = path

    async def append(self, record: AuditRecord) -> None:
        try:
            await anyio.to_thread.run_sync(self._append_sync, record)
        except OSError as exc:
            raise AuditUnavailable(f"cannot write {self._path.name}: {exc.strerror}") from exc

    def _append_sync(self, record: AuditRecord) -> None:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd)
            prev = GENESIS if last is None else line_digest(last)
            os.write(fd, (chained_line(record.as_dict(), prev) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock

    async def ping(self) -> None:
        def check() -> None:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            os.close(fd)

        try:
            await anyio.to_thread.run_sync(check)
        except OSError as exc:
            raise AuditUnavailable(f"cannot open {self._path.name}") from exc
