"""Pooled async PostgreSQL connections for the store, with psycopg errors mapped once, here.

Every connection starts with the store's schema as ``search_path``, a
statement timeout, UTC as its time zone and custom plans only (set as startup
options: no extra round trip). Connections are in autocommit mode: a read is
one statement, and writes open an explicit transaction (``transaction``).

Mapping (``mapped_errors``), most specific first: a cancelled statement (the
statement timeout) is ``BackendTimeout``; a closed pool, a pool timeout and
every ``OperationalError`` (connection lost, server shutting down, lock or
serialization failures) are ``BackendUnavailable``; any other psycopg error is
``BackendError``. Messages never carry SQL or server text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
import psycopg.errors
from psycopg_pool import AsyncConnectionPool, PoolClosed

from companydata.postgres_schema import check_schema_name
from core.errors import BackendError, BackendTimeout, BackendUnavailable, CoreError

T = TypeVar("T")

Connection = psycopg.AsyncConnection[tuple[Any, ...]]

_UNAVAILABLE = "The company store is busy or unavailable. Retry in a moment."
_TIMEOUT = "The company store took too long to answer. Retry, or narrow the request."
_FAILED = "The company store could not complete the request."
_CLOSED = "The company store is closed."


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
    ) -> None:
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
        self._pool: AsyncConnectionPool[Connection] | None = None
        self._closed = False

    async def open(self) -> None:
        """Start the pool; connections are made in the background (a down server fails calls, not this)."""
        if self._closed:
            raise BackendUnavailable(_CLOSED)
        if self._pool is None:
            pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
                self._dsn,
                kwargs=self._kwargs,
                min_size=self._min_size,
                max_size=self._max_size,
                open=False,
                timeout=self._pool_timeout_s,
                name="company-mcp",
            )
            with mapped_errors():
                await pool.open(wait=False)
            self._pool = pool

    async def run(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """``work(conn)`` on a pooled connection (autocommit), errors mapped."""
        if self._pool is None:
            await self.open()
        assert self._pool is not None
        with mapped_errors():
            async with self._pool.connection() as conn:
                return await work(conn)

    async def transaction(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """``work(conn)`` inside one transaction (READ COMMITTED), committed if it returns."""

        async def in_transaction(conn: Connection) -> T:
            async with conn.transaction():
                return await work(conn)

        return await self.run(in_transaction)

    async def aclose(self) -> None:
        self._closed = True
        if self._pool is not None:
            await self._pool.close()
