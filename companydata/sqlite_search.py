"""Company search on SQLite: filters alone, "all" words, and the bounded "any" rule (``companydata.ranking``).

Text searches read the FTS5 index in text-key order (``sqlite_schema``): the
query's words (prefix terms turned into their words through ``search_words``),
the filters' facet tokens and the employee bounds (a key range) are all one
FTS5 query, so the index intersects them and hands over matches already in
result order; companies are read only for the rows returned. Every filter is
also checked on the company row, which costs nothing and keeps results exact
whatever the tokens.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from companydata import ranking
from companydata.facets import FacetFilter, facet_filter, year_token
from companydata.ranking import Expansion
from companydata.sqlite_schema import EMPLOYEES_CAP, RID_MASK
from companydata.store_rules import FilterKey, SearchPlan, summary_of
from companydata.text import MatchCounter, Term, search_document
from core.model import CompanySummary

SUMMARY_COLUMNS = "c.rid, c.id, c.name, c.domain, c.industry, c.country, c.city, c.employee_count, c.founded_year"
_IN_CHUNK = 500
# Industry, city and domain are NOCASE columns, which compare A-Z case-insensitively.
_FILTER_SQL: dict[FilterKey, str] = {
    "industry": "c.industry = ?",
    "country": "c.country = ?",
    "city": "c.city = ?",
    "min_employees": "c.employee_count >= ?",
    "max_employees": "c.employee_count <= ?",
    "founded_after": "c.founded_year > ?",
    "founded_before": "c.founded_year < ?",
}
_MAX_KEY = (EMPLOYEES_CAP << 32) | RID_MASK
_KEY = "f.rowid AS k"
# FTS5 reads an OR of exact words lazily, at a small cost per word (about 3 us, against 0.1 us per posting the
# prefix operator gathers): up to this many replace a prefix term ("cloud" -> 1,500 words, mostly brands).
EXPANSION_MAX_WORDS = 2048
# Year bounds become year tokens when few years are in range and they hold at most this share of companies
# (a broad range is left to the row check: most rows pass it, so a page fills quickly).
_YEAR_TOKENS_MAX = 64
_YEAR_TOKENS_MAX_SHARE = 0.5

Row = tuple[int, CompanySummary]


def key_range(facets: FacetFilter) -> tuple[int, int] | None:
    """``(low, high)``: the text keys of the companies within the employee bounds; ``None`` if none can be."""
    low, high = 0, _MAX_KEY
    if facets.min_employees is not None and facets.min_employees > 0:
        if facets.min_employees > EMPLOYEES_CAP:
            return None
        high = ((EMPLOYEES_CAP - facets.min_employees) << 32) | RID_MASK
    if facets.max_employees is not None and facets.max_employees < EMPLOYEES_CAP:
        if facets.max_employees < 0:
            return None
        low = (EMPLOYEES_CAP - facets.max_employees) << 32
    return (low, high) if low <= high else None


def expand(conn: sqlite3.Connection, terms: Sequence[Term]) -> list[Expansion]:
    """Each term's words, from the vocabulary (see ``ranking.expansion``)."""
    found: list[Expansion] = []
    for term in terms:
        count, docs, words = 0, 0, []
        if term.matchable:
            low, high = ranking.word_range(term)
            count, docs = conn.execute(
                "SELECT count(*), coalesce(sum(docs), 0) FROM search_words WHERE word >= ? AND word < ?", (low, high)
            ).fetchone()
            if count <= EXPANSION_MAX_WORDS:
                words = [
                    w
                    for (w,) in conn.execute("SELECT word FROM search_words WHERE word >= ? AND word < ?", (low, high))
                ]
        found.append(ranking.expansion(term, count, docs, words, EXPANSION_MAX_WORDS))
    return found


def _year_tokens(conn: sqlite3.Connection, facets: FacetFilter) -> tuple[str, ...] | None:
    """The year tokens a year-bounded search asks for (empty: no year is in range); ``None``: no need."""
    if facets.founded_after is None and facets.founded_before is None:
        return None
    after = facets.founded_after if facets.founded_after is not None else -(2**63)
    before = facets.founded_before if facets.founded_before is not None else 2**63 - 1
    years = conn.execute("SELECT year, docs FROM founded_years").fetchall()
    inside = [(year, docs) for year, docs in years if after < year < before]
    total = sum(docs for _, docs in years)
    if len(inside) > _YEAR_TOKENS_MAX or sum(docs for _, docs in inside) > _YEAR_TOKENS_MAX_SHARE * total:
        return None
    return tuple(year_token(year) for year, _ in inside)


def _phrases(term: Expansion) -> str:
    """One term as FTS5 phrases; words are ``[a-z0-9]+`` (the vocabulary's), so quoting them is safe."""
    if term.words is None:
        return f'"{term.term.word}"*'
    return "(" + " OR ".join(f'"{word}"' for word in term.words) + ")"


def fts_match(terms: Sequence[Expansion], joiner: str, tokens: Sequence[str], years: Sequence[str] | None) -> str:
    """The FTS5 query: the terms (joined by " AND " or " OR ") in ``doc``, every token and a year in ``facets``."""
    parts = ["{doc} : (" + joiner.join(_phrases(t) for t in terms) + ")"]
    parts += [f'{{facets}} : "{token}"' for token in tokens]
    if years is not None:
        parts.append("{facets} : (" + " OR ".join(f'"{year}"' for year in years) + ")")
    return " AND ".join(parts)


class _Text:
    """One text search's pieces: the FTS5 query parts that do not depend on the terms, and the row checks."""

    def __init__(self, conn: sqlite3.Connection, plan: SearchPlan) -> None:
        facets = facet_filter(plan.conditions)
        self.conn = conn
        self.plan = plan
        self.keys = key_range(facets)
        self.tokens = facets.tokens
        self.years = _year_tokens(conn, facets)
        self.checks = [_FILTER_SQL[key] for key, _ in plan.conditions]
        self.check_params: list[Any] = [value for _, value in plan.conditions]

    @property
    def matches_nothing(self) -> bool:
        return self.keys is None or self.years == ()

    def matching(
        self, terms: Sequence[Expansion], joiner: str, columns: str = SUMMARY_COLUMNS
    ) -> tuple[str, list[Any]]:
        """``SELECT columns`` of the companies matching ``terms`` and the filters, in text order (no limit).

        ``columns`` other than the company's are ``_KEY`` alone (then the
        companies are read only to check the filters, if there are any).
        """
        assert self.keys is not None
        match = fts_match(terms, joiner, self.tokens, self.years)
        where = " AND ".join(["f.companies_fts MATCH ?", "f.rowid BETWEEN ? AND ?", *self.checks])
        read = self.checks or columns != _KEY
        join = f" CROSS JOIN companies c ON c.rid = f.rowid & {RID_MASK}" if read else ""
        # CROSS JOIN keeps the full-text index as the outer loop, so rows arrive in key order and a LIMIT stops early.
        sql = f"SELECT {columns} FROM companies_fts f{join} WHERE {where} ORDER BY f.rowid"
        return sql, [match, *self.keys, *self.check_params]


def _all(text: _Text, terms: Sequence[Expansion]) -> list[Row]:
    plan = text.plan
    sql, params = text.matching(terms, " AND ")
    rows = text.conn.execute(f"{sql} LIMIT ? OFFSET ?", [*params, plan.limit + 1, plan.start]).fetchall()
    return [(r[0], summary_of(r)) for r in rows]


def _candidate_lists(text: _Text, terms: Sequence[Expansion]) -> list[list[int]]:
    """Each term's first ``ANY_CANDIDATES_PER_TERM`` matching keys (one statement for all terms)."""
    lists: list[list[int]] = [[] for _ in terms]
    selects: list[str] = []
    params: list[Any] = []
    for i, term in enumerate(terms):
        if term.matches_nothing:
            continue
        sql, term_params = text.matching([term], " AND ", _KEY)
        selects.append(f"SELECT {i}, k FROM ({sql} LIMIT ?)")
        params += [*term_params, ranking.ANY_CANDIDATES_PER_TERM]
    if selects:
        for i, key in text.conn.execute(" UNION ALL ".join(selects), params):
            lists[i].append(key)
    for keys in lists:
        keys.sort()
    return lists


def _documents(conn: sqlite3.Connection, keys: Sequence[int]) -> dict[int, list[str]]:
    """The sorted distinct words of each company's search document."""
    found: dict[int, list[str]] = {}
    by_rid = {key & RID_MASK: key for key in keys}
    rids = list(by_rid)
    for start in range(0, len(rids), _IN_CHUNK):
        chunk = rids[start : start + _IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT rid, name, domain, description, tags FROM companies WHERE rid IN ({marks})"
        for rid, name, domain, description, tags in conn.execute(sql, chunk):
            found[by_rid[rid]] = sorted(set(search_document(name, domain, description, json.loads(tags)).split()))
    return found


def _any(text: _Text, terms: Sequence[Expansion]) -> list[Row]:
    lists = _candidate_lists(text, terms)
    listed = [set(keys) for keys in lists]
    hits: dict[int, int] = {}
    unsure: list[int] = []
    for key in ranking.union(lists):
        known = [ranking.membership(key, keys, members) for keys, members in zip(lists, listed, strict=True)]
        if None in known:
            unsure.append(key)
        hits[key] = sum(bool(m) for m in known)
    count = MatchCounter(t.term for t in terms)
    for key, sorted_words in _documents(text.conn, unsure).items():
        hits[key] = count(sorted_words)
    plan = text.plan
    page = ranking.ranked(hits)[plan.start : plan.start + plan.limit + 1]
    return _rows_in_order(text.conn, page)


def _rows_in_order(conn: sqlite3.Connection, keys: Sequence[int]) -> list[Row]:
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    sql = f"SELECT {SUMMARY_COLUMNS} FROM companies c WHERE c.rid IN ({marks})"
    by_rid = {r[0]: r for r in conn.execute(sql, [key & RID_MASK for key in keys])}
    return [(key & RID_MASK, summary_of(by_rid[key & RID_MASK])) for key in keys]


def search(conn: sqlite3.Connection, plan: SearchPlan) -> list[Row]:
    """Up to ``plan.limit + 1`` rows of ``(rid, summary)`` from the page's start (see ``SearchPlan.page``)."""
    if plan.text is None:
        where = " AND ".join([*(_FILTER_SQL[key] for key, _ in plan.conditions), "c.rid > ?"])
        sql = f"SELECT {SUMMARY_COLUMNS} FROM companies c WHERE {where} ORDER BY c.rid LIMIT ?"
        params = [*(value for _, value in plan.conditions), plan.start, plan.limit + 1]
        return [(r[0], summary_of(r)) for r in conn.execute(sql, params)]
    text = _Text(conn, plan)
    terms = expand(conn, plan.text.matchable_terms)
    if text.matches_nothing or not terms:
        return []
    if plan.text.match == "any" and len(terms) > 1:
        return _any(text, terms)
    if any(t.matches_nothing for t in terms):
        return []
    return _all(text, terms)
