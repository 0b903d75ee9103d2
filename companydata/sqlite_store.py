"""``SqliteStore``: the ``core.ports.Backend`` over one SQLite file.

Safe for several server processes on one file: WAL journal, a busy timeout,
and every check-then-write inside ``BEGIN IMMEDIATE`` (see ``sqlite_pool``).
Uniqueness is the database's job (UNIQUE / PRIMARY KEY + ``ON CONFLICT DO
NOTHING`` / ``INSERT OR IGNORE``), so concurrent retries leave one effect.

Results equal ``PostgresStore``'s call for call: the rules both follow (paging
tokens, ranking, checks, messages, timestamps) are in ``store_rules``,
``text`` and ``ranking``; this module and ``sqlite_search`` only say them in
SQLite's SQL.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio

from companydata import store_rules as rules
from companydata.discovery import roles_key
from companydata.sqlite_pool import SqlitePool, immediate
from companydata.sqlite_schema import SCHEMA_VERSION, create_all, upgrade
from companydata.sqlite_search import SUMMARY_COLUMNS, search, summary_of
from companydata.store_rules import DiscoveryRecord
from core.errors import BackendUnavailable
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
_IN_CHUNK = 500


def _company(row: Sequence[Any]) -> Company:
    return Company(
        **summary_of(row).model_dump(),
        description=row[9],
        website=row[10],
        tags=json.loads(row[11]),
        updated_at=row[12],
    )


class SqliteStore:
    """The company platform on one SQLite file (build it with ``companydata.seed.seed_sqlite``).

    The constructor does no I/O; ``open()`` (or the first call) opens it and
    creates any missing tables, ``aclose()`` closes it. ``clock`` is injected
    so tests can move time (discovery completion, the 24-hour window, retention).
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] = rules.utc_now,
        discovery_delay_s: float = 3.0,
        retention_days: float = rules.DEFAULT_RETENTION_DAYS,
        max_threads: int = 4,
        busy_timeout_s: float = 5.0,
    ) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1 (the 24-hour request window)")
        self._path = Path(path)
        self._clock = clock
        self._delay_s = discovery_delay_s
        self._retention_s = retention_days * 86400
        self._pool = SqlitePool(self._path, max_threads=max_threads, busy_timeout_s=busy_timeout_s)
        self._open_lock = anyio.Lock()
        self._opened = False
        self._last_purge = float("-inf")

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        async with self._open_lock:
            if not self._opened:
                await self._pool.run(self._prepare)
                self._opened = True

    @staticmethod
    def _prepare(conn: sqlite3.Connection) -> None:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version not in (0, 1, 2, SCHEMA_VERSION):
            raise BackendUnavailable(
                f"The store file has schema version {version}, this server needs {SCHEMA_VERSION}: seed it again."
            )
        conn.execute("PRAGMA journal_mode = WAL")  # persistent; a no-op on a seeded store
        with immediate(conn):
            (version,) = conn.execute("PRAGMA user_version").fetchone()  # another process may have upgraded it
            if version in (1, 2):
                upgrade(conn)
            create_all(conn)

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if not self._opened:
            await self.open()
        return await self._pool.run(work)

    def _now(self) -> float:
        return rules.epoch(self._clock)

    async def ping(self) -> None:
        def probe(conn: sqlite3.Connection) -> None:
            conn.execute("SELECT 1 FROM companies LIMIT 1").fetchall()

        await self._run(probe)

    # -- companies ---------------------------------------------------------------------------

    async def search_companies(self, filters: CompanyFilters, page: PageRequest) -> Page[CompanySummary]:
        plan = rules.plan_search(filters, page)
        if plan.matches_nothing:
            return Page([], None)
        return plan.page(await self._run(lambda conn: search(conn, plan)))

    async def get_company(self, *, company_id: str | None = None, domain: str | None = None) -> Company:
        kind, key = rules.one_company_key(company_id, domain)
        sql = f"SELECT {_COMPANY_COLUMNS} FROM companies c WHERE c.{kind} = ?"
        row = await self._run(lambda conn: conn.execute(sql, (key,)).fetchone())
        if row is None:
            raise rules.company_lookup_error(company_id, domain)
        return _company(row)

    @staticmethod
    def _existing(conn: sqlite3.Connection, company_ids: Sequence[str]) -> set[str]:
        unique = list(dict.fromkeys(company_ids))
        found: set[str] = set()
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in conn.execute(f"SELECT id FROM companies WHERE id IN ({marks})", chunk))
        return found

    # -- collections -------------------------------------------------------------------------

    _COLLECTION_SQL = (
        "SELECT k.id, k.name, k.description, k.created_at, "
        "(SELECT count(*) FROM collection_items i WHERE i.collection_id = k.id) FROM collections k"
    )

    @staticmethod
    def _collection(row: Sequence[Any]) -> Collection:
        return Collection(id=row[0], name=row[1], description=row[2], created_at=row[3], size=row[4])

    def _owned(self, conn: sqlite3.Connection, owner: str, collection_id: str) -> Collection:
        row = conn.execute(f"{self._COLLECTION_SQL} WHERE k.id = ? AND k.owner = ?", (collection_id, owner)).fetchone()
        if row is None:
            raise rules.collection_not_found(collection_id)
        return self._collection(row)

    async def list_collections(self, owner: str, page: PageRequest) -> Page[Collection]:
        limit = rules.page_limit(page)
        offset = rules.position(page.after, "o")
        # Creation time, then creation order (``seq``): ties within one second keep the order they were made in.
        sql = f"{self._COLLECTION_SQL} WHERE k.owner = ? ORDER BY k.created_at, k.seq LIMIT ? OFFSET ?"
        rows = await self._run(lambda conn: conn.execute(sql, (owner, limit + 1, offset)).fetchall())
        items = [self._collection(r) for r in rows[:limit]]
        return Page(items, f"o{offset + limit}" if len(rows) > limit else None)

    async def get_collection(
        self, owner: str, collection_id: str, page: PageRequest
    ) -> tuple[Collection, Page[CompanySummary]]:
        limit = rules.page_limit(page)
        offset = rules.position(page.after, "o")
        sql = (
            f"SELECT {SUMMARY_COLUMNS} FROM collection_items i JOIN companies c ON c.id = i.company_id "
            "WHERE i.collection_id = ? ORDER BY i.rowid LIMIT ? OFFSET ?"
        )

        def work(conn: sqlite3.Connection) -> tuple[Collection, list[Any]]:
            collection = self._owned(conn, owner, collection_id)
            return collection, conn.execute(sql, (collection_id, limit + 1, offset)).fetchall()

        collection, rows = await self._run(work)
        items = [summary_of(r) for r in rows[:limit]]
        return collection, Page(items, f"o{offset + limit}" if len(rows) > limit else None)

    async def create_collection(self, owner: str, name: str, description: str | None) -> tuple[Collection, bool]:
        clean = rules.collection_name(name)
        description = rules.collection_description(description)
        created_at = rules.iso(self._now())

        def work(conn: sqlite3.Connection) -> tuple[Collection, bool]:
            with immediate(conn):
                # The UNIQUE (owner, name) constraint decides; concurrent callers see one insert win.
                cursor = conn.execute(
                    "INSERT INTO collections (id, owner, name, description, created_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (owner, name) DO NOTHING",
                    (f"col_{secrets.token_hex(8)}", owner, clean, description, created_at),
                )
                row = conn.execute(
                    f"{self._COLLECTION_SQL} WHERE k.owner = ? AND k.name = ?", (owner, clean)
                ).fetchone()
            return self._collection(row), cursor.rowcount == 1

        return await self._run(work)

    async def add_to_collection(self, owner: str, collection_id: str, company_ids: list[str]) -> AddResult:
        unique = list(dict.fromkeys(company_ids))
        added_at = rules.iso(self._now())

        def work(conn: sqlite3.Connection) -> AddResult:
            self._owned(conn, owner, collection_id)  # collections are never deleted: no need to re-check later
            known = self._existing(conn, unique)
            unknown = [c for c in unique if c not in known]
            if unknown:
                raise rules.unknown_companies(unknown)
            added: list[str] = []
            present: list[str] = []
            with immediate(conn):
                for company in unique:
                    cursor = conn.execute(
                        "INSERT OR IGNORE INTO collection_items (collection_id, company_id, added_at) VALUES (?, ?, ?)",
                        (collection_id, company, added_at),
                    )
                    (added if cursor.rowcount == 1 else present).append(company)
                (size,) = conn.execute(
                    "SELECT count(*) FROM collection_items WHERE collection_id = ?", (collection_id,)
                ).fetchone()
            return AddResult(collection_id, added, present, size)

        return await self._run(work)

    # -- email discovery ---------------------------------------------------------------------

    async def request_email_discovery(
        self, owner: str, company_id: str, roles: list[str]
    ) -> tuple[EmailDiscovery, bool]:
        clean = rules.discovery_roles(roles)
        key = roles_key(clean)
        now = self._now()
        purge_before = self._purge_due(now)

        def work(conn: sqlite3.Connection) -> tuple[DiscoveryRecord, bool]:
            company = conn.execute("SELECT domain FROM companies WHERE id = ?", (company_id,)).fetchone()
            if company is None:
                raise rules.unknown_company_error(company_id)
            with immediate(conn):  # the check and the insert are one step for every thread and process
                if purge_before is not None:
                    self._delete_expired(conn, purge_before)
                row = conn.execute(
                    "SELECT request_id, roles, requested_ts, ready_ts FROM email_discovery_requests "
                    "WHERE owner = ? AND company_id = ? AND roles_key = ? AND requested_ts > ? "
                    "ORDER BY requested_ts DESC LIMIT 1",
                    (owner, company_id, key, now - rules.DEDUPE_WINDOW_S),
                ).fetchone()
                if row is not None:
                    return DiscoveryRecord(row[0], company_id, json.loads(row[1]), row[2], row[3], company[0]), False
                record = DiscoveryRecord(
                    f"edr_{secrets.token_hex(8)}", company_id, clean, now, now + self._delay_s, company[0]
                )
                conn.execute(
                    "INSERT INTO email_discovery_requests "
                    "(request_id, owner, company_id, roles_key, roles, requested_at, requested_ts, ready_ts) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.request_id,
                        owner,
                        company_id,
                        key,
                        json.dumps(clean),
                        rules.iso(now),
                        now,
                        record.ready_ts,
                    ),
                )
            return record, True

        record, created = await self._run(work)
        return record.view(now), created

    async def get_email_discovery(self, owner: str, request_id: str) -> EmailDiscovery:
        now = self._now()
        sql = (
            "SELECT r.request_id, r.company_id, r.roles, r.requested_ts, r.ready_ts, c.domain "
            "FROM email_discovery_requests r LEFT JOIN companies c ON c.id = r.company_id "
            "WHERE r.request_id = ? AND r.owner = ? AND r.requested_ts >= ?"  # expired: as good as deleted
        )
        row = await self._run(lambda conn: conn.execute(sql, (request_id, owner, now - self._retention_s)).fetchone())
        if row is None:
            raise rules.discovery_not_found(request_id)
        record = DiscoveryRecord(row[0], row[1], json.loads(row[2]), row[3], row[4], row[5] or "unknown.invalid")
        return record.view(now)

    # -- retention ---------------------------------------------------------------------------

    def _purge_due(self, now: float) -> float | None:
        """The cutoff to purge before, on at most one write per ``PURGE_INTERVAL_S`` (else ``None``)."""
        if now - self._last_purge < rules.PURGE_INTERVAL_S:
            return None
        self._last_purge = now
        return now - self._retention_s

    @staticmethod
    def _delete_expired(conn: sqlite3.Connection, before: float) -> int:
        return conn.execute("DELETE FROM email_discovery_requests WHERE requested_ts < ?", (before,)).rowcount

    async def purge_expired_discoveries(self, older_than_days: float = rules.DEFAULT_RETENTION_DAYS) -> int:
        """Delete email-discovery requests (personal data) made more than ``older_than_days`` ago; returns how many."""
        before = self._now() - older_than_days * 86400

        def work(conn: sqlite3.Connection) -> int:
            with immediate(conn):
                return self._delete_expired(conn, before)

        return await self._run(work)
