"""The rules of each operation that every face applies the same way: caps, paging limits, idempotent writes.

The MCP tool handlers (``core.tools``) and the company API's resolvers (``companydata.api``) both
call these over the Backend port, so neither re-implements them. Plain Python (no MCP SDK), so the
API and the AppSync resolver load it cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import anyio

from core.errors import CoreError
from core.model import MAX_ITEMS, AddResult, CompanyFilters, CompanySummary, EmailDiscovery, PageRequest
from core.ports import Backend
from core.tools.contracts import DEFAULT_EMAIL_ROLES

if TYPE_CHECKING:
    from core.tools.prompt import ParsedPrompt

T = TypeVar("T")


def clamp_limit(limit: int) -> tuple[int, bool]:
    """The hard cap: at most 100 items per call; a larger limit is clamped and the answer says ``capped``."""
    return min(limit, MAX_ITEMS), limit > MAX_ITEMS


def cap_items(items: Sequence[T], limit: int, capped: bool) -> tuple[list[T], bool]:
    """A backend that ignores the limit must not break the promise: cut to ``limit``, and say so past the cap."""
    return list(items[:limit]), capped or len(items) > MAX_ITEMS


async def add_to_collection(backend: Backend, owner: str, collection_id: str, company_ids: Sequence[str]) -> AddResult:
    """Each id once, in the caller's order: re-adding is reported in ``already_present``, never duplicated."""
    return await backend.add_to_collection(owner, collection_id, list(dict.fromkeys(company_ids)))


async def request_email_discovery(
    backend: Backend, owner: str, company_id: str, roles: Sequence[str] | None
) -> tuple[EmailDiscovery, bool]:
    """The same owner, company and roles (in any order, repeated or not) within 24 h is the same request."""
    return await backend.request_email_discovery(owner, company_id, sorted(set(roles or DEFAULT_EMAIL_ROLES)))


async def search_understood(backend: Backend, parsed: ParsedPrompt, limit: int) -> list[CompanySummary]:
    """``ai_search``'s results for what a prompt was understood as: one ranked search per value (industry x
    place, the stores combine filters with AND), merged by turns, excluded countries left out."""
    searches = parsed.searches("any")
    pages: list[list[CompanySummary]] = [[] for _ in searches]
    excluded = set(parsed.exclude_countries)

    async def run(i: int) -> None:
        pages[i] = await _search_excluding(backend, searches[i], excluded, limit)

    try:
        async with anyio.create_task_group() as group:
            for i in range(len(searches)):
                group.start_soon(run, i)
    except BaseExceptionGroup as group_error:  # the first search's own error (a typed one), not the group
        raise _first_error(group_error) from group_error
    return merge_ranked(pages, limit)


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first_error(error)
        if isinstance(error, CoreError):
            return error
    return group.exceptions[0]


# A search leaving countries out reads at most this many pages to fill its own (the store has no "not").
_EXCLUDING_MAX_PAGES = 3


async def _search_excluding(
    backend: Backend, filters: CompanyFilters, excluded: set[str], limit: int
) -> list[CompanySummary]:
    kept: list[CompanySummary] = []
    after: str | None = None
    for _ in range(_EXCLUDING_MAX_PAGES if excluded else 1):
        page = await backend.search_companies(filters, PageRequest(limit=limit, after=after))
        kept += [item for item in page.items if item.country not in excluded]
        after = page.next_after
        if len(kept) >= limit or after is None:
            break
    return kept[:limit]


def merge_ranked(pages: Sequence[Sequence[CompanySummary]], limit: int) -> list[CompanySummary]:
    """One ranked list from one ranked page per value: the first of each, then the second of each, ...

    Taking turns (rather than re-sorting by a score the stores do not share) keeps every value in the first
    results, and keeps each page's own order; a company found by two searches appears once.
    """
    merged: dict[str, CompanySummary] = {}
    for rank in range(max((len(p) for p in pages), default=0)):
        for page in pages:
            if rank < len(page):
                merged.setdefault(page[rank].id, page[rank])
    return list(merged.values())[:limit]
