"""Run blocking sqlite3 work in worker threads, one connection per job, errors mapped once.

A connection is checked out by exactly one worker thread at a time (so
``check_same_thread=False`` is safe) and returned afterwards; the capacity
limiter bounds the threads, so the pool never holds more connections than that.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread

from core.errors import BackendError, BackendUnavailable, CoreError

T = TypeVar("T")

_UNAVAILABLE = "The company store is busy or unavailable. Retry in a moment."
_FAILED = "The company store could not complete the request."


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

    Check-then-insert inside it is serialized against every other writer,
    threads and processes alike; the busy timeout makes the others wait.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SqlitePool:
    def __init__(self, path: Path, *, max_threads: int, busy_timeout_s: float) -> None:
        if max_threads < 1:
            raise ValueError("max_threads must be >= 1")
        self._path = path
        self._busy_timeout_s = busy_timeout_s
        self._limiter = anyio.CapacityLimiter(max_threads)
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_s * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode, and much faster
            conn.execute("PRAGMA mmap_size = 268435456")
        except BaseException:
            conn.close()
            raise
        return conn

    def _acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise BackendUnavailable("The company store is closed.")
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _release(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:  # never hand on a connection in the middle of a transaction
            conn.close()
            return
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def _job(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            conn = self._acquire()
            try:
                return work(conn)
            finally:
                self._release(conn)
        except CoreError:
            raise
        except sqlite3.OperationalError as err:
            # Locked, busy, disk I/O, cannot open: transient or environmental. Messages never carry SQL text.
            raise BackendUnavailable(_UNAVAILABLE) from err
        except sqlite3.Error as err:
            raise BackendError(_FAILED) from err

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(conn)`` in a worker thread; sqlite errors come back as ``BackendError`` types."""
        return await anyio.to_thread.run_sync(self._job, work, limiter=self._limiter)

    async def aclose(self) -> None:
        """Close idle connections now; connections in use close when their job ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []

        def close_all() -> None:
            for conn in idle:
                conn.close()

        await anyio.to_thread.run_sync(close_all)
