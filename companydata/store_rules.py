"""What every company store agrees on, apart from its SQL.

Both stores (SQLite, PostgreSQL) must answer the same calls with the same
results, so the parts that are not storage live here once: argument checks and
their errors, paging tokens, timestamps, filter values, messages, and how an
email-discovery request looks at a given moment.

Paging tokens (``PageRequest.after``) are ``k<seq>`` (the last row's sequence
number, for searches without text) and ``o<offset>`` (ranked text searches and
the collection lists). An "any" search's results are bounded (see
``companydata.ranking``): its last page has no next token, and an offset past
the end gives an empty page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from companydata.discovery import normalize_roles, synthetic_results
from companydata.text import TextQuery, parse_query
from core.errors import NotFound, ValidationFailed
from core.model import MAX_ITEMS, CompanyFilters, CompanySummary, EmailDiscovery, Page, PageRequest

INT64_MAX = 2**63 - 1
# "The same owner, company and roles within 24 hours returns the existing request" (design.md section 2).
DEDUPE_WINDOW_S = 24 * 3600
# Email-discovery results are personal data: requests older than this are deleted (and hidden until then).
DEFAULT_RETENTION_DAYS = 30.0
# A store purges expired requests on a write at most this often.
PURGE_INTERVAL_S = 3600.0

FilterKey = Literal["industry", "country", "city", "min_employees", "max_employees", "founded_after", "founded_before"]

_BAD_CURSOR = "The cursor is not valid for this request. Repeat the call without a cursor."
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def utc_now() -> datetime:
    return datetime.now(UTC)


def epoch(clock: Callable[[], datetime]) -> float:
    """The clock's current instant in seconds since the epoch (a naive datetime is taken as UTC)."""
    moment = clock()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def to_second(moment: float) -> datetime:
    """``moment`` as a UTC datetime, truncated to the second (the precision every store keeps)."""
    return datetime.fromtimestamp(moment, UTC).replace(microsecond=0)


def iso(moment: float) -> str:
    """ISO-8601 UTC with a "Z", to the second ("2026-03-01T12:00:00Z")."""
    return format_utc(to_second(moment))


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def page_limit(page: PageRequest) -> int:
    if page.limit < 1:
        raise ValidationFailed("limit", "limit must be at least 1.")
    return min(page.limit, MAX_ITEMS)


def position(after: str | None, kind: str) -> int:
    """Decode ``<kind><non-negative integer>``; anything else is a forged or foreign cursor."""
    if after is None:
        return 0
    digits = after[1:]
    if after[:1] != kind or not 1 <= len(digits) <= 12 or not digits.isascii() or not digits.isdigit():
        raise ValidationFailed("cursor", _BAD_CURSOR)
    return int(digits)


def ascii_lower(value: str) -> str:
    """Lower case for A-Z only: SQLite's NOCASE, and PostgreSQL's ``lower()`` under ``COLLATE "C"``."""
    return value.translate(_ASCII_LOWER)


def normalize_domain(domain: str) -> str:
    """Accept what people paste: "HTTPS://www.Example.com/about" -> "example.com"."""
    value = domain.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0]
    return value.removeprefix("www.")


def filter_conditions(filters: CompanyFilters) -> list[tuple[FilterKey, str | int]]:
    """The filters that are set, with the values to compare (text folded as NOCASE does, integers clamped).

    Industry and city compare case-insensitively (ASCII letters), the country
    code exactly after upper-casing; employee bounds are inclusive, founding
    years exclusive.
    """
    conditions: list[tuple[FilterKey, str | int]] = []
    texts: tuple[tuple[FilterKey, str | None], ...] = (
        ("industry", filters.industry),
        ("country", filters.country),
        ("city", filters.city),
    )
    for key, text in texts:
        if text is not None:
            conditions.append((key, text.strip().upper() if key == "country" else ascii_lower(text.strip())))
    numbers: tuple[tuple[FilterKey, int | None], ...] = (
        ("min_employees", filters.min_employees),
        ("max_employees", filters.max_employees),
        ("founded_after", filters.founded_after),
        ("founded_before", filters.founded_before),
    )
    for key, number in numbers:
        if number is not None:  # 64-bit columns: a bound beyond that means the same as the limit
            conditions.append((key, max(min(number, INT64_MAX), -INT64_MAX)))
    return conditions


def collection_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise ValidationFailed("name", "The collection name must not be empty.")
    if "\x00" in clean:  # PostgreSQL text cannot hold NUL; refuse it in every store alike
        raise ValidationFailed("name", "The collection name must not contain NUL characters.")
    return clean


def discovery_roles(roles: list[str]) -> list[str]:
    """The roles as stored and compared (see ``discovery.normalize_roles``)."""
    clean = normalize_roles(roles)
    if any("\x00" in role for role in clean):
        raise ValidationFailed("roles", "Roles must not contain NUL characters.")
    return clean


def collection_description(description: str | None) -> str | None:
    if description is not None and "\x00" in description:
        raise ValidationFailed("description", "The description must not contain NUL characters.")
    return description


def company_lookup_error(company_id: str | None, domain: str | None) -> NotFound:
    what = f"id '{company_id[:80]}'" if company_id is not None else f"domain '{(domain or '')[:80]}'"
    return NotFound(f"No company with {what}. Use search_companies to find companies and their ids.")


def unknown_company_error(company_id: str) -> NotFound:
    return NotFound(f"No company with id '{company_id[:80]}'. Use search_companies to find company ids.")


def collection_not_found(collection_id: str) -> NotFound:
    # Same answer for unknown ids and other owners' ids: existence is never revealed.
    return NotFound(f"No collection with id '{collection_id[:80]}'. Use list_collections to see your collections.")


def discovery_not_found(request_id: str) -> NotFound:
    return NotFound(f"No email discovery request with id '{request_id[:80]}'.")


def unknown_companies(unknown: list[str]) -> ValidationFailed:
    shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
    return ValidationFailed("company_ids", f"unknown company ids: {shown}. Nothing was added.")


def one_company_key(company_id: str | None, domain: str | None) -> tuple[Literal["id", "domain"], str]:
    """Which lookup ``get_company`` does, and its key."""
    if (company_id is None) == (domain is None):
        raise ValidationFailed("company_id", "Give exactly one of company_id or domain.")
    if company_id is not None:
        return "id", company_id.strip()
    return "domain", normalize_domain(domain or "")


@dataclass(frozen=True, slots=True)
class DiscoveryRecord:
    """A stored email-discovery request (times in seconds since the epoch)."""

    request_id: str
    company_id: str
    roles: list[str]
    requested_ts: float
    ready_ts: float
    domain: str  # the company's domain; results are addresses on it

    def view(self, now: float) -> EmailDiscovery:
        """The request as seen at ``now``: completed (with its fixed results) once its time has come."""
        done = now >= self.ready_ts
        return EmailDiscovery(
            request_id=self.request_id,
            company_id=self.company_id,
            roles=self.roles,
            status="completed" if done else "pending",
            requested_at=iso(self.requested_ts),
            completed_at=iso(self.ready_ts) if done else None,
            results=synthetic_results(self.company_id, self.domain, self.roles) if done else [],
        )


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """A company search, decided before any SQL: what to match, how to order, where the page starts.

    Without text the order is the sequence number (= id order) and ``start`` is
    the last sequence number already returned (-1 at first). With text the
    order is the ranking of ``companydata.text`` (and ``companydata.ranking``
    for "any") and ``start`` is an offset.
    """

    limit: int
    conditions: list[tuple[FilterKey, str | int]]
    text: TextQuery | None
    start: int

    @property
    def matches_nothing(self) -> bool:
        return self.text is not None and self.text.matches_nothing

    def page(self, rows: list[tuple[int, CompanySummary]]) -> Page[CompanySummary]:
        """The page from up to ``limit + 1`` rows of ``(seq, summary)`` (one more than asked, to see if more follow)."""
        items = [summary for _, summary in rows[: self.limit]]
        if len(rows) <= self.limit:
            return Page(items, None)
        if self.text is None:
            return Page(items, f"k{rows[self.limit - 1][0]}")
        return Page(items, f"o{self.start + self.limit}")


def plan_search(filters: CompanyFilters, page: PageRequest) -> SearchPlan:
    limit = page_limit(page)
    text = parse_query(filters.query, filters.match)
    if text is not None:
        start = position(page.after, "o")
    elif page.after is None:
        start = -1
    else:
        start = position(page.after, "k")
    return SearchPlan(limit, filter_conditions(filters), text, start)


def summary_of(row: Sequence[Any]) -> CompanySummary:
    """A summary from a row of either store's SUMMARY_COLUMNS (the row key first, then the fields in order)."""
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
