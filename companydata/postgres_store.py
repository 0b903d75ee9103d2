"""``PostgresStore``: the ``core.ports.Backend`` over PostgreSQL (psycopg 3, async, pooled).

It answers every call exactly as ``SqliteStore`` does for the same seeded data
(same items in the same order, same values, same errors): the rules both follow
are in ``store_rules``, ``text`` and ``ranking``, and this module and
``postgres_search`` only say them in PostgreSQL's SQL. Build the data with
``companydata.postgres_seed.seed_postgres``.

Writes leave one effect however often they are retried or raced, and the
database enforces it: ``UNIQUE (owner, name)`` + ``ON CONFLICT DO NOTHING`` for
collections, the primary key + ``ON CONFLICT DO NOTHING ... RETURNING`` for
collection items (with the collection row locked, so adds to one collection
take turns and keep their order), and a transaction-level advisory lock on
(owner, company, roles) for email-discovery requests, whose "within 24 hours"
rule no unique key can express.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from companydata import store_rules as rules
from companydata.discovery import roles_key
from companydata.postgres_pool import Connection, PostgresPool, mapped_errors
from companydata.postgres_schema import check_schema_name, migrate_postgres
from companydata.postgres_search import SUMMARY_COLUMNS, search, summary_of
from companydata.store_rules import DiscoveryRecord
from core.model import (
    AddResult,
    Collection,
    Company,
    CompanyFilters,
    CompanySummary,
    EmailDiscovery,
    Page,
    PageRequest,
)

T = TypeVar("T")

_COMPANY_COLUMNS = f"{SUMMARY_COLUMNS}, c.description, c.website, c.tags, c.updated_at"
_COLLECTION_SQL = (
    "SELECT k.id, k.name, k.description, k.created_at, "
    "(SELECT count(*) FROM collection_items i WHERE i.collection_id = k.id) FROM collections k"
)


def _has_nul(*values: object) -> bool:
    """PostgreSQL text cannot hold NUL, so a value with one can match nothing stored (and must not be sent)."""
    return any(isinstance(v, str) and "\x00" in v for v in values)


def _company(row: Sequence[Any]) -> Company:
    return Company(
        **summary_of(row).model_dump(),
        description=row[9],
        website=row[10],
        tags=list(row[11]),
        updated_at=rules.format_utc(row[12]),
    )


def _collection(row: Sequence[Any]) -> Collection:
    return Collection(id=row[0], name=row[1], description=row[2], created_at=rules.format_utc(row[3]), size=int(row[4]))


async def _fetchall(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    cursor = await conn.execute(sql, params)  # our own SQL text; every value is a bound parameter
    return await cursor.fetchall()


async def _fetchone(conn: Connection, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    cursor = await conn.execute(sql, params)
    return await cursor.fetchone()


class PostgresStore:
    """The company platform on PostgreSQL.

    The constructor does no I/O; ``open()`` (or the first call) starts the pool
    and, unless ``migrate=False``, applies missing migrations to ``schema``.
    ``clock`` is injected so tests can move time (discovery completion, the
    24-hour window, retention).
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "public",
        clock: Callable[[], datetime] = rules.utc_now,
        discovery_delay_s: float = 3.0,
        retention_days: float = rules.DEFAULT_RETENTION_DAYS,
        min_size: int = 1,
        max_size: int = 10,
        statement_timeout_ms: int | None = 5_000,
        connect_timeout_s: float = 5.0,
        pool_timeout_s: float = 5.0,
        migrate: bool = True,
        password_provider: Callable[[], str] | None = None,
    ) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1 (the 24-hour request window)")
        self._dsn = dsn
        self._schema = check_schema_name(schema)
        self._clock = clock
        self._delay_s = discovery_delay_s
        self._retention_s = retention_days * 86400
        self._connect_timeout_s = connect_timeout_s
        self._migrate = migrate
        self._password_provider = password_provider
        self._pool = PostgresPool(
            dsn,
            schema=schema,
            min_size=min_size,
            max_size=max_size,
            statement_timeout_ms=statement_timeout_ms,
            connect_timeout_s=connect_timeout_s,
            pool_timeout_s=pool_timeout_s,
            password_provider=password_provider,
        )
        self._open_lock = anyio.Lock()
        self._opened = False
        self._last_purge = float("-inf")

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        async with self._open_lock:
            if self._opened:
                return
            await self._pool.open()
            if self._migrate:
                with mapped_errors():
                    await anyio.to_thread.run_sync(self._migrate_now)
            self._opened = True

    def _migrate_now(self) -> None:
        password = self._password_provider() if self._password_provider else None
        migrate_postgres(self._dsn, self._schema, connect_timeout_s=self._connect_timeout_s, password=password)

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def _run(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """``work`` on a pooled connection in autocommit mode (a read is one statement)."""
        if not self._opened:
            await self.open()
        return await self._pool.run(work)

    async def _write(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """``work`` in one transaction, committed when it returns, rolled back when it raises."""
        if not self._opened:
            await self.open()
        return await self._pool.transaction(work)

    async def _read(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return await self._run(lambda conn: _fetchall(conn, sql, params))

    def _now(self) -> float:
        return rules.epoch(self._clock)

    async def ping(self) -> None:
        await self._read("SELECT 1 FROM companies LIMIT 1", ())

    # -- companies ---------------------------------------------------------------------------

    async def search_companies(self, filters: CompanyFilters, page: PageRequest) -> Page[CompanySummary]:
        plan = rules.plan_search(filters, page)
        if plan.matches_nothing or _has_nul(*(value for _, value in plan.conditions)):
            return Page([], None)
        return plan.page(await self._run(lambda conn: search(conn, plan)))

    async def get_company(self, *, company_id: str | None = None, domain: str | None = None) -> Company:
        kind, key = rules.one_company_key(company_id, domain)
        column = "c.id" if kind == "id" else "lower(c.domain)"  # the key is lower case already
        rows = (
            []
            if _has_nul(key)
            else await self._read(f"SELECT {_COMPANY_COLUMNS} FROM companies c WHERE {column} = %s", (key,))
        )
        if not rows:
            raise rules.company_lookup_error(company_id, domain)
        return _company(rows[0])

    @staticmethod
    async def _existing(conn: Connection, company_ids: Sequence[str]) -> set[str]:
        unique = [c for c in dict.fromkeys(company_ids) if not _has_nul(c)]
        if not unique:
            return set()
        rows = await _fetchall(conn, "SELECT id FROM companies WHERE id = ANY(%s::text[])", (unique,))
        return {r[0] for r in rows}

    # -- collections -------------------------------------------------------------------------

    @staticmethod
    async def _owned(conn: Connection, owner: str, collection_id: str) -> Collection:
        row = None
        if not _has_nul(owner, collection_id):
            row = await _fetchone(conn, f"{_COLLECTION_SQL} WHERE k.id = %s AND k.owner = %s", (collection_id, owner))
        if row is None:
            raise rules.collection_not_found(collection_id)
        return _collection(row)

    async def list_collections(self, owner: str, page: PageRequest) -> Page[Collection]:
        limit = rules.page_limit(page)
        offset = rules.position(page.after, "o")
        if _has_nul(owner):
            return Page([], None)
        sql = f"{_COLLECTION_SQL} WHERE k.owner = %s ORDER BY k.created_at, k.seq LIMIT %s OFFSET %s"
        rows = await self._read(sql, (owner, limit + 1, offset))
        items = [_collection(r) for r in rows[:limit]]
        return Page(items, f"o{offset + limit}" if len(rows) > limit else None)

    async def get_collection(
        self, owner: str, collection_id: str, page: PageRequest
    ) -> tuple[Collection, Page[CompanySummary]]:
        limit = rules.page_limit(page)
        offset = rules.position(page.after, "o")
        sql = (
            f"SELECT {SUMMARY_COLUMNS} FROM collection_items i JOIN companies c ON c.id = i.company_id "
            "WHERE i.collection_id = %s ORDER BY i.added_seq LIMIT %s OFFSET %s"
        )

        async def work(conn: Connection) -> tuple[Collection, list[tuple[Any, ...]]]:
            collection = await self._owned(conn, owner, collection_id)
            return collection, await _fetchall(conn, sql, (collection_id, limit + 1, offset))

        collection, rows = await self._run(work)
        items = [summary_of(r) for r in rows[:limit]]
        return collection, Page(items, f"o{offset + limit}" if len(rows) > limit else None)

    async def create_collection(self, owner: str, name: str, description: str | None) -> tuple[Collection, bool]:
        clean = rules.collection_name(name)
        description = rules.collection_description(description)
        created_at = rules.to_second(self._now())

        async def work(conn: Connection) -> tuple[Collection, bool]:
            # The UNIQUE (owner, name) constraint decides; a racing insert waits for the winner, then does nothing.
            cursor = await conn.execute(
                "INSERT INTO collections (id, owner, name, description, created_at) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (owner, name) DO NOTHING",
                (f"col_{secrets.token_hex(8)}", owner, clean, description, created_at),
            )
            row = await _fetchone(conn, f"{_COLLECTION_SQL} WHERE k.owner = %s AND k.name = %s", (owner, clean))
            assert row is not None  # inserted now, or by the winner of a race (committed before we went on)
            return _collection(row), cursor.rowcount == 1

        return await self._write(work)

    async def add_to_collection(self, owner: str, collection_id: str, company_ids: list[str]) -> AddResult:
        unique = list(dict.fromkeys(company_ids))
        added_at = rules.to_second(self._now())

        async def work(conn: Connection) -> AddResult:
            # Locking the collection row checks ownership and makes adds to one collection take turns.
            locked = None
            if not _has_nul(owner, collection_id):
                locked = await _fetchone(
                    conn, "SELECT 1 FROM collections WHERE id = %s AND owner = %s FOR UPDATE", (collection_id, owner)
                )
            if locked is None:
                raise rules.collection_not_found(collection_id)
            known = await self._existing(conn, unique)
            unknown = [c for c in unique if c not in known]
            if unknown:
                raise rules.unknown_companies(unknown)  # the transaction rolls back: nothing was written
            rows = await _fetchall(
                conn,
                "INSERT INTO collection_items (collection_id, company_id, added_at) "
                "SELECT %s, u.id, %s FROM unnest(%s::text[]) WITH ORDINALITY AS u (id, n) ORDER BY u.n "
                "ON CONFLICT DO NOTHING RETURNING company_id",
                (collection_id, added_at, unique),
            )
            inserted = {r[0] for r in rows}
            size_row = await _fetchone(
                conn, "SELECT count(*) FROM collection_items WHERE collection_id = %s", (collection_id,)
            )
            assert size_row is not None
            added = [c for c in unique if c in inserted]
            present = [c for c in unique if c not in inserted]
            return AddResult(collection_id, added, present, int(size_row[0]))

        return await self._write(work)

    # -- email discovery ---------------------------------------------------------------------

    async def request_email_discovery(
        self, owner: str, company_id: str, roles: list[str]
    ) -> tuple[EmailDiscovery, bool]:
        clean = rules.discovery_roles(roles)
        key = roles_key(clean)
        now = self._now()
        if _has_nul(company_id):
            raise rules.unknown_company_error(company_id)
        purge_before = self._purge_due(now)

        async def work(conn: Connection) -> tuple[DiscoveryRecord, bool]:
            company = await _fetchone(conn, "SELECT domain FROM companies WHERE id = %s", (company_id,))
            if company is None:
                raise rules.unknown_company_error(company_id)
            # Requests with the same key take turns until commit, so the check and the insert are one step
            # for every task and process (a hash collision only makes two keys wait for each other).
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"edr\x1f{owner}\x1f{company_id}\x1f{key}",)
            )
            if purge_before is not None:
                await self._delete_expired(conn, purge_before)
            row = await _fetchone(
                conn,
                "SELECT request_id, roles, requested_ts, ready_ts FROM email_discovery_requests "
                "WHERE owner = %s AND company_id = %s AND roles_key = %s AND requested_ts > %s "
                "ORDER BY requested_ts DESC LIMIT 1",
                (owner, company_id, key, now - rules.DEDUPE_WINDOW_S),
            )
            if row is not None:
                return DiscoveryRecord(row[0], company_id, list(row[1]), row[2], row[3], company[0]), False
            record = DiscoveryRecord(
                f"edr_{secrets.token_hex(8)}", company_id, clean, now, now + self._delay_s, company[0]
            )
            await conn.execute(
                "INSERT INTO email_discovery_requests "
                "(request_id, owner, company_id, roles_key, roles, requested_ts, ready_ts) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (record.request_id, owner, company_id, key, clean, now, record.ready_ts),
            )
            return record, True

        record, created = await self._write(work)
        return record.view(now), created

    async def get_email_discovery(self, owner: str, request_id: str) -> EmailDiscovery:
        now = self._now()
        sql = (
            "SELECT r.request_id, r.company_id, r.roles, r.requested_ts, r.ready_ts, c.domain "
            "FROM email_discovery_requests r LEFT JOIN companies c ON c.id = r.company_id "
            "WHERE r.request_id = %s AND r.owner = %s AND r.requested_ts >= %s"  # expired: as good as deleted
        )
        rows = (
            [] if _has_nul(owner, request_id) else await self._read(sql, (request_id, owner, now - self._retention_s))
        )
        if not rows:
            raise rules.discovery_not_found(request_id)
        row = rows[0]
        record = DiscoveryRecord(row[0], row[1], list(row[2]), row[3], row[4], row[5] or "unknown.invalid")
        return record.view(now)

    # -- retention ---------------------------------------------------------------------------

    def _purge_due(self, now: float) -> float | None:
        """The cutoff to purge before, on at most one write per ``PURGE_INTERVAL_S`` (else ``None``)."""
        if now - self._last_purge < rules.PURGE_INTERVAL_S:
            return None
        self._last_purge = now
        return now - self._retention_s

    @staticmethod
    async def _delete_expired(conn: Connection, before: float) -> int:
        cursor = await conn.execute("DELETE FROM email_discovery_requests WHERE requested_ts < %s", (before,))
        return cursor.rowcount

    async def purge_expired_discoveries(self, older_than_days: float = rules.DEFAULT_RETENTION_DAYS) -> int:
        """Delete email-discovery requests (personal data) made more than ``older_than_days`` ago; returns how many."""
        before = self._now() - older_than_days * 86400
        return await self._write(lambda conn: self._delete_expired(conn, before))
