"""Company search on PostgreSQL: filters alone, "all" words, and the bounded "any" rule (``companydata.ranking``).

Text order is the index ``(employee_count DESC, seq)``, and the seeder stores
the rows in it. A text search needs the first few matches of a query in that
order, and reads them one of three ways (same rows; only the cost differs):

1. *walk*: read companies in text order, at most ``costs.WALK_LIMIT``, and
   keep those that match. Cheap when matches are dense ("based" in the US:
   a few hundred rows, on consecutive pages). One walk serves all the dense
   terms of an "any" search, and counts the terms each company matches.
2. *band*: the GIN index over ``(search, facets)`` intersects the words
   (prefix terms turned into words, see ``ranking``), the filters' facet
   tokens and the first companies in text order (an ``employee_count >= T``
   band from ``employee_ranks``, sized to hold the matches needed several
   times over); only the companies in the intersection are read and sorted.
3. *bitmap*: the same without the band.

``postgres_costs`` chooses from the vocabulary counts (``search_words``,
``search_facets``); a walk or band that does not fill the page is followed by
the next way. Bands and bitmaps hold the planner to bitmap scans (``SET
LOCAL``): it would otherwise walk the employee index for matches it wrongly
believes dense (a correlated filter can leave a "3 %" word with no match at
all), reading every company. The statements of one search share a
transaction holding a share lock on ``companies``, so a seeder's replacement
is never seen half done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from companydata import postgres_costs as costs
from companydata import ranking
from companydata.facets import FACET_KINDS, facet_filter
from companydata.postgres_costs import Estimate, Shape
from companydata.postgres_pool import Connection
from companydata.ranking import Expansion
from companydata.store_rules import FilterKey, SearchPlan, summary_of
from companydata.text import Term
from core.model import CompanySummary

SUMMARY_COLUMNS = "c.seq, c.id, c.name, c.domain, c.industry, c.country, c.city, c.employee_count, c.founded_year"
# industry, city and domain are COLLATE "C", where lower() folds A-Z only: SQLite's NOCASE.
_FILTER_SQL: dict[FilterKey, str] = {
    "industry": "lower(c.industry) = %s",
    "country": "c.country = %s",
    "city": "lower(c.city) = %s",
    "min_employees": "c.employee_count >= %s",
    "max_employees": "c.employee_count <= %s",
    "founded_after": "c.founded_year > %s",
    "founded_before": "c.founded_year < %s",
}
# GIN evaluates the whole query for every posting of every word: an OR of more words than this costs more than
# the prefix operator (which gathers the postings first).
EXPANSION_MAX_WORDS = 16
_BITMAP_ONLY = (
    "SELECT current_setting('enable_indexscan'), current_setting('enable_seqscan'), "
    "set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true)"
)
_RESTORE = "SELECT set_config('enable_indexscan', %s, true), set_config('enable_seqscan', %s, true)"
_ORDER = "c.employee_count DESC, c.seq"

Row = tuple[int, CompanySummary]
Key = tuple[int, int]  # (-employee_count, seq): ascending is text order
Query = tuple[str, list[Any]]  # SQL and its parameters


def lexemes(term: Expansion, *, indexed: bool) -> str:
    """A term as a tsquery (literal syntax, no parser; words are ``[a-z0-9]+``, so quoting them is safe).

    ``indexed``: for the GIN index, the term's words (read lazily) unless there
    are too many; otherwise the prefix operator, which is cheaper on one row.
    """
    word = term.term.word
    if not indexed or term.words is None:
        return f"'{word}':*" if term.term.prefix else f"'{word}'"
    return "(" + " | ".join(f"'{w}'" for w in term.words) + ")"


@dataclass(frozen=True, slots=True)
class _Query:
    """What to find the first matches of: one term, or every term of an "all" search."""

    walked: str  # the tsquery for one row at a time
    indexed: str  # the tsquery for the GIN index
    terms: Sequence[Expansion]

    @classmethod
    def of(cls, terms: Sequence[Expansion]) -> _Query:
        walked = " & ".join(lexemes(t, indexed=False) for t in terms)
        return cls(walked, " & ".join(lexemes(t, indexed=True) for t in terms), terms)

    def estimate(self, shape: Shape, wanted: int) -> Estimate:
        words = sum(t.docs for t in self.terms if t.words is not None)
        prefixes = sum(t.docs for t in self.terms if t.words is None)
        return costs.estimate(shape, min(t.docs for t in self.terms), prefixes, words, wanted)


async def _rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    cursor = await conn.execute(sql, params)  # our own SQL text; every value is a bound parameter
    return await cursor.fetchall()


async def _bitmap_rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """``sql`` planned with bitmap scans only (inside the search's transaction; the settings are put back)."""
    (index_scan, seq_scan, _, _) = (await _rows(conn, _BITMAP_ONLY, ()))[0]
    try:
        return await _rows(conn, sql, params)
    finally:
        await conn.execute(_RESTORE, (index_scan, seq_scan))


async def expand(conn: Connection, terms: Sequence[Term]) -> list[Expansion]:
    """Each term's words, from the vocabulary (see ``ranking.expansion``), in one round trip."""
    ranges = [ranking.word_range(t) for t in terms]
    rows = await _rows(
        conn,
        "SELECT t.i, a.n, a.docs, w.words FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS t (lo, hi, i) "
        "CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(s.docs), 0) AS docs FROM search_words s "
        "WHERE s.word >= t.lo AND s.word < t.hi) a "
        "CROSS JOIN LATERAL (SELECT coalesce(array_agg(x.word ORDER BY x.word), '{}') AS words FROM "
        "(SELECT s.word FROM search_words s WHERE s.word >= t.lo AND s.word < t.hi ORDER BY s.word LIMIT %s) x) w "
        "ORDER BY t.i",
        ([r[0] for r in ranges], [r[1] for r in ranges], EXPANSION_MAX_WORDS),
    )
    return [
        ranking.expansion(term, count, int(docs), words, EXPANSION_MAX_WORDS)
        for term, (_, count, docs, words) in zip(terms, rows, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class _Search:
    """A text search's filters as SQL, and the numbers its choices use."""

    plan: SearchPlan
    checks: str  # every filter, on the row: " AND ..." (or "")
    check_params: list[Any]
    employees: str  # the employee bounds, as the walk's index condition: " WHERE ..." (or "")
    employee_params: list[Any]
    ranges: str  # the employee and year bounds, which a bitmap may combine from their indexes: " AND ..."
    range_params: list[Any]
    equal: str  # the country, industry and city checks, left out of bitmaps (their facets do that): " AND ..."
    equal_params: list[Any]
    facets: str | None  # the facet tokens as a tsquery, if any filter has one
    shape: Shape
    skipped: int  # companies before the employee bounds in text order (about; a multiple of RANK_STEP)

    def walk(self, columns: str, column_params: list[Any], match: str, match_params: list[Any], limit: float) -> Query:
        """The walk: the first ``limit`` companies in text order (within the employee bounds) that ``match``."""
        sql = (
            f"SELECT {columns} FROM (SELECT {SUMMARY_COLUMNS}, c.search FROM companies c{self.employees} "
            f"ORDER BY {_ORDER} LIMIT {int(limit)}) c WHERE {match}{self.checks} ORDER BY {_ORDER}"
        )
        return sql, [*column_params, *self.employee_params, *match_params, *self.check_params]

    def bitmap(self, columns: str, query: str, band: int | None, limit: int, offset: int = 0) -> Query:
        """The first ``limit`` companies (after ``offset``) matching ``query`` and the filters, through the indexes.

        ``band``: only companies with at least that many employees. ``OFFSET 0``
        keeps the equality checks out of the index scan: the facets did that,
        and a B-tree bitmap of every Software company would cost more than the
        whole search.
        """
        facets = " AND c.facets @@ %s::tsquery" if self.facets else ""
        banded = " AND c.employee_count >= %s" if band is not None else ""
        inner = (
            f"SELECT {SUMMARY_COLUMNS} FROM companies c "
            f"WHERE c.search @@ %s::tsquery{facets}{self.ranges}{banded} OFFSET 0"
        )
        sql = f"SELECT {columns} FROM ({inner}) c WHERE TRUE{self.equal} ORDER BY {_ORDER} LIMIT {limit}"
        if offset:
            sql += f" OFFSET {offset}"
        params = [query, *([self.facets] if self.facets else []), *self.range_params]
        return sql, [*params, *([band] if band is not None else []), *self.equal_params]


async def _prepare(conn: Connection, plan: SearchPlan) -> _Search | None:
    """The search's SQL pieces and counts; ``None`` when a filter value is held by no company."""
    facets = facet_filter(plan.conditions)
    # Companies with more employees than the upper bound come first in text order: a band starts after them.
    top = facets.max_employees
    rows = await _rows(
        conn,
        "SELECT f.token, f.docs FROM search_facets f WHERE f.token = ANY(%s::text[]) "
        "UNION ALL SELECT '', greatest(c.reltuples, 1)::bigint FROM pg_class c WHERE c.oid = 'companies'::regclass "
        "UNION ALL SELECT ' ', coalesce(max(r.rank), 0) FROM employee_ranks r WHERE r.employee_count > %s",
        (list(facets.tokens), top if top is not None else 2**31),
    )
    counts = dict(rows)
    companies = float(counts.pop("", 1))
    skipped = int(counts.pop(" ", 0))
    if len(counts) < len(set(facets.tokens)):
        return None
    share = 1.0
    for docs in counts.values():
        share *= min(docs / companies, 1.0)
    shape = Shape(companies, share, sum(counts.values()))
    employees = [(k, v) for k, v in plan.conditions if k in ("min_employees", "max_employees")]
    ranges = [(k, v) for k, v in plan.conditions if k not in FACET_KINDS]
    equal = [(k, v) for k, v in plan.conditions if k in FACET_KINDS]
    return _Search(
        plan=plan,
        checks="".join(f" AND {_FILTER_SQL[key]}" for key, _ in plan.conditions),
        check_params=[value for _, value in plan.conditions],
        employees=(" WHERE " + " AND ".join(_FILTER_SQL[key] for key, _ in employees)) if employees else "",
        employee_params=[value for _, value in employees],
        ranges="".join(f" AND {_FILTER_SQL[key]}" for key, _ in ranges),
        range_params=[value for _, value in ranges],
        equal="".join(f" AND {_FILTER_SQL[key]}" for key, _ in equal),
        equal_params=[value for _, value in equal],
        facets=" & ".join(facets.tokens) or None,
        shape=shape,
        skipped=skipped,
    )


async def _bands(conn: Connection, search: _Search, estimates: Sequence[Estimate]) -> list[int | None]:
    """For each estimate, the employee count ``T`` whose band (``employee_count >= T``) holds its band rows.

    ``None`` where the band is not worth it, or would reach past the stored ranks.
    """
    ranks = [int(search.skipped + e.band_rows) if costs.prefers_band(e, search.shape) else 0 for e in estimates]
    if not any(ranks):
        return [None] * len(ranks)
    rows = await _rows(
        conn,
        "SELECT t.i, (SELECT r.employee_count FROM employee_ranks r WHERE r.rank >= t.rank ORDER BY r.rank LIMIT 1) "
        "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t (rank, i) ORDER BY t.i",
        (ranks,),
    )
    return [band if rank else None for (_, band), rank in zip(rows, ranks, strict=True)]


async def _all(conn: Connection, search: _Search, terms: Sequence[Expansion]) -> list[Row]:
    plan = search.plan
    query = _Query.of(terms)
    wanted = plan.start + plan.limit + 1
    estimate = query.estimate(search.shape, wanted)
    if costs.should_walk(estimate, search.shape):
        limit = costs.walk_rows(estimate.walk_length, wanted)
        sql, params = search.walk(SUMMARY_COLUMNS, [], "c.search @@ %s::tsquery", [query.walked], limit)
        rows = await _rows(conn, f"{sql} LIMIT {plan.limit + 1} OFFSET {plan.start}", params)
        if len(rows) > plan.limit:  # a full page: the walk found every row of it, in order
            return [(r[0], summary_of(r)) for r in rows]
        estimate = estimate.after_walk(search.shape, limit, plan.start + len(rows))
    (band,) = await _bands(conn, search, [estimate])
    for bound in [band, None] if band is not None else [None]:
        sql, params = search.bitmap(SUMMARY_COLUMNS, query.indexed, bound, plan.limit + 1, plan.start)
        rows = await _bitmap_rows(conn, sql, params)
        if len(rows) > plan.limit:
            break
    return [(r[0], summary_of(r)) for r in rows]


async def _walk_candidates(
    conn: Connection, search: _Search, queries: Sequence[_Query], walked: Sequence[int], limit: int
) -> tuple[list[list[Key]], dict[Key, int]]:
    """One walk for the terms ``walked``: their first matches, and how many terms each company it read matches."""
    wanted = ranking.ANY_CANDIDATES_PER_TERM
    lists: list[list[Key]] = [[] for _ in queries]
    hits: dict[Key, int] = {}
    flags = ", ".join("(c.search @@ %s::tsquery)::int" for _ in queries)
    sql, params = search.walk(
        f"c.employee_count, c.seq, {flags}",
        [q.walked for q in queries],
        "(" + " OR ".join("c.search @@ %s::tsquery" for _ in walked) + ")",
        [queries[i].walked for i in walked],
        limit,
    )
    for employees, seq, *matched in await _rows(conn, sql, params):
        key = (-employees, seq)
        hits[key] = sum(matched)
        for i in walked:
            if matched[i] and len(lists[i]) < wanted:
                lists[i].append(key)
    return lists, hits


async def _bitmap_candidates(
    conn: Connection, search: _Search, queries: Sequence[_Query], which: Sequence[int], bands: Sequence[int | None]
) -> dict[int, list[Key]]:
    """The first matches of the terms ``which`` through the indexes (within their bands, where given)."""
    wanted = ranking.ANY_CANDIDATES_PER_TERM
    selects: list[str] = []
    params: list[Any] = []
    for i, band in zip(which, bands, strict=True):
        sql, term_params = search.bitmap("c.employee_count, c.seq", queries[i].indexed, band, wanted)
        selects.append(f"(SELECT {i} AS t, x.* FROM ({sql}) x)")
        params += term_params
    found: dict[int, list[Key]] = {i: [] for i in which}
    for i, employees, seq in await _bitmap_rows(conn, " UNION ALL ".join(selects), params):
        found[i].append((-employees, seq))
    return {i: sorted(keys) for i, keys in found.items()}


async def _any(conn: Connection, search: _Search, terms: Sequence[Expansion]) -> list[Row]:
    wanted = ranking.ANY_CANDIDATES_PER_TERM
    queries = [_Query.of([t]) for t in terms if not t.matches_nothing]
    estimates = [q.estimate(search.shape, wanted) for q in queries]
    walked = costs.walked_terms(estimates, search.shape)
    lists: list[list[Key]] = [[] for _ in queries]
    hits: dict[Key, int] = {}
    if walked:
        limit = costs.walk_rows(max(estimates[i].walk_length for i in walked), wanted)
        lists, hits = await _walk_candidates(conn, search, queries, walked, limit)
        for i in walked:
            if len(lists[i]) < wanted:
                estimates[i] = estimates[i].after_walk(search.shape, limit, len(lists[i]))
    short = [i for i, keys in enumerate(lists) if len(keys) < wanted]
    if short:
        bands = await _bands(conn, search, [estimates[i] for i in short])
        banded = [(i, band) for i, band in zip(short, bands, strict=True) if band is not None]
        if banded:
            found = await _bitmap_candidates(conn, search, queries, [i for i, _ in banded], [b for _, b in banded])
            for i, keys in found.items():
                lists[i] = keys
        rest = [i for i in short if len(lists[i]) < wanted]
        if rest:
            for i, keys in (await _bitmap_candidates(conn, search, queries, rest, [None] * len(rest))).items():
                lists[i] = keys
    candidates = ranking.union(lists)
    unread = [key for key in candidates if key not in hits]
    if unread:
        counts = " + ".join("(c.search @@ %s::tsquery)::int" for _ in queries)
        rows = await _rows(
            conn,
            f"SELECT c.employee_count, c.seq, {counts} FROM companies c WHERE c.seq = ANY(%s::bigint[])",
            [*(q.walked for q in queries), [seq for _, seq in unread]],
        )
        hits.update(((-employees, seq), count) for employees, seq, count in rows)
    plan = search.plan
    page = ranking.ranked({key: hits[key] for key in candidates})[plan.start : plan.start + plan.limit + 1]
    if not page:
        return []
    rows = await _rows(
        conn, f"SELECT {SUMMARY_COLUMNS} FROM companies c WHERE c.seq = ANY(%s::bigint[])", ([s for _, s in page],)
    )
    by_seq = {r[0]: r for r in rows}
    return [(seq, summary_of(by_seq[seq])) for _, seq in page]


async def search(conn: Connection, plan: SearchPlan) -> list[Row]:
    """Up to ``plan.limit + 1`` rows of ``(seq, summary)`` from the page's start (see ``SearchPlan.page``)."""
    if plan.text is None:
        where = " AND ".join([*(_FILTER_SQL[key] for key, _ in plan.conditions), "c.seq > %s"])
        sql = f"SELECT {SUMMARY_COLUMNS} FROM companies c WHERE {where} ORDER BY c.seq LIMIT %s"
        params = [*(value for _, value in plan.conditions), plan.start, plan.limit + 1]
        return [(r[0], summary_of(r)) for r in await _rows(conn, sql, params)]
    # A text search is several statements: they must all see one company set, so a seeder (which replaces the
    # companies and their counts under an exclusive lock) waits for it, or it for the seeder.
    async with conn.transaction():
        await conn.execute("LOCK TABLE companies IN ACCESS SHARE MODE")
        terms = await expand(conn, plan.text.matchable_terms)
        prepared = await _prepare(conn, plan)
        if prepared is None or not terms:
            return []
        if plan.text.match == "any" and len(terms) > 1:
            return await _any(conn, prepared, terms)
        if any(t.matches_nothing for t in terms):
            return []
        return await _all(conn, prepared, terms)
