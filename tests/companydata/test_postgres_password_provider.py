"""The PostgreSQL pool's password hook (Azure: an Entra token per new connection), against the local PostgreSQL."""

from __future__ import annotations

import anyio
import pytest

from companydata.postgres_pool import Connection, PostgresPool
from core.errors import BackendUnavailable
from tests.support import PG_DSN

pytestmark = pytest.mark.anyio


def pool_with(password: object, *, max_size: int = 2) -> PostgresPool:
    return PostgresPool(
        PG_DSN,
        schema="public",
        min_size=0,
        max_size=max_size,
        statement_timeout_ms=None,
        connect_timeout_s=2,
        pool_timeout_s=2,
        password=password,  # type: ignore[arg-type]
    )


async def test_each_new_connection_asks_for_a_fresh_password() -> None:
    issued: list[str] = []

    async def token() -> str:
        issued.append(f"token-{len(issued) + 1}")
        return issued[-1]

    pool = pool_with(token)
    started = anyio.Event()

    async def hold(conn: Connection) -> str:
        started.set()
        await anyio.sleep(0.2)  # keep the first connection busy so the second call needs its own
        return str(conn.info.password)

    async def second(conn: Connection) -> str:
        return str(conn.info.password)

    found: list[str] = []
    try:
        async with anyio.create_task_group() as group:

            async def first() -> None:
                found.append(await pool.run(hold))

            group.start_soon(first)
            await started.wait()
            found.append(await pool.run(second))
    finally:
        await pool.aclose()
    assert sorted(found) == ["token-1", "token-2"] and len(issued) == 2


async def test_no_password_to_be_had_is_backend_unavailable() -> None:
    async def no_token() -> str:
        raise BackendUnavailable("The store's Entra token could not be obtained.")

    pool = pool_with(no_token, max_size=1)
    try:
        with anyio.fail_after(10), pytest.raises(BackendUnavailable):
            await pool.run(lambda conn: conn.execute("select 1"))
    finally:
        await pool.aclose()
