"""``SqliteStore``: the ``core.ports.Backend`` over one SQLite file.

Safe for several server processes on one file: WAL journal, a busy timeout,
and every check-then-write inside ``BEGIN IMMEDIATE`` (see ``sqlite_pool``).
Uniqueness is the database's job (UNIQUE / PRIMARY KEY + ``ON CONFLICT DO
NOTHING`` / ``INSERT OR IGNORE``), so concurrent retries leave one effect.

Paging tokens (``PageRequest.after``) are this store's own: ``k<rid>`` (the
last row's position) for filter-only searches, ``o<offset>`` for ranked
text searches and the collection lists.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio

from companydata.discovery import normalize_roles, roles_key, synthetic_results
from companydata.sqlite_pool import SqlitePool, immediate
from companydata.sqlite_schema import SCHEMA_VERSION, create_all
from core.errors import BackendUnavailable, NotFound, ValidationFailed
from core.model import (
    MAX_ITEMS,
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

_SUMMARY_COLUMNS = "c.rid, c.id, c.name, c.domain, c.industry, c.country, c.city, c.employee_count, c.founded_year"
_COMPANY_COLUMNS = f"{_SUMMARY_COLUMNS}, c.description, c.website, c.tags, c.updated_at"
# bm25 column weights: name, domain, description, tags.
_RANK = "bm25(companies_fts, 10.0, 4.0, 1.0, 2.0)"
_MAX_QUERY_WORDS = 16
_WINDOW_S = 24 * 3600
_IN_CHUNK = 500
_INT64_MAX = 2**63 - 1
_WORD = re.compile(r"[^\W_]+")
# Dropped from free text when other words remain: they match nearly every row and only slow ranking down.
_STOPWORD_TEXT = (
    "a an and are as at be by for from in into is it its of on or our that the their this to we with you your"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: float) -> str:
    """ISO-8601 UTC with a "Z", to the second ("2026-03-01T12:00:00Z")."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _summary(row: Sequence[Any]) -> CompanySummary:
    return CompanySummary(
        id=row[1],
        name=row[2],
        domain=row[3],
        industry=row[4],
        country=row[5],
        city=row[6],
        employee_count=row[7],
        founded_year=row[8],
    )


def _company(row: Sequence[Any]) -> Company:
    return Company(
        **_summary(row).model_dump(),
        description=row[9],
        website=row[10],
        tags=json.loads(row[11]),
        updated_at=row[12],
    )


def _limit(page: PageRequest) -> int:
    if page.limit < 1:
        raise ValidationFailed("limit", "limit must be at least 1.")
    return min(page.limit, MAX_ITEMS)


def _token(after: str | None, kind: str) -> int:
    """Decode ``<kind><non-negative integer>``; anything else is a forged or foreign cursor."""
    if after is None:
        return 0
    digits = after[1:]
    if after[:1] != kind or not 1 <= len(digits) <= 12 or not digits.isascii() or not digits.isdigit():
        raise ValidationFailed("cursor", "The cursor is not valid for this request. Repeat the call without a cursor.")
    return int(digits)


def fts_match(query: str | None, match: str) -> str | None:
    """The FTS5 MATCH expression for free text, or ``None`` when it has no words.

    Raw text never reaches MATCH: each word (letters/digits) is quoted, as a
    prefix (``"fin"*``) when it has 3 or more characters. Common English words
    are dropped unless the text has nothing else.
    """
    decomposed = unicodedata.normalize("NFKD", query or "")  # "Zu\u0308rich" is one word, as FTS sees it
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    words = [w for w in words if w not in _STOPWORDS] or words
    if not words:
        return None
    words = words[:_MAX_QUERY_WORDS]
    terms = [f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in words]
    return (" AND " if match == "all" else " OR ").join(terms)


def _filter_sql(filters: CompanyFilters) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for value, clause in (
        (filters.industry, "c.industry = ?"),  # NOCASE columns: case-insensitive exact
        (filters.country.upper() if filters.country else None, "c.country = ?"),
        (filters.city, "c.city = ?"),
        (filters.min_employees, "c.employee_count >= ?"),
        (filters.max_employees, "c.employee_count <= ?"),
        (filters.founded_after, "c.founded_year > ?"),  # exclusive, as everywhere
        (filters.founded_before, "c.founded_year < ?"),
    ):
        if value is not None:
            clauses.append(clause)
            if isinstance(value, str):
                params.append(value.strip())
            else:  # SQLite integers are 64-bit; a bound beyond that means the same as the limit
                params.append(max(min(value, _INT64_MAX), -_INT64_MAX))
    return clauses, params


def _normalize_domain(domain: str) -> str:
    """Accept what people paste: "HTTPS://www.Example.com/about" -> "example.com"."""
    value = domain.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0]
    return value.removeprefix("www.")


@dataclass(frozen=True, slots=True)
class _Request:
    request_id: str
    company_id: str
    roles: list[str]
    requested_at: str
    ready_ts: float
    domain: str


class SqliteStore:
    """The company platform on one SQLite file (build it with ``companydata.seed.seed_sqlite``).

    The constructor does no I/O; ``open()`` (or the first call) opens it and
    creates any missing tables, ``aclose()`` closes it. ``clock`` is injected
    so tests can move time (discovery completion, the 24-hour window).
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] = _utc_now,
        discovery_delay_s: float = 3.0,
        max_threads: int = 4,
        busy_timeout_s: float = 5.0,
    ) -> None:
        self._path = Path(path)
        self._clock = clock
        self._delay_s = discovery_delay_s
        self._pool = SqlitePool(self._path, max_threads=max_threads, busy_timeout_s=busy_timeout_s)
        self._open_lock = anyio.Lock()
        self._opened = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        async with self._open_lock:
            if not self._opened:
                await self._pool.run(self._prepare)
                self._opened = True

    @staticmethod
    def _prepare(conn: sqlite3.Connection) -> None:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version not in (0, SCHEMA_VERSION):
            raise BackendUnavailable(
                f"The store file has schema version {version}, this server needs {SCHEMA_VERSION}: seed it again."
            )
        conn.execute("PRAGMA journal_mode = WAL")  # persistent; a no-op on a seeded store
        with immediate(conn):
            create_all(conn)

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if not self._opened:
            await self.open()
        return await self._pool.run(work)

    def _now(self) -> float:
        moment = self._clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()

    async def ping(self) -> None:
        def probe(conn: sqlite3.Connection) -> None:
            conn.execute("SELECT 1 FROM companies LIMIT 1").fetchall()

        await self._run(probe)

    # -- companies ---------------------------------------------------------------------------

    async def search_companies(self, filters: CompanyFilters, page: PageRequest) -> Page[CompanySummary]:
        limit = _limit(page)
        match = fts_match(filters.query, filters.match)
        clauses, params = _filter_sql(filters)
        offset = 0
        if match is None:
            last_rid = _token(page.after, "k") if page.after is not None else -1
            where = " AND ".join([*clauses, "c.rid > ?"])
            sql = f"SELECT {_SUMMARY_COLUMNS} FROM companies c WHERE {where} ORDER BY c.rid LIMIT ?"
            args = [*params, last_rid, limit + 1]
        else:
            offset = _token(page.after, "o")
            where = " AND ".join(["companies_fts MATCH ?", *clauses])
            sql = (
                f"SELECT {_SUMMARY_COLUMNS} FROM companies_fts JOIN companies c ON c.rid = companies_fts.rowid "
                f"WHERE {where} ORDER BY {_RANK}, c.rid LIMIT ? OFFSET ?"
            )
            args = [match, *params, limit + 1, offset]

        rows = await self._run(lambda conn: conn.execute(sql, args).fetchall())
        items = [_summary(r) for r in rows[:limit]]
        next_after = None
        if len(rows) > limit:
            next_after = f"k{rows[limit - 1][0]}" if match is None else f"o{offset + limit}"
        return Page(items, next_after)

    async def get_company(self, *, company_id: str | None = None, domain: str | None = None) -> Company:
        if (company_id is None) == (domain is None):
            raise ValidationFailed("company_id", "Give exactly one of company_id or domain.")
        if company_id is not None:
            key, column, what = company_id.strip(), "c.id", f"id '{company_id[:80]}'"
        else:
            key, column, what = _normalize_domain(domain or ""), "c.domain", f"domain '{(domain or '')[:80]}'"
        sql = f"SELECT {_COMPANY_COLUMNS} FROM companies c WHERE {column} = ?"
        row = await self._run(lambda conn: conn.execute(sql, (key,)).fetchone())
        if row is None:
            raise NotFound(f"No company with {what}. Use search_companies to find companies and their ids.")
        return _company(row)

    async def existing_company_ids(self, company_ids: list[str]) -> set[str]:
        return await self._run(lambda conn: self._existing(conn, company_ids))

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
            # Same answer for unknown ids and other owners' ids: existence is never revealed.
            raise NotFound(
                f"No collection with id '{collection_id[:80]}'. Use list_collections to see your collections."
            )
        return self._collection(row)

    async def list_collections(self, owner: str, page: PageRequest) -> Page[Collection]:
        limit = _limit(page)
        offset = _token(page.after, "o")
        sql = f"{self._COLLECTION_SQL} WHERE k.owner = ? ORDER BY k.created_at, k.id LIMIT ? OFFSET ?"
        rows = await self._run(lambda conn: conn.execute(sql, (owner, limit + 1, offset)).fetchall())
        items = [self._collection(r) for r in rows[:limit]]
        return Page(items, f"o{offset + limit}" if len(rows) > limit else None)

    async def get_collection(
        self, owner: str, collection_id: str, page: PageRequest
    ) -> tuple[Collection, Page[CompanySummary]]:
        limit = _limit(page)
        offset = _token(page.after, "o")
        sql = (
            f"SELECT {_SUMMARY_COLUMNS} FROM collection_items i JOIN companies c ON c.id = i.company_id "
            "WHERE i.collection_id = ? ORDER BY i.rowid LIMIT ? OFFSET ?"
        )

        def work(conn: sqlite3.Connection) -> tuple[Collection, list[Any]]:
            collection = self._owned(conn, owner, collection_id)
            return collection, conn.execute(sql, (collection_id, limit + 1, offset)).fetchall()

        collection, rows = await self._run(work)
        items = [_summary(r) for r in rows[:limit]]
        return collection, Page(items, f"o{offset + limit}" if len(rows) > limit else None)

    async def create_collection(self, owner: str, name: str, description: str | None) -> tuple[Collection, bool]:
        clean = name.strip()
        if not clean:
            raise ValidationFailed("name", "The collection name must not be empty.")
        created_at = _iso(self._now())

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
        added_at = _iso(self._now())

        def work(conn: sqlite3.Connection) -> AddResult:
            self._owned(conn, owner, collection_id)  # collections are never deleted: no need to re-check later
            known = self._existing(conn, unique)
            unknown = [c for c in unique if c not in known]
            if unknown:
                shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
                raise ValidationFailed("company_ids", f"unknown company ids: {shown}. Nothing was added.")
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

    def _discovery(self, request: _Request, now: float) -> EmailDiscovery:
        done = now >= request.ready_ts
        return EmailDiscovery(
            request_id=request.request_id,
            company_id=request.company_id,
            roles=request.roles,
            status="completed" if done else "pending",
            requested_at=request.requested_at,
            completed_at=_iso(request.ready_ts) if done else None,
            results=synthetic_results(request.company_id, request.domain, request.roles) if done else [],
        )

    async def request_email_discovery(
        self, owner: str, company_id: str, roles: list[str]
    ) -> tuple[EmailDiscovery, bool]:
        clean = normalize_roles(roles)
        key = roles_key(clean)
        now = self._now()

        def work(conn: sqlite3.Connection) -> tuple[_Request, bool]:
            company = conn.execute("SELECT domain FROM companies WHERE id = ?", (company_id,)).fetchone()
            if company is None:
                raise NotFound(f"No company with id '{company_id[:80]}'. Use search_companies to find company ids.")
            with immediate(conn):  # the check and the insert are one step for every thread and process
                row = conn.execute(
                    "SELECT request_id, roles, requested_at, ready_ts FROM email_discovery_requests "
                    "WHERE owner = ? AND company_id = ? AND roles_key = ? AND requested_ts > ? "
                    "ORDER BY requested_ts DESC LIMIT 1",
                    (owner, company_id, key, now - _WINDOW_S),
                ).fetchone()
                if row is not None:
                    return _Request(row[0], company_id, json.loads(row[1]), row[2], row[3], company[0]), False
                request = _Request(
                    f"edr_{secrets.token_hex(8)}", company_id, clean, _iso(now), now + self._delay_s, company[0]
                )
                conn.execute(
                    "INSERT INTO email_discovery_requests "
                    "(request_id, owner, company_id, roles_key, roles, requested_at, requested_ts, ready_ts) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        request.request_id,
                        owner,
                        company_id,
                        key,
                        json.dumps(clean),
                        request.requested_at,
                        now,
                        request.ready_ts,
                    ),
                )
            return request, True

        request, created = await self._run(work)
        return self._discovery(request, now), created

    async def get_email_discovery(self, owner: str, request_id: str) -> EmailDiscovery:
        sql = (
            "SELECT r.request_id, r.company_id, r.roles, r.requested_at, r.ready_ts, c.domain "
            "FROM email_discovery_requests r LEFT JOIN companies c ON c.id = r.company_id "
            "WHERE r.request_id = ? AND r.owner = ?"
        )
        row = await self._run(lambda conn: conn.execute(sql, (request_id, owner)).fetchone())
        if row is None:
            raise NotFound(f"No email discovery request with id '{request_id[:80]}'.")
        request = _Request(row[0], row[1], json.loads(row[2]), row[3], row[4], row[5] or "unknown.invalid")
        return self._discovery(request, self._now())
