"""PostgresStore against a real PostgreSQL: migrations, retention, races settled by the database, errors, seeding.

What both stores must answer identically is in ``test_store_parity``; this module covers what only
PostgreSQL has. Each module works in a schema of its own (``pg_seeded``), dropped afterwards.
"""

from __future__ import annotations

import multiprocessing
import re
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import anyio.to_thread
import psycopg
import pytest

from companydata.generator import GeneratedCompany, company_at, generate_companies
from companydata.postgres_pool import PostgresPool
from companydata.postgres_schema import MIGRATIONS, Migration, applied_versions, migrate, migrate_postgres
from companydata.postgres_seed import copy_text, purge_postgres_discoveries, seed_postgres
from companydata.postgres_store import PostgresStore
from companydata.text import search_document
from core.errors import BackendError, BackendTimeout, BackendUnavailable, NotFound, ValidationFailed
from core.model import CompanyFilters, PageRequest
from core.ports import Backend

from .conftest import STORE_SIZE, drop_schema_at, new_schema_name
from .pg_race_worker import RACE_ROUNDS, race

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def owner() -> str:
    return f"https://issuer.test|{uuid.uuid4()}"


def sql_value(dsn: str, schema: str, query: str, *params: Any) -> Any:
    with psycopg.connect(dsn, autocommit=True, options=f"-c search_path={schema}") as conn:
        row = conn.execute(query, params).fetchone()  # test-only SQL, constant text
    assert row is not None
    return row[0]


@pytest.fixture
def fresh_schema(pg_dsn: str) -> Iterator[str]:
    schema = new_schema_name("test_fresh")
    try:
        yield schema
    finally:
        drop_schema_at(pg_dsn, schema)


def store_for(dsn: str, schema: str, **options: Any) -> PostgresStore:
    return PostgresStore(dsn, schema=schema, **options)


async def test_implements_the_backend_port(pg_dsn: str, pg_seeded: str) -> None:
    store: Backend = store_for(pg_dsn, pg_seeded)
    assert isinstance(store, Backend)
    async with aclosing(store):
        await store.ping()
        assert (await store.get_company(company_id="cmp_00000042")) == company_at(42).to_company()


def test_constructor_does_no_io() -> None:
    PostgresStore("postgresql://nobody@127.0.0.1:1/none", schema="anything")  # would fail if it connected
    with pytest.raises(ValueError):
        PostgresStore("postgresql://x", schema="Robert'); DROP TABLE x; --")


# -- migrations ------------------------------------------------------------------------------------


def test_migrations_are_idempotent_and_recorded(pg_dsn: str, fresh_schema: str) -> None:
    assert migrate_postgres(pg_dsn, fresh_schema) == [m.version for m in MIGRATIONS]
    assert migrate_postgres(pg_dsn, fresh_schema) == []
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert applied_versions(conn, fresh_schema) == [m.version for m in MIGRATIONS]
        assert applied_versions(conn, "no_such_schema_here") == []


def test_migrations_apply_in_order_and_only_once(pg_dsn: str, fresh_schema: str) -> None:
    first = (Migration(1, "one", ("CREATE TABLE t (a int)",)), Migration(2, "two", ("ALTER TABLE t ADD b int",)))
    later = (*first, Migration(3, "three", ("ALTER TABLE t ADD c int",)))
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        assert migrate(conn, fresh_schema, first) == [1, 2]
        assert migrate(conn, fresh_schema, later) == [3]
        assert migrate(conn, fresh_schema, later) == []
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = 't' "
            "ORDER BY ordinal_position",
            (fresh_schema,),
        ).fetchall()
        assert [c for (c,) in columns] == ["a", "b", "c"]
        with pytest.raises(ValueError):
            migrate(conn, fresh_schema, (later[1], later[0]))


def test_concurrent_migrations_apply_once(pg_dsn: str, fresh_schema: str) -> None:
    results: list[list[int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def run() -> None:
        try:
            start.wait()
            results.append(migrate_postgres(pg_dsn, fresh_schema))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(results, key=len) == [[]] * 5 + [[m.version for m in MIGRATIONS]]


async def test_migration_2_indexes_the_companies_already_there(pg_dsn: str, fresh_schema: str, pg_seeded: str) -> None:
    """A schema seeded before the facets and vocabulary searches like a fresh one once migrated."""
    with psycopg.connect(pg_dsn, autocommit=True, options=f"-c search_path={fresh_schema}") as conn:
        assert migrate(conn, fresh_schema, MIGRATIONS[:1]) == [1]
        with conn.cursor().copy("COPY companies FROM STDIN") as copy:
            copy.write(copy_text(list(generate_companies(STORE_SIZE)), 0))
    assert migrate_postgres(pg_dsn, fresh_schema) == [2]
    queries = [
        CompanyFilters(query="cloud", country="US"),
        CompanyFilters(query="based team data", match="any", industry="software", min_employees=20),
        CompanyFilters(query="bas", founded_before=2000),
    ]
    answers = []
    for schema in (pg_seeded, fresh_schema):
        store = store_for(pg_dsn, schema, migrate=False)
        async with aclosing(store):
            answers.append([await store.search_companies(q, PageRequest(limit=50)) for q in queries])
    assert answers[0] == answers[1] and all(page.items for page in answers[0])


async def test_open_migrates_an_empty_schema(pg_dsn: str, fresh_schema: str) -> None:
    store = store_for(pg_dsn, fresh_schema)
    async with aclosing(store):
        page = await store.search_companies(CompanyFilters(query="anything"), PageRequest(limit=5))
        col, created = await store.create_collection(owner(), "Works without companies", None)
    assert page.items == [] and created and col.size == 0


# -- retention -------------------------------------------------------------------------------------


async def test_expired_discoveries_are_hidden_then_purged(pg_dsn: str, pg_seeded: str) -> None:
    alice, clock = owner(), Clock()
    store = store_for(pg_dsn, pg_seeded, clock=clock, discovery_delay_s=1.0)
    count = "SELECT count(*) FROM email_discovery_requests WHERE owner = %s"
    async with aclosing(store):
        old, _ = await store.request_email_discovery(alice, "cmp_00000011", ["cfo"])
        clock.advance(days=29, hours=23)
        assert (await store.get_email_discovery(alice, old.request_id)).status == "completed"
        clock.advance(hours=1, seconds=1)
        with pytest.raises(NotFound):  # past retention: gone for the caller even before the purge runs
            await store.get_email_discovery(alice, old.request_id)
        assert sql_value(pg_dsn, pg_seeded, count, alice) == 1
        assert await store.purge_expired_discoveries(older_than_days=30) >= 1
        assert sql_value(pg_dsn, pg_seeded, count, alice) == 0


async def test_writes_purge_expired_discoveries_at_most_hourly(pg_dsn: str, pg_seeded: str) -> None:
    alice, clock = owner(), Clock()
    store = store_for(pg_dsn, pg_seeded, clock=clock, retention_days=2)
    count = "SELECT count(*) FROM email_discovery_requests WHERE owner = %s"
    async with aclosing(store):
        await store.request_email_discovery(alice, "cmp_00000012", ["ceo"])  # purges (nothing yet)
        clock.advance(days=2, seconds=1)
        await store.request_email_discovery(alice, "cmp_00000013", ["ceo"])  # purges the first request
        assert sql_value(pg_dsn, pg_seeded, count, alice) == 1
        clock.advance(days=2, seconds=1)
        await store.request_email_discovery(alice, "cmp_00000014", ["ceo"])  # purges the second
        clock.advance(minutes=30)
        await store.request_email_discovery(alice, "cmp_00000015", ["ceo"])  # within the hour: no purge
        assert sql_value(pg_dsn, pg_seeded, count, alice) == 2


def test_purge_entry_point_for_the_cli(pg_dsn: str, fresh_schema: str) -> None:
    seed_postgres(pg_dsn, 20, schema=fresh_schema, progress=False)
    long_ago = Clock(datetime(2000, 1, 1, tzinfo=UTC))

    async def request() -> None:
        store = store_for(pg_dsn, fresh_schema, clock=long_ago)
        async with aclosing(store):
            await store.request_email_discovery(owner(), "cmp_00000003", ["cfo"])

    anyio.run(request)
    assert purge_postgres_discoveries(pg_dsn, schema=fresh_schema) == 1
    assert purge_postgres_discoveries(pg_dsn, schema=fresh_schema) == 0


# -- races: the database decides --------------------------------------------------------------------


async def test_concurrent_tasks_leave_one_effect(pg_dsn: str, pg_seeded: str) -> None:
    alice = owner()
    store = store_for(pg_dsn, pg_seeded, max_size=8)
    created: list[tuple[str, bool]] = []
    reports = []
    discoveries: list[tuple[str, str, bool]] = []
    async with aclosing(store):

        async def create() -> None:
            col, was_created = await store.create_collection(alice, "Race", None)
            created.append((col.id, was_created))

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(create)
        (col_id,) = {c for c, _ in created}

        async def add() -> None:
            reports.append(await store.add_to_collection(alice, col_id, ["cmp_00000001", "cmp_00000002"]))

        async def request(company: str) -> None:
            found, was_created = await store.request_email_discovery(alice, company, ["cto"])
            discoveries.append((company, found.request_id, was_created))

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(add)
            for k in range(10):
                for _ in range(4):
                    tg.start_soon(request, f"cmp_{k:08d}")
        fetched, page = await store.get_collection(alice, col_id, PageRequest(limit=10))
    assert sum(was for _, was in created) == 1
    added = Counter(company for r in reports for company in r.added)
    assert added == {"cmp_00000001": 1, "cmp_00000002": 1}
    assert all(r.size == 2 for r in reports) and fetched.size == 2
    assert [c.id for c in page.items] == ["cmp_00000001", "cmp_00000002"]
    assert len({(company, rid) for company, rid, _ in discoveries}) == 10
    assert sum(was for *_, was in discoveries) == 10


async def test_two_processes_leave_exactly_one_row(pg_dsn: str, pg_seeded: str) -> None:
    who = owner()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=race, args=(pg_dsn, pg_seeded, who, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [await anyio.to_thread.run_sync(out.get, True, 60) for _ in range(2 * 2 * 3 * RACE_ROUNDS)]
    for p in procs:
        await anyio.to_thread.run_sync(p.join, 60)
        assert p.exitcode == 0
    created = Counter((kind, round_) for kind, round_, was_created in results if was_created)
    kinds = ("collection", "discovery", "item")
    assert created == Counter({(kind, r): 1 for kind in kinds for r in range(RACE_ROUNDS)})
    collections = sql_value(pg_dsn, pg_seeded, "SELECT count(*) FROM collections WHERE owner = %s", who)
    requests = sql_value(pg_dsn, pg_seeded, "SELECT count(*) FROM email_discovery_requests WHERE owner = %s", who)
    items = sql_value(
        pg_dsn,
        pg_seeded,
        "SELECT count(*) FROM collection_items i JOIN collections k ON k.id = i.collection_id WHERE k.owner = %s",
        who,
    )
    assert (collections, requests, items) == (RACE_ROUNDS + 1, RACE_ROUNDS, RACE_ROUNDS)


# -- errors at the edge ----------------------------------------------------------------------------


async def test_unreachable_server_is_unavailable_without_leaking_details() -> None:
    store = PostgresStore("postgresql://postgres@127.0.0.1:1/test", connect_timeout_s=1, pool_timeout_s=1)
    with pytest.raises(BackendUnavailable) as caught:
        await store.ping()
    assert "127.0.0.1" not in caught.value.message and "SELECT" not in caught.value.message
    await store.aclose()


async def test_statement_timeout_is_a_timeout(pg_dsn: str, pg_seeded: str) -> None:
    pool = PostgresPool(
        pg_dsn,
        schema=pg_seeded,
        min_size=0,
        max_size=1,
        statement_timeout_ms=50,
        connect_timeout_s=5,
        pool_timeout_s=5,
    )

    async def slow(conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> None:
        await conn.execute("SELECT pg_sleep(2)")

    try:
        with pytest.raises(BackendTimeout) as caught:
            await pool.run(slow)
        assert "pg_sleep" not in caught.value.message
    finally:
        await pool.aclose()


async def test_missing_tables_are_a_backend_error(pg_dsn: str, fresh_schema: str) -> None:
    store = store_for(pg_dsn, fresh_schema, migrate=False)
    async with aclosing(store):
        with pytest.raises(BackendError) as caught:
            await store.search_companies(CompanyFilters(), PageRequest(limit=1))
    assert type(caught.value) is BackendError
    assert "companies" not in caught.value.message and "relation" not in caught.value.message


async def test_closed_store_refuses_calls(pg_dsn: str, pg_seeded: str) -> None:
    store = store_for(pg_dsn, pg_seeded)
    await store.ping()
    await store.aclose()
    with pytest.raises(BackendUnavailable):
        await store.ping()


async def test_nul_characters_never_reach_the_database(pg_dsn: str, pg_seeded: str) -> None:
    alice = owner()
    store = store_for(pg_dsn, pg_seeded)
    async with aclosing(store):
        assert (await store.search_companies(CompanyFilters(city="Ber\x00lin"), PageRequest(limit=5))).items == []
        with pytest.raises(NotFound):
            await store.get_company(company_id="cmp_0000000\x001")
        with pytest.raises(NotFound):
            await store.get_collection(alice, "col_\x00", PageRequest(limit=5))
        with pytest.raises(NotFound):
            await store.get_email_discovery(alice, "edr_\x00")
        with pytest.raises(ValidationFailed) as caught:
            await store.create_collection(alice, "a\x00b", None)
        assert caught.value.field == "name"
        with pytest.raises(ValidationFailed) as caught:
            await store.request_email_discovery(alice, "cmp_00000001", ["c\x00fo"])
        assert caught.value.field == "roles"


# -- seeding ---------------------------------------------------------------------------------------


def test_seed_replaces_the_company_set_and_keeps_user_data_consistent(pg_dsn: str, fresh_schema: str) -> None:
    report = seed_postgres(pg_dsn, 300, schema=fresh_schema, progress=False)
    assert (report.companies, report.schema, report.path) == (300, fresh_schema, None) and report.size_bytes > 0
    alice = owner()

    async def write() -> str:
        store = store_for(pg_dsn, fresh_schema)
        async with aclosing(store):
            col, _ = await store.create_collection(alice, "Kept", None)
            await store.add_to_collection(alice, col.id, ["cmp_00000010", "cmp_00000250"])
            await store.request_email_discovery(alice, "cmp_00000250", ["cfo"])
            return col.id

    col_id = anyio.run(write)
    seed_postgres(pg_dsn, 200, schema=fresh_schema, progress=False)

    async def read() -> tuple[int, list[str]]:
        store = store_for(pg_dsn, fresh_schema)
        async with aclosing(store):
            col, page = await store.get_collection(alice, col_id, PageRequest(limit=10))
            return col.size, [c.id for c in page.items]

    assert anyio.run(read) == (1, ["cmp_00000010"])  # the item of the company that is gone went with it
    assert sql_value(pg_dsn, fresh_schema, "SELECT count(*) FROM companies") == 200
    assert sql_value(pg_dsn, fresh_schema, "SELECT count(*) FROM email_discovery_requests") == 0
    indexes = sql_value(
        pg_dsn,
        fresh_schema,
        "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND tablename = 'companies'",
        fresh_schema,
    )
    assert indexes == 9  # primary key + the eight rebuilt after the load


def test_search_vectors_hold_exactly_the_document_words(pg_dsn: str, pg_seeded: str) -> None:
    """The stored tsvector is the document's words; to_tsvector('simple', document) would say the same."""
    with psycopg.connect(pg_dsn, autocommit=True, options=f"-c search_path={pg_seeded}") as conn:
        rows = conn.execute("SELECT seq, tsvector_to_array(search) FROM companies ORDER BY seq").fetchall()
        documents = [search_document(c.name, c.domain, c.description, c.tags) for c in generate_companies(STORE_SIZE)]
        parsed = conn.execute(
            "SELECT tsvector_to_array(to_tsvector('simple', d)) FROM unnest(%s::text[]) AS d", (documents,)
        ).fetchall()
    assert [seq for seq, _ in rows] == list(range(STORE_SIZE))
    for (_, lexemes), (reparsed,), document in zip(rows, parsed, documents, strict=True):
        assert set(lexemes) == set(document.split()) == set(reparsed)


def test_copy_text_escapes_what_copy_and_arrays_need(pg_dsn: str, fresh_schema: str) -> None:
    odd = company_at(5)._replace(
        name='Tab\there "quoted" back\\slash', description="line\nbreak\r", tags=("a,b", 'q"t', "back\\", "{x}")
    )
    rows: list[GeneratedCompany] = [company_at(4), odd]
    seed_postgres(pg_dsn, 0, schema=fresh_schema, progress=False)
    with psycopg.connect(pg_dsn, autocommit=True, options=f"-c search_path={fresh_schema}") as conn:
        with conn.cursor().copy("COPY companies FROM STDIN") as copy:
            copy.write(copy_text(rows, 4))
        got = conn.execute("SELECT name, description, tags FROM companies ORDER BY seq").fetchall()
    assert got == [(r.name, r.description, list(r.tags)) for r in rows]


def test_domains_with_digits_and_hyphens_are_words(pg_dsn: str, pg_seeded: str) -> None:
    """PostgreSQL's own parser would keep "zusoto3.in" whole; the stored document splits it, as FTS5 does."""
    with psycopg.connect(pg_dsn, autocommit=True, options=f"-c search_path={pg_seeded}") as conn:
        raw = conn.execute("SELECT tsvector_to_array(to_tsvector('simple', 'zusoto3.in e-commerce'))").fetchone()
    assert raw is not None and "zusoto3.in" in raw[0]  # why the document is built in Python
    assert re.fullmatch(r"[a-z0-9 ]+", search_document("O'Brien e-Commerce", "zusoto3.in", "Zürich", []))
    assert search_document("O'Brien e-Commerce", "zusoto3.in", "Zürich", []) == "o brien e commerce zusoto3 in zurich"
