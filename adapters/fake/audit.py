"""The fake AuditSink: a keyed chain of JSON lines, ``<data_dir>/audit.jsonl``, with its signed checkpoint
``audit.checkpoint`` and the deployment's key ``audit.key`` (0600) beside it (``core.audit_chain``).

Appends take an exclusive ``flock`` on the log so that several server processes keep one chain, and ``fsync``
the record before returning, so that an ``attempt`` record is durable before the write it announces. Under
the same lock the checkpoint is replaced atomically (write, fsync, rename). Before appending, the sink checks
that the log ends with the record the checkpoint names: when records were removed, or the checkpoint is
missing or not signed with the key, it refuses (and so the write is refused) rather than chain over the gap.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from pathlib import Path

import anyio

from core.audit_chain import GENESIS, MIN_KEY_BYTES, AuditKey, ChainError, ChainTail, Checkpoint
from core.errors import ConfigError
from core.ports import AuditRecord, AuditUnavailable

_TAIL_BYTES = 8192


def key_path_for(log: Path) -> Path:
    return log.with_suffix(".key")


def checkpoint_path_for(log: Path) -> Path:
    return log.with_suffix(".checkpoint")


def read_audit_key(path: Path) -> AuditKey | None:
    """The key in ``path``, ``None`` when there is no such file. A damaged key file is a ``ConfigError``."""
    try:
        secret = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(secret) < MIN_KEY_BYTES:
        raise ConfigError(f"{path} is not an audit key (shorter than {MIN_KEY_BYTES} bytes)")
    return AuditKey(secret)


def provision_audit_key(log: Path) -> AuditKey:
    """The deployment's audit key next to ``log``. Made on first use: the key file (0600; the first process
    to link it wins), then by that process the checkpoint of an empty chain, so that from then on a missing
    checkpoint is a finding. An existing checkpoint is kept: a new key must not paper over an old log."""
    key_path = key_path_for(log)
    key = read_audit_key(key_path)
    if key is not None:
        return key
    secret = secrets.token_bytes(MIN_KEY_BYTES)
    if not _create_exclusively(key_path, secret):
        key = read_audit_key(key_path)  # another process made it first
        if key is None:
            raise ConfigError(f"{key_path} vanished while it was being created")
        return key
    key = AuditKey(secret)
    _create_exclusively(checkpoint_path_for(log), Checkpoint.sign(key, 0, GENESIS).to_json().encode())
    return key


def _create_exclusively(path: Path, data: bytes) -> bool:
    """Write ``path`` (0600) whole, unless it exists; ``False`` when it did."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic, and never replaces an existing file
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_folder(path.parent)
    return True


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (0600): readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # callers hold the log's lock
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)  # so that the new name itself survives a crash
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
            return body[cut + 1 :].decode(errors="replace")
        start = max(0, start - _TAIL_BYTES)  # a line longer than the tail window: read further back


class JsonlAuditSink:
    """``key`` is the deployment's audit key (``provision_audit_key``); the constructor does no I/O."""

    def __init__(self, path: Path, key: AuditKey, *, checkpoint: Path | None = None) -> None:
        self._path = path
        self._key = key
        self._checkpoint = checkpoint or checkpoint_path_for(path)

    async def append(self, record: AuditRecord) -> None:
        try:
            await anyio.to_thread.run_sync(self._append_sync, record)
        except OSError as exc:
            raise AuditUnavailable(f"cannot write {self._path.name}: {exc.strerror}") from exc

    def _append_sync(self, record: AuditRecord) -> None:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            checkpoint = self._signed_checkpoint()
            try:
                tail = ChainTail.after(_last_line(fd), self._key)
            except ChainError as exc:
                raise AuditUnavailable(f"{self._path.name} cannot be chained onto: {exc}") from None
            problem = tail.disagreement_with(checkpoint)
            if problem is not None:
                raise AuditUnavailable(f"{self._path.name} does not match {self._checkpoint.name}: {problem}")
            line, after = tail.append(record.as_dict(), self._key)
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
            checkpoint = Checkpoint.sign(self._key, after.records, after.last_hmac)
            write_atomically(self._checkpoint, checkpoint.to_json().encode())
        finally:
            os.close(fd)  # closing releases the lock

    def _signed_checkpoint(self) -> Checkpoint:
        try:
            checkpoint = Checkpoint.parse(self._checkpoint.read_text())
        except FileNotFoundError:
            raise AuditUnavailable(f"{self._checkpoint.name} is missing") from None
        except ValueError:
            raise AuditUnavailable(f"{self._checkpoint.name} is not a checkpoint") from None
        if not checkpoint.signed_by(self._key):
            raise AuditUnavailable(f"{self._checkpoint.name} is not signed with the audit key")
        return checkpoint

    async def ping(self) -> None:
        def check() -> None:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            os.close(fd)
            self._signed_checkpoint()

        try:
            await anyio.to_thread.run_sync(check)
        except OSError as exc:
            raise AuditUnavailable(f"cannot open {self._path.name}") from exc
