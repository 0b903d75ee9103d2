"""Build a fresh SQLite store from the deterministic generator, atomically.

The file is built beside the target under a temporary name with journaling and
syncing off (a crash only loses the temporary file), indexed after the bulk
insert, switched to WAL and then renamed over the target in one step, so a
reader never sees a half-built store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from companydata.generator import GeneratedCompany, generate_batches
from companydata.sqlite_schema import (
    COMPANIES_FTS,
    COMPANIES_TABLE,
    COMPANY_INDEXES,
    SCHEMA_VERSION,
    SEARCH_TABLES,
    USER_TABLES,
    fill_search_index,
)

_BATCH = 20_000
_INSERT = "INSERT INTO companies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a seeder built: ``path`` is the SQLite file (``None`` for PostgreSQL, where ``schema`` says where)."""

    path: Path | None
    companies: int
    seconds: float
    size_bytes: int
    schema: str | None = None


def _rows(batch: list[GeneratedCompany], first: int) -> Iterator[tuple[object, ...]]:
    for offset, c in enumerate(batch):
        yield (first + offset, *c[:10], json.dumps(c.tags), c.updated_at)


def _remove_with_sidecars(path: Path) -> None:
    for candidate in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        candidate.unlink(missing_ok=True)


class StoreInUse(RuntimeError):
    """The store being replaced is open in another process (a running server)."""


def _settle_old_store(path: Path) -> None:
    """Fold the old store's WAL into it, so no stale ``-wal`` can ever be replayed onto the new file.

    Refuses when another process has the old store open: replacing a file under
    a running server would let its WAL corrupt the new one. (The last connection
    to close removes the ``-wal`` file, so one that survives ours has other users.)
    """
    if not path.exists():
        return
    in_use = StoreInUse(f"{path} is in use; stop the server(s) using it, then seed again")
    wal = path.with_name(path.name + "-wal")
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=1.0)
        try:
            (busy, _, _) = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as err:
        raise in_use from err
    except sqlite3.DatabaseError:
        _remove_with_sidecars(path)  # not an SQLite file: nothing to keep
        return
    if busy or wal.exists():
        raise in_use


def _load(conn: sqlite3.Connection, n: int, bar: tqdm) -> None:
    conn.execute("BEGIN")
    first = 0
    for batch in generate_batches(n, batch_size=_BATCH):
        conn.executemany(_INSERT, _rows(batch, first))
        first += len(batch)
        bar.update(len(batch))
    conn.execute("COMMIT")


def _run(conn: sqlite3.Connection, statements: Iterable[str]) -> None:
    for statement in statements:
        conn.execute(statement)


def seed_sqlite(path: Path, n: int, *, progress: bool = True) -> SeedReport:
    """Build a store of ``n`` generated companies at ``path`` (replacing any store there)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    started = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # per process: two seeders never share one
    _remove_with_sidecars(tmp)

    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # private whatever the umask
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        _run(
            conn,
            (
                "PRAGMA page_size = 8192",
                "PRAGMA journal_mode = OFF",
                "PRAGMA synchronous = OFF",
                "PRAGMA locking_mode = EXCLUSIVE",
                "PRAGMA temp_store = MEMORY",
                "PRAGMA cache_size = -262144",
                COMPANIES_TABLE,
                COMPANIES_FTS,
                *SEARCH_TABLES,
                *USER_TABLES,
            ),
        )
        with tqdm(total=n, file=sys.stderr, disable=not progress, unit=" companies", desc="seeding") as bar:
            _load(conn, n, bar)
            bar.set_description("indexing")
            _run(conn, COMPANY_INDEXES)
            bar.set_description("full-text index")
            conn.execute("BEGIN")
            fill_search_index(conn)
            conn.execute("COMMIT")
            conn.execute("ANALYZE")
            bar.set_description("done")
        _run(
            conn,
            (
                f"PRAGMA user_version = {SCHEMA_VERSION}",
                "PRAGMA locking_mode = NORMAL",
                "PRAGMA journal_mode = WAL",
            ),
        )
    except BaseException:
        conn.close()
        _remove_with_sidecars(tmp)
        raise
    conn.close()

    try:
        _settle_old_store(path)
    except StoreInUse:
        _remove_with_sidecars(tmp)
        raise
    os.replace(tmp, path)
    return SeedReport(path, n, time.perf_counter() - started, path.stat().st_size)


def store_info(path: Path) -> int | None:
    """The number of companies in the store at ``path``, or ``None`` if there is no usable store."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path)
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version != SCHEMA_VERSION:
                return None
            (count,) = conn.execute("SELECT count(*) FROM companies").fetchone()
            return int(count)
        finally:
            conn.close()
    except sqlite3.Error:
        return None
