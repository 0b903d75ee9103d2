"""Pooled async PostgreSQL connections for the store, with psycopg errors mapped once, here.

Every connection starts with the store's schema as ``search_path``, a
statement timeout, UTC as its time zone and custom plans only (set as startup
options: no extra round trip). Connections are in autocommit mode: a read is
one statement, and writes open an explicit transaction (``transaction``).

Mapping (``mapped_errors``), most specific first: a cancelled statement (the
statement timeout) is ``BackendTimeout``; a closed pool, a pool timeout and
every ``OperationalError`` (connection lost, server shutting down, lock or
serialization failures) are ``BackendUnavailable``; any other psycopg error is
``BackendError``. A connection lost while a transaction was committing is
``WriteOutcomeUnknown``: the write may have happened. Messages never carry SQL
or server text.

Outages (issue 13). psycopg_pool reconnects in the background with a backoff
that doubles from 1 s, and nothing reconnects on demand, so after an outage of
18 s calls kept failing for 10-13 s, and during it every call waited the whole
pool timeout. So the pool keeps a small circuit: once a connection could not be
made or was lost, the store is *down*; calls then fail at once with
``BackendUnavailable``, except that at most one call every ``PROBE_INTERVAL_S``
tries a direct connection (``connect_timeout`` 1 s). When it connects, the store
is up again and the pool is replaced by a fresh one, which connects at once
(no inherited backoff): serving again within about a probe interval of the
database's return.

Passwords that expire: ``password`` is awaited for each new connection, and its answer is that
connection's password: an Entra token on Azure, an OAuth access token for Cloud SQL IAM database
authentication on GCP (``blocking_password`` runs google-auth's blocking refresh in a worker thread).
Without it the DSN's own credentials are used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
import psycopg
import psycopg.errors
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from companydata.postgres_schema import check_schema_name
from core.errors import BackendError, BackendTimeout, BackendUnavailable, CoreError, WriteOutcomeUnknown

log = logging.getLogger("companydata.postgres")

PROBE_INTERVAL_S = 0.25  # while the store is down: at most one direct connection attempt this often
PROBE_CONNECT_TIMEOUT_S = 1
_OLD_POOL_CLOSE_S = 1.0

T = TypeVar("T")

Connection = psycopg.AsyncConnection[tuple[Any, ...]]
PasswordProvider = Callable[[], Awaitable[str]]  # asked for each new connection's password (a cloud token)


def blocking_password(provider: Callable[[], str]) -> PasswordProvider:
    """A provider that blocks (google-auth's token refresh) as one that does not: it runs in a worker thread."""

    async def password() -> str:
        return await anyio.to_thread.run_sync(provider, abandon_on_cancel=True)

    return password


_UNAVAILABLE = "The company store is busy or unavailable. Retry in a moment."
_TIMEOUT = "The company store took too long to answer. Retry, or narrow the request."
_FAILED = "The company store could not complete the request."
_CLOSED = "The company store is closed."
_DOWN = "The company store is unavailable right now. Retry in a moment."


def _lost_connection(error: BaseException | None) -> bool:
    """A fault that says the server cannot be reached (not a slow query, a lock or a bad statement)."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, psycopg.OperationalError) and not isinstance(error, psycopg.errors.QueryCanceled):
        sqlstate = getattr(error, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith(("08", "57P"))  # connection exceptions, operator shutdown
    return False


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn psycopg and pool errors raised inside into ``core.errors`` types (``raise ... from``)."""
    try:
        yield
    except CoreError:
        raise
    except PoolClosed as err:
        raise BackendUnavailable(_CLOSED) from err
    except psycopg.errors.QueryCanceled as err:  # an OperationalError: test it first
        raise BackendTimeout(_TIMEOUT) from err
    except psycopg.OperationalError as err:  # includes PoolTimeout and TooManyRequests
        raise BackendUnavailable(_UNAVAILABLE) from err
    except psycopg.Error as err:
        raise BackendError(_FAILED) from err


def connect_options(schema: str, statement_timeout_ms: int | None) -> dict[str, Any]:
    """Connection keyword arguments that put every session in ``schema``, in UTC, with the timeout."""
    # psycopg prepares a statement run five times; a generic plan would then ignore the search's words and filters.
    options = f"-c search_path={check_schema_name(schema)} -c timezone=UTC -c plan_cache_mode=force_custom_plan"
    if statement_timeout_ms is not None:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    return {"options": options, "application_name": "company-mcp"}


class PostgresPool:
    """An ``AsyncConnectionPool`` made on ``open()`` (the constructor does no I/O)."""

    def __init__(
        self,
        dsn: str,
        *,
        schema: str,
        min_size: int,
        max_size: int,
        statement_timeout_ms: int | None,
        connect_timeout_s: float,
        pool_timeout_s: float,
        password: PasswordProvider | None = None,
    ) -> None:
        """``password``: asked for each new connection (an Entra token on Azure, which expires); else the DSN's."""
        if not 0 <= min_size <= max_size or max_size < 1:
            raise ValueError("need 0 <= min_size <= max_size and max_size >= 1")
        self._dsn = dsn
        self._kwargs: dict[str, Any] = {
            **connect_options(schema, statement_timeout_ms),
            "autocommit": True,
            "connect_timeout": max(1, round(connect_timeout_s)),
        }
        self._min_size = min_size
        self._max_size = max_size
        self._pool_timeout_s = pool_timeout_s
        self._password = password
        self._pool: AsyncConnectionPool[Connection] | None = None
        self._closed = False
        self._down = False
        self._next_probe = 0.0
        self._probing = anyio.Lock()

    def _new_pool(self) -> AsyncConnectionPool[Connection]:
        return AsyncConnectionPool(
            self._dsn,
            kwargs=self._connect_kwargs if self._password is not None else self._kwargs,
            min_size=self._min_size,
            max_size=self._max_size,
            open=False,
            timeout=self._pool_timeout_s,
            name="company-mcp",
        )

    async def _connect_kwargs(self) -> dict[str, Any]:
        kwargs = dict(self._kwargs)
        if self._password is not None:
            kwargs["password"] = await self._password()
        return kwargs

    async def open(self) -> None:
        """Start the pool; connections are made in the background (a down server fails calls, not this)."""
        if self._closed:
            raise BackendUnavailable(_CLOSED)
        if self._pool is None:
            pool = self._new_pool()
            with mapped_errors():
                await pool.open(wait=False)
            self._pool = pool

    @property
    def is_down(self) -> bool:
        return self._down

    async def run(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """``work(conn)`` on a pooled connection (autocommit), errors mapped; fails fast while the store is down."""
        if self._pool is None:
            await self.open()
        if self._down:
            await self._probe_or_refuse()
        assert self._pool is not None
        try:
            with mapped_errors():
                async with self._pool.connection() as conn:
                    return await work(conn)
        except BackendUnavailable as error:
            if not self._closed and _lost_connection(error.__cause__):
                self._mark_down()
            raise

    async def transaction(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """``work(conn)`` inside one transaction (READ COMMITTED), committed if it returns.

        A connection lost once ``work`` has finished was lost during the COMMIT: the write may have happened.
        """

        async def in_transaction(conn: Connection) -> T:
            finished = False
            try:
                async with conn.transaction():
                    result = await work(conn)
                    finished = True
                return result
            except psycopg.OperationalError as err:
                if finished and _lost_connection(err):
                    self._mark_down()
                    raise WriteOutcomeUnknown() from err
                raise

        return await self.run(in_transaction)

    def _mark_down(self) -> None:
        if not self._down:
            log.warning("company store unreachable: failing fast and probing every %.2f s", PROBE_INTERVAL_S)
        self._down = True

    async def _probe_or_refuse(self) -> None:
        """Refuse at once while the store is down, unless it is this call's turn to probe and the probe connects."""
        now = time.monotonic()
        if now < self._next_probe or self._probing.locked():
            raise BackendUnavailable(_DOWN)
        async with self._probing:
            self._next_probe = time.monotonic() + PROBE_INTERVAL_S
            if not self._down:  # another call recovered meanwhile
                return
            try:
                kwargs = {**await self._connect_kwargs(), "connect_timeout": PROBE_CONNECT_TIMEOUT_S}
                probe = await psycopg.AsyncConnection.connect(self._dsn, **kwargs)
            except (psycopg.Error, CoreError) as err:  # CoreError: no password (token) to be had
                raise BackendUnavailable(_DOWN) from err
            await probe.close()
            await self._replace_pool()
            self._down = False
            log.warning("company store reachable again")

    async def _replace_pool(self) -> None:
        """A fresh pool connects at once; the old one may be deep in its reconnect backoff."""
        old, fresh = self._pool, self._new_pool()
        with mapped_errors():
            await fresh.open(wait=False)
        self._pool = fresh
        if old is not None:
            with anyio.move_on_after(_OLD_POOL_CLOSE_S):
                await old.close(timeout=_OLD_POOL_CLOSE_S)

    async def aclose(self) -> None:
        self._closed = True
        if self._pool is not None:
            await self._pool.close()
