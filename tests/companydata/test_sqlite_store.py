"""SqliteStore against real SQLite files: filters, text search, paging, ownership, idempotency, discovery."""

from __future__ import annotations

import json
import multiprocessing
import re
import sqlite3
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import aclosing, closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companydata.generator import GeneratedCompany, generate_companies
from companydata.ranking import ANY_CANDIDATES_PER_TERM
from companydata.seed import StoreInUse, seed_sqlite, store_info
from companydata.sqlite_schema import TEXT_KEY
from companydata.sqlite_search import expand, fts_match
from companydata.sqlite_store import SqliteStore
from companydata.text import parse_query, search_document
from core.errors import BackendError, BackendUnavailable, NotFound, ValidationFailed
from core.model import CompanyFilters, CompanySummary, PageRequest
from core.ports import Backend

from .conftest import STORE_SIZE

pytestmark = pytest.mark.anyio

ROWS: list[GeneratedCompany] = list(generate_companies(STORE_SIZE))
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def owner() -> str:
    return f"https://issuer.test|{uuid.uuid4()}"


async def walk(store: SqliteStore, filters: CompanyFilters, limit: int) -> list[CompanySummary]:
    """Every item of a search, page by page."""
    items: list[CompanySummary] = []
    after = None
    for _ in range(STORE_SIZE + 1):
        page = await store.search_companies(filters, PageRequest(limit=limit, after=after))
        assert len(page.items) <= limit
        items.extend(page.items)
        if page.next_after is None:
            return items
        assert len(page.items) == limit
        after = page.next_after
    raise AssertionError("paging never ended")


def words(row: GeneratedCompany) -> set[str]:
    return set(search_document(row.name, row.domain, row.description, row.tags).split())


def has_word(row_words: set[str], prefix: str) -> bool:
    return any(w.startswith(prefix) for w in row_words)


@pytest.fixture
def store(seeded_path: Path) -> SqliteStore:
    return SqliteStore(seeded_path)


@pytest.fixture
def fast_thread_switching() -> Iterator[None]:
    """Switch threads very often, so races between worker threads actually interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


async def test_implements_the_backend_port(store: SqliteStore) -> None:
    assert isinstance(store, Backend)
    async with aclosing(store):
        await store.ping()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (CompanyFilters(country="DE"), lambda r: r.country == "DE"),
        (CompanyFilters(industry="software"), lambda r: r.industry == "Software"),  # case-insensitive
        (CompanyFilters(city="LONDON"), lambda r: r.city == "London"),
        (CompanyFilters(min_employees=500), lambda r: r.employee_count >= 500),  # inclusive
        (CompanyFilters(max_employees=10), lambda r: r.employee_count <= 10),  # inclusive
        (CompanyFilters(founded_after=2015), lambda r: r.founded_year > 2015),  # exclusive
        (CompanyFilters(founded_before=1990), lambda r: r.founded_year < 1990),  # exclusive
        (
            CompanyFilters(country="US", min_employees=50, max_employees=200, founded_after=2000, founded_before=2020),
            lambda r: r.country == "US" and 50 <= r.employee_count <= 200 and 2000 < r.founded_year < 2020,
        ),
        (CompanyFilters(country="ZZ"), lambda r: False),
    ],
)
async def test_filters_select_exactly_the_matching_companies_in_id_order(
    store: SqliteStore, filters: CompanyFilters, expected: Callable[[GeneratedCompany], bool]
) -> None:
    async with aclosing(store):
        got = await walk(store, filters, limit=100)
    assert [c.id for c in got] == [r.id for r in ROWS if expected(r)]


async def test_filter_bounds_are_exact(store: SqliteStore) -> None:
    year = ROWS[0].founded_year
    async with aclosing(store):
        after = await walk(store, CompanyFilters(founded_after=year - 1, founded_before=year + 1), limit=100)
        exact = await walk(store, CompanyFilters(min_employees=826, max_employees=826), limit=100)
    assert {c.founded_year for c in after} == {year}
    assert "cmp_00000001" in [c.id for c in exact] and {c.employee_count for c in exact} == {826}


async def test_all_words_must_match_by_default_and_any_word_ranks(store: SqliteStore) -> None:
    query = "payment merchants"
    async with aclosing(store):
        every = await walk(store, CompanyFilters(query=query), limit=100)
        some = await walk(store, CompanyFilters(query=query, match="any"), limit=100)
    want_all = {r.id for r in ROWS if has_word(words(r), "payment") and has_word(words(r), "merchants")}
    want_any = {r.id for r in ROWS if has_word(words(r), "payment") or has_word(words(r), "merchants")}
    assert want_all and len(want_all) < len(want_any)
    assert {c.id for c in every} == want_all
    assert {c.id for c in some} == want_any
    assert len(some) == len({c.id for c in some})  # no repeats across pages
    # Rows with both words outrank rows with one of them.
    assert {c.id for c in some[: len(want_all)]} == want_all


async def test_words_match_as_prefixes(store: SqliteStore) -> None:
    # An invented six-letter brand that no other row shares, e.g. "doduna".
    all_words = Counter(w for r in ROWS for w in words(r))
    target = next(r for r in ROWS[100:] if len(brand := r.domain.split(".")[0]) == 6 and all_words[brand] <= 2)
    brand = target.domain.split(".")[0]
    async with aclosing(store):
        by_prefix = await walk(store, CompanyFilters(query=brand[:4].upper()), limit=100)
        exact = await store.search_companies(CompanyFilters(query=brand), PageRequest(limit=5))
    assert target.id in [c.id for c in by_prefix]
    assert [c.id for c in exact.items] == [target.id]


async def test_text_matches_rank_by_employees_then_id(store: SqliteStore) -> None:
    async with aclosing(store):
        got = await walk(store, CompanyFilters(query="therapeutics"), limit=100)
    want = sorted((r for r in ROWS if has_word(words(r), "therapeutics")), key=lambda r: (-r.employee_count, r.id))
    assert len(want) > 1 and [c.id for c in got] == [r.id for r in want]


def any_rule(terms: list[str], keep: Callable[[GeneratedCompany], bool] = lambda r: True) -> list[GeneratedCompany]:
    """The "any" rule, by the book (``companydata.ranking``): each term's first matches in text order, ranked."""
    rows = sorted((r for r in ROWS if keep(r)), key=lambda r: (-r.employee_count, r.id))
    candidates: dict[str, GeneratedCompany] = {}
    for term in terms:
        candidates.update((r.id, r) for r in [r for r in rows if has_word(words(r), term)][:ANY_CANDIDATES_PER_TERM])

    def hits(r: GeneratedCompany) -> int:
        return sum(has_word(words(r), t) for t in terms)

    return sorted(candidates.values(), key=lambda r: (-hits(r), -r.employee_count, r.id))


async def test_any_ranks_by_terms_matched_then_employees_then_id(store: SqliteStore) -> None:
    terms = ["cloud", "payment", "bank"]
    async with aclosing(store):
        got = await walk(store, CompanyFilters(query=" ".join(terms), match="any"), limit=100)
    want = any_rule(terms)
    assert len({sum(has_word(words(r), t) for t in terms) for r in want}) >= 2
    assert [c.id for c in got] == [r.id for r in want]


@pytest.mark.parametrize("limit", [7, 100])
async def test_any_with_common_words_ranks_each_words_first_matches(store: SqliteStore, limit: int) -> None:
    """Words that nearly every company has: each brings its first 100 matches, and paging ends with them."""
    terms = ["based", "works", "team", "related", "products", "builds", "customers", "develops", "founded"]
    async with aclosing(store):
        got = await walk(store, CompanyFilters(query=" ".join(terms), match="any"), limit=limit)
    want = any_rule(terms)
    matching = [r for r in ROWS if any(has_word(words(r), t) for t in terms)]
    assert ANY_CANDIDATES_PER_TERM < len(want) < len(matching)  # bounded, well short of every match
    assert [c.id for c in got] == [r.id for r in want]


async def test_any_candidates_are_taken_after_the_filters(store: SqliteStore) -> None:
    terms = ["based", "team", "cloud"]

    def keep(r: GeneratedCompany) -> bool:
        return r.country == "US" and r.employee_count >= 20

    async with aclosing(store):
        got = await walk(store, CompanyFilters(query=" ".join(terms), match="any", country="us", min_employees=20), 50)
    want = any_rule(terms, keep)
    assert want and [c.id for c in got] == [r.id for r in want]


async def test_any_with_one_matchable_word_is_not_bounded(store: SqliteStore) -> None:
    async with aclosing(store):
        got = await walk(store, CompanyFilters(query="based 名前", match="any"), limit=100)
    want = sorted((r for r in ROWS if has_word(words(r), "based")), key=lambda r: (-r.employee_count, r.id))
    assert len(want) > ANY_CANDIDATES_PER_TERM and [c.id for c in got] == [r.id for r in want]


async def test_any_paging_past_the_candidates_ends_the_results(store: SqliteStore) -> None:
    query = CompanyFilters(query="based team", match="any")
    async with aclosing(store):
        total = len(await walk(store, query, limit=100))
        last = await store.search_companies(query, PageRequest(limit=10, after=f"o{total - 10}"))
        past = await store.search_companies(query, PageRequest(limit=10, after=f"o{total}"))
    assert len(last.items) == 10 and last.next_after is None
    assert past.items == [] and past.next_after is None


async def test_text_search_combines_with_filters(store: SqliteStore) -> None:
    async with aclosing(store):
        got = await walk(store, CompanyFilters(query="software", country="US", min_employees=100), limit=25)
    want = {r.id for r in ROWS if has_word(words(r), "software") and r.country == "US" and r.employee_count >= 100}
    assert want and {c.id for c in got} == want


@pytest.mark.parametrize("text", ['" OR * NEAR(', "AND", "-x ^y", "'); DROP TABLE companies; --", "名前 café"])
async def test_hostile_query_text_is_just_words(store: SqliteStore, text: str) -> None:
    async with aclosing(store):
        page = await store.search_companies(CompanyFilters(query=text), PageRequest(limit=5))
        assert len(page.items) <= 5
        assert await store.get_company(company_id="cmp_00000000")  # the table is still there


@settings(max_examples=300, deadline=None)
@given(text=st.text(), match=st.sampled_from(["all", "any"]))
def test_any_text_makes_a_valid_full_text_query(seeded_path: Path, text: str, match: Literal["all", "any"]) -> None:
    query = parse_query(text, match)
    if query is None:
        assert not re.search(r"[^\W_]", text)
        return
    if query.matches_nothing:
        return
    with closing(sqlite3.connect(seeded_path)) as conn:
        terms = [t for t in expand(conn, query.matchable_terms) if not t.matches_nothing]
        if terms:
            expression = fts_match(terms, " AND " if match == "all" else " OR ", ["c0123456789abcdef"], ["y1999"])
            conn.execute("SELECT count(*) FROM companies_fts WHERE companies_fts MATCH ?", (expression,)).fetchone()


async def test_query_without_words_is_a_filter_only_search(store: SqliteStore) -> None:
    async with aclosing(store):
        page = await store.search_companies(CompanyFilters(query=" ?! "), PageRequest(limit=3))
    assert [c.id for c in page.items] == ["cmp_00000000", "cmp_00000001", "cmp_00000002"]


@pytest.mark.parametrize("limit", [1, 7, 100])
async def test_paging_walks_every_row_once(store: SqliteStore, limit: int) -> None:
    async with aclosing(store):
        by_filter = await walk(store, CompanyFilters(country="GB"), limit=limit)
        by_text = await walk(store, CompanyFilters(query="cloud", match="any"), limit=limit)
        one_page = await store.search_companies(CompanyFilters(query="cloud", match="any"), PageRequest(limit=100))
    assert [c.id for c in by_filter] == [r.id for r in ROWS if r.country == "GB"]
    want = {r.id for r in ROWS if has_word(words(r), "cloud")}
    assert len(by_text) == len(want) and {c.id for c in by_text} == want
    # Paged results come in the same order as one big page.
    assert [c.id for c in by_text[:100]] == [c.id for c in one_page.items[: len(by_text[:100])]]


@pytest.mark.parametrize(
    "after", ["", "x", "k", "k-1", "o1.5", "k\uff11\uff12", "o" + "9" * 19, "k" + "9" * 30, "%6F10"]
)
async def test_forged_cursor_is_a_validation_error(store: SqliteStore, after: str) -> None:
    async with aclosing(store):
        for filters in (CompanyFilters(), CompanyFilters(query="cloud")):
            with pytest.raises(ValidationFailed) as caught:
                await store.search_companies(filters, PageRequest(limit=5, after=after))
            assert caught.value.field == "cursor"


async def test_limits_and_list_cursors_are_checked(store: SqliteStore) -> None:
    async with aclosing(store):
        page = await store.search_companies(CompanyFilters(), PageRequest(limit=500))
        assert len(page.items) == 100  # the hard cap, even if a caller forgot to clamp
        with pytest.raises(ValidationFailed):
            await store.search_companies(CompanyFilters(), PageRequest(limit=0))
        with pytest.raises(ValidationFailed):
            await store.list_collections(owner(), PageRequest(limit=5, after="k3"))
        huge = await store.search_companies(CompanyFilters(min_employees=10**30), PageRequest(limit=5))
        assert huge.items == []


async def test_cursor_of_another_search_kind_is_refused(store: SqliteStore) -> None:
    async with aclosing(store):
        text_page = await store.search_companies(CompanyFilters(query="cloud"), PageRequest(limit=2))
        assert text_page.next_after is not None
        with pytest.raises(ValidationFailed):
            await store.search_companies(CompanyFilters(), PageRequest(limit=2, after=text_page.next_after))


async def test_get_company_by_id_or_domain(store: SqliteStore) -> None:
    row = ROWS[42]
    async with aclosing(store):
        by_id = await store.get_company(company_id=row.id)
        by_domain = await store.get_company(domain=row.domain.upper())
        by_url = await store.get_company(domain=f"https://www.{row.domain}/about")
        with pytest.raises(NotFound, match="search_companies"):
            await store.get_company(company_id="cmp_99999999")
        with pytest.raises(NotFound):
            await store.get_company(domain="nowhere.example")
        with pytest.raises(ValidationFailed):
            await store.get_company(company_id=row.id, domain=row.domain)
        with pytest.raises(ValidationFailed):
            await store.get_company()
    assert by_id == by_domain == by_url == row.to_company()


# -- collections -----------------------------------------------------------------------------------


async def test_create_collection_is_idempotent_per_owner(store: SqliteStore) -> None:
    alice, bob = owner(), owner()
    async with aclosing(store):
        first, created = await store.create_collection(alice, "Prospects", "Q3 list")
        again, created_again = await store.create_collection(alice, "  Prospects ", None)
        bobs, bob_created = await store.create_collection(bob, "Prospects", None)
    assert created and not created_again and bob_created
    assert again == first and first.description == "Q3 list" and first.size == 0
    assert re.fullmatch(r"col_[0-9a-f]{16}", first.id)
    assert bobs.id != first.id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first.created_at)


async def test_collections_are_invisible_to_other_owners(store: SqliteStore) -> None:
    alice, mallory = owner(), owner()
    async with aclosing(store):
        mine, _ = await store.create_collection(alice, "Mine", None)
        for call in (
            store.get_collection(mallory, mine.id, PageRequest(limit=5)),
            store.add_to_collection(mallory, mine.id, ["cmp_00000001"]),
            store.get_collection(alice, "col_0000000000000000", PageRequest(limit=5)),
        ):
            with pytest.raises(NotFound) as caught:
                await call
            assert "list_collections" in caught.value.message
        assert (await store.list_collections(mallory, PageRequest(limit=10))).items == []
        _, page = await store.get_collection(alice, mine.id, PageRequest(limit=5))
    assert page.items == []  # mallory's attempt added nothing


async def test_add_to_collection_reports_added_and_already_present(store: SqliteStore) -> None:
    alice = owner()
    async with aclosing(store):
        col, _ = await store.create_collection(alice, "Targets", None)
        first = await store.add_to_collection(alice, col.id, ["cmp_00000005", "cmp_00000003", "cmp_00000005"])
        second = await store.add_to_collection(alice, col.id, ["cmp_00000003", "cmp_00000009"])
        fetched, page = await store.get_collection(alice, col.id, PageRequest(limit=10))
    assert (first.added, first.already_present, first.size) == (["cmp_00000005", "cmp_00000003"], [], 2)
    assert (second.added, second.already_present, second.size) == (["cmp_00000009"], ["cmp_00000003"], 3)
    assert fetched.size == 3
    assert [c.id for c in page.items] == ["cmp_00000005", "cmp_00000003", "cmp_00000009"]  # order of adding


async def test_unknown_company_ids_add_nothing(store: SqliteStore) -> None:
    alice = owner()
    async with aclosing(store):
        col, _ = await store.create_collection(alice, "Strict", None)
        with pytest.raises(ValidationFailed) as caught:
            await store.add_to_collection(alice, col.id, ["cmp_00000001", "cmp_77777777"])
        fetched, _ = await store.get_collection(alice, col.id, PageRequest(limit=10))
    assert caught.value.field == "company_ids" and "cmp_77777777" in caught.value.message
    assert fetched.size == 0


async def test_collection_pages_and_list_order(seeded_path: Path) -> None:
    alice, clock = owner(), Clock()
    store = SqliteStore(seeded_path, clock=clock)
    ids = [r.id for r in ROWS[100:135]]
    async with aclosing(store):
        names = ["b-first", "a-second", "c-third"]
        for name in names:
            await store.create_collection(alice, name, None)
            clock.advance(seconds=1)
        listed = (await store.list_collections(alice, PageRequest(limit=2))).items
        rest = await store.list_collections(alice, PageRequest(limit=2, after="o2"))
        col = listed[0]
        await store.add_to_collection(alice, col.id, ids)
        seen: list[str] = []
        after = None
        while True:
            fetched, page = await store.get_collection(alice, col.id, PageRequest(limit=10, after=after))
            seen.extend(c.id for c in page.items)
            if page.next_after is None:
                break
            after = page.next_after
    assert [c.name for c in [*listed, *rest.items]] == names  # by creation time
    assert rest.next_after is None
    assert seen == ids and fetched.size == len(ids)


async def test_concurrent_creates_and_adds_leave_one_effect(seeded_path: Path, fast_thread_switching: None) -> None:
    alice = owner()
    store = SqliteStore(seeded_path, max_threads=4)
    created: list[tuple[str, bool]] = []
    reports = []
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

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(add)
        fetched, _ = await store.get_collection(alice, col_id, PageRequest(limit=10))
    assert sum(was for _, was in created) == 1
    added = Counter(company for r in reports for company in r.added)
    assert added == {"cmp_00000001": 1, "cmp_00000002": 1}  # exactly one caller added each id
    assert all(r.size == 2 for r in reports) and fetched.size == 2


# -- email discovery -------------------------------------------------------------------------------


async def test_discovery_goes_from_pending_to_completed_with_the_clock(seeded_path: Path) -> None:
    alice, clock = owner(), Clock()
    store = SqliteStore(seeded_path, clock=clock, discovery_delay_s=3.0)
    async with aclosing(store):
        request, created = await store.request_email_discovery(alice, "cmp_00000007", ["CFO", "cto", "cfo "])
        clock.advance(seconds=2.9)
        still = await store.get_email_discovery(alice, request.request_id)
        clock.advance(seconds=0.2)
        done = await store.get_email_discovery(alice, request.request_id)
        clock.advance(hours=5)
        later = await store.get_email_discovery(alice, request.request_id)
    assert created and re.fullmatch(r"edr_[0-9a-f]{16}", request.request_id)
    assert request.roles == ["cfo", "cto"] and request.status == "pending" and request.results == []
    assert request.requested_at == "2026-03-01T12:00:00Z" and request.completed_at is None
    assert still.status == "pending"
    assert done.status == "completed" and done.completed_at == "2026-03-01T12:00:03Z"
    domain = ROWS[7].domain
    assert done.results and all(r.synthetic and r.email.endswith("@" + domain) for r in done.results)
    assert {r.role for r in done.results} == {"cfo", "cto"}
    assert all(0 < r.confidence < 1 for r in done.results)
    assert later == done  # results never change


async def test_same_request_within_24_hours_is_returned_not_repeated(seeded_path: Path) -> None:
    alice, bob, clock = owner(), owner(), Clock()
    store = SqliteStore(seeded_path, clock=clock, discovery_delay_s=1.0)
    async with aclosing(store):
        first, created = await store.request_email_discovery(alice, "cmp_00000008", ["ceo", "cfo"])
        clock.advance(hours=23, minutes=59)
        same, created_same = await store.request_email_discovery(alice, "cmp_00000008", ["cfo", "CEO"])
        other_roles, created_other = await store.request_email_discovery(alice, "cmp_00000008", ["ceo"])
        bobs, bob_created = await store.request_email_discovery(bob, "cmp_00000008", ["ceo", "cfo"])
        clock.advance(minutes=1, seconds=1)
        fresh, created_fresh = await store.request_email_discovery(alice, "cmp_00000008", ["ceo", "cfo"])
    assert created and not created_same
    assert same.request_id == first.request_id and same.status == "completed"  # whatever its status
    assert created_other and other_roles.request_id != first.request_id
    assert bob_created and bobs.request_id != first.request_id
    assert created_fresh and fresh.request_id != first.request_id and fresh.status == "pending"


async def test_discovery_ownership_and_unknown_ids(store: SqliteStore) -> None:
    alice, mallory = owner(), owner()
    async with aclosing(store):
        request, _ = await store.request_email_discovery(alice, "cmp_00000009", ["cfo"])
        with pytest.raises(NotFound):
            await store.get_email_discovery(mallory, request.request_id)
        with pytest.raises(NotFound):
            await store.get_email_discovery(alice, "edr_0000000000000000")
        with pytest.raises(NotFound):
            await store.request_email_discovery(alice, "cmp_99999999", ["cfo"])


async def test_concurrent_discovery_requests_create_one(seeded_path: Path, fast_thread_switching: None) -> None:
    alice = owner()
    store = SqliteStore(seeded_path)
    results: list[tuple[str, str, bool]] = []
    async with aclosing(store):

        async def request(company: str) -> None:
            found, created = await store.request_email_discovery(alice, company, ["cto"])
            results.append((company, found.request_id, created))

        async with anyio.create_task_group() as tg:
            for k in range(20):
                for _ in range(5):
                    tg.start_soon(request, f"cmp_{k:08d}")
    assert len({(company, request_id) for company, request_id, _ in results}) == 20
    assert sum(created for *_, created in results) == 20


async def test_expired_discoveries_are_hidden_and_purged(seeded_path: Path) -> None:
    alice, clock = owner(), Clock()
    store = SqliteStore(seeded_path, clock=clock, retention_days=2)
    count = "SELECT count(*) FROM email_discovery_requests WHERE owner = ?"
    async with aclosing(store):
        first, _ = await store.request_email_discovery(alice, "cmp_00000021", ["ceo"])
        clock.advance(days=2, seconds=1)
        with pytest.raises(NotFound):  # past retention: gone for the caller even before a purge
            await store.get_email_discovery(alice, first.request_id)
        await store.request_email_discovery(alice, "cmp_00000022", ["ceo"])  # a write purges (hourly at most)
        with closing(sqlite3.connect(seeded_path)) as conn:
            assert conn.execute(count, (alice,)).fetchone() == (1,)
        clock.advance(days=3)
        assert await store.purge_expired_discoveries(older_than_days=2) >= 1
        with closing(sqlite3.connect(seeded_path)) as conn:
            assert conn.execute(count, (alice,)).fetchone() == (0,)
    with pytest.raises(ValueError):
        SqliteStore(seeded_path, retention_days=0.5)


# -- two OS processes on one file ------------------------------------------------------------------


RACE_ROUNDS = 30


def _race_in_process(path: str, who: str, barrier: Any, out: Any) -> None:
    """One of two processes: each round, both send the same two writes at the same moment, twice (a retry)."""

    async def main() -> None:
        store = SqliteStore(Path(path))
        async with aclosing(store):
            await store.open()
            for round_ in range(RACE_ROUNDS):
                await anyio.to_thread.run_sync(barrier.wait)
                for _ in range(2):
                    _, created = await store.create_collection(who, f"Shared {round_}", None)
                    out.put(("collection", round_, created))
                    _, created = await store.request_email_discovery(who, f"cmp_{round_:08d}", ["cfo"])
                    out.put(("discovery", round_, created))

    anyio.run(main)


async def test_two_processes_leave_exactly_one_row(seeded_path: Path) -> None:
    who = owner()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race_in_process, args=(str(seeded_path), who, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [await anyio.to_thread.run_sync(out.get, True, 60) for _ in range(2 * 2 * 2 * RACE_ROUNDS)]
    for p in procs:
        await anyio.to_thread.run_sync(p.join, 60)
        assert p.exitcode == 0
    created = Counter((kind, round_) for kind, round_, was_created in results if was_created)
    assert created == Counter({(kind, r): 1 for kind in ("collection", "discovery") for r in range(RACE_ROUNDS)})
    with sqlite3.connect(seeded_path) as conn:
        (collections,) = conn.execute("SELECT count(*) FROM collections WHERE owner = ?", (who,)).fetchone()
        (requests,) = conn.execute("SELECT count(*) FROM email_discovery_requests WHERE owner = ?", (who,)).fetchone()
    conn.close()
    assert collections == RACE_ROUNDS and requests == RACE_ROUNDS


# -- lifecycle and failures ------------------------------------------------------------------------


async def test_unopenable_store_is_unavailable_without_leaking_sql(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "missing" / "dir" / "companies.sqlite")
    with pytest.raises(BackendUnavailable) as caught:
        await store.ping()
    assert "SELECT" not in caught.value.message and "sqlite" not in caught.value.message.lower()
    await store.aclose()


async def test_corrupt_file_is_a_backend_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    store = SqliteStore(path)
    with pytest.raises(BackendError) as caught:
        await store.search_companies(CompanyFilters(), PageRequest(limit=1))
    assert type(caught.value) is BackendError
    await store.aclose()


async def test_closed_store_refuses_calls(store: SqliteStore) -> None:
    await store.ping()
    await store.aclose()
    with pytest.raises(BackendUnavailable):
        await store.ping()


async def test_empty_store_file_is_created_and_answers(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "fresh.sqlite")
    async with aclosing(store):
        page = await store.search_companies(CompanyFilters(query="anything"), PageRequest(limit=5))
        col, created = await store.create_collection(owner(), "Works without companies", None)
    assert page.items == [] and created and col.size == 0


def test_constructor_does_no_io(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "never-created.sqlite")
    assert list(tmp_path.iterdir()) == []


# -- seeding -----------------------------------------------------------------------------------------


def test_seed_replaces_the_store_atomically(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    assert store_info(path) is None
    report = seed_sqlite(path, 300, progress=False)
    assert report.companies == 300 and report.size_bytes == path.stat().st_size
    assert store_info(path) == 300
    seed_sqlite(path, 120, progress=False)
    assert store_info(path) == 120
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.sqlite"]  # no temporary file left behind
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_seed_refuses_to_replace_a_store_in_use(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    seed_sqlite(path, 50, progress=False)

    async def serve_while_seeding() -> None:
        store = SqliteStore(path)
        async with aclosing(store):
            await store.create_collection(owner(), "Kept", None)
            with pytest.raises(StoreInUse):
                seed_sqlite(path, 20, progress=False)
            assert (await store.get_company(company_id="cmp_00000049")).id == "cmp_00000049"  # still serving

    anyio.run(serve_while_seeding)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.sqlite"]
    seed_sqlite(path, 20, progress=False)
    assert store_info(path) == 20


def test_store_info_rejects_files_that_are_not_stores(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_text("hello")
    assert store_info(junk) is None
    assert store_info(tmp_path) is None


async def test_seeded_rows_equal_the_generator(store: SqliteStore) -> None:
    async with aclosing(store):
        for row in (ROWS[0], ROWS[STORE_SIZE // 2], ROWS[-1]):
            assert await store.get_company(company_id=row.id) == row.to_company()


def _downgrade_to_v1(path: Path) -> None:
    """Give a store the version-1 layout: an external-content FTS over the columns, the ascending employee index."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.executescript(
            """
            DROP TABLE companies_fts;
            DROP INDEX companies_employees_desc;
            CREATE INDEX companies_employees ON companies (employee_count);
            CREATE VIRTUAL TABLE companies_fts USING fts5 (
                name, domain, description, tags, content = 'companies', content_rowid = 'rid',
                tokenize = 'unicode61 remove_diacritics 2'
            );
            INSERT INTO companies_fts (companies_fts) VALUES ('rebuild');
            PRAGMA user_version = 1;
            """
        )


def _downgrade_to_v2(path: Path) -> None:
    """Give a store the version-2 layout: a contentless FTS of the documents alone, no search tables."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.executescript(
            """
            DROP TABLE companies_fts;
            DROP TABLE search_words;
            DROP TABLE founded_years;
            CREATE VIRTUAL TABLE companies_fts USING fts5 (
                doc, content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2'
            );
            """
        )
        rows = conn.execute(
            f"SELECT {TEXT_KEY}, name, domain, description, tags FROM companies ORDER BY employee_count DESC, rid"
        ).fetchall()
        conn.executemany(
            "INSERT INTO companies_fts (rowid, doc) VALUES (?, ?)",
            [(r[0], search_document(r[1], r[2], r[3], json.loads(r[4]))) for r in rows],
        )
        conn.execute("PRAGMA user_version = 2")


async def test_a_version_2_store_is_upgraded_in_place(tmp_path: Path) -> None:
    fresh, old = tmp_path / "fresh.sqlite", tmp_path / "old.sqlite"
    seed_sqlite(fresh, 400, progress=False)
    seed_sqlite(old, 400, progress=False)
    _downgrade_to_v2(old)
    assert store_info(old) is None
    queries = [
        CompanyFilters(query="cloud", country="US"),
        CompanyFilters(query="based team data", match="any", founded_after=2000),
        CompanyFilters(query="bas"),
    ]
    answers = []
    for path in (fresh, old):
        store = SqliteStore(path)
        async with aclosing(store):
            answers.append([await store.search_companies(q, PageRequest(limit=50)) for q in queries])
    assert answers[0] == answers[1] and all(page.items for page in answers[0])
    assert store_info(old) == 400


async def test_a_version_1_store_is_upgraded_in_place(tmp_path: Path) -> None:
    fresh, old = tmp_path / "fresh.sqlite", tmp_path / "old.sqlite"
    seed_sqlite(fresh, 400, progress=False)
    seed_sqlite(old, 400, progress=False)
    alice = owner()
    kept = SqliteStore(old)
    async with aclosing(kept):
        collection, _ = await kept.create_collection(alice, "Kept", None)
    _downgrade_to_v1(old)
    assert store_info(old) is None  # not the current layout

    queries = [CompanyFilters(query="cloud"), CompanyFilters(query="data bank", match="any"), CompanyFilters()]
    answers = []
    for path in (fresh, old):
        store = SqliteStore(path)
        async with aclosing(store):
            answers.append([await store.search_companies(q, PageRequest(limit=50)) for q in queries])
    assert answers[0] == answers[1] and answers[0][0].items
    assert store_info(old) == 400
    upgraded = SqliteStore(old)
    async with aclosing(upgraded):
        assert (await upgraded.list_collections(alice, PageRequest(limit=5))).items[0].id == collection.id
