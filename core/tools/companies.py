"""Read tools over the company directory: search_companies, get_company, ai_search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

import anyio

from core.model import Company, CompanyFilters, CompanySummary, PageRequest
from core.ports import Quota
from core.tools.contracts import (
    AiSearchInput,
    AiSearchResult,
    CompanyPage,
    GetCompanyInput,
    QuotaInfo,
    SearchCompaniesInput,
    Understood,
)
from core.tools.spec import ToolContext, ToolSpec, tool_kind


def quota_info(quota: Quota | None) -> QuotaInfo | None:
    """The result's ``quota``; None (left out of the result) when the tool has no rate limit configured."""
    if quota is None:
        return None
    return QuotaInfo(limit=quota.limit, remaining=quota.remaining, reset_s=quota.reset_s)


async def search_companies(args: SearchCompaniesInput, ctx: ToolContext) -> CompanyPage:
    filters = CompanyFilters(**args.model_dump(exclude={"limit", "cursor"}))
    page_request, bound = ctx.page_request(args.cursor, asdict(filters))
    page = await ctx.backend.search_companies(filters, page_request)
    return CompanyPage(items=page.items, next_cursor=ctx.next_cursor(page, bound), capped=False)


async def get_company(args: GetCompanyInput, ctx: ToolContext) -> Company:
    return await ctx.backend.get_company(company_id=args.company_id, domain=args.domain)


async def ai_search(args: AiSearchInput, ctx: ToolContext) -> AiSearchResult:
    parsed = await ctx.prompt_interpreter.interpret(args.prompt)
    searches = parsed.searches("any")
    pages = [[] for _ in searches]  # type: list[list[CompanySummary]]

    async def run(i: int) -> None:
        pages[i] = await _search_excluding(ctx, searches[i], set(parsed.exclude_countries))

    async with anyio.create_task_group() as group:
        for i in range(len(searches)):
            group.start_soon(run, i)
    understood = Understood(**parsed.understood(), interpreter=parsed.interpreter, fallback=parsed.fallback)
    return AiSearchResult(
        items=merge_ranked(pages, ctx.limit), understood=understood, capped=False, quota=quota_info(ctx.quota)
    )


# A search leaving countries out reads at most this many pages to fill its own (the store has no "not").
_EXCLUDING_MAX_PAGES = 3


async def _search_excluding(ctx: ToolContext, filters: CompanyFilters, excluded: set[str]) -> list[CompanySummary]:
    kept: list[CompanySummary] = []
    after: str | None = None
    for _ in range(_EXCLUDING_MAX_PAGES if excluded else 1):
        page = await ctx.backend.search_companies(filters, PageRequest(limit=ctx.limit, after=after))
        kept += [item for item in page.items if item.country not in excluded]
        after = page.next_after
        if len(kept) >= ctx.limit or after is None:
            break
    return kept[: ctx.limit]


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


SEARCH_COMPANIES = ToolSpec(
    kind=tool_kind("search_companies"),
    title="Search companies",
    description=(
        "Search the company directory with free text and filters (industry, ISO country code, city, employee range, "
        "founding years). Returns up to 100 flat company summaries per page; use next_cursor for more. "
        "Use get_company for a full profile."
    ),
    input_model=SearchCompaniesInput,
    output_model=CompanyPage,
    handler=search_companies,
)

GET_COMPANY = ToolSpec(
    kind=tool_kind("get_company"),
    title="Get company profile",
    description=(
        "Get one company's full profile (description, website, tags, last update) by company_id or by domain; "
        "give exactly one of the two."
    ),
    input_model=GetCompanyInput,
    output_model=Company,
    handler=get_company,
)

AI_SEARCH = ToolSpec(
    kind=tool_kind("ai_search"),
    title="Search companies in plain language",
    description=(
        "Find companies from a natural-language request such as 'fintech companies in Germany with more than 200 "
        "employees founded after 2015'; it reads size words (startup, small, mid-sized, large), ages ('founded in the "
        "last 5 years'), lists ('France or Spain': results cover each) and 'outside the US'. Returns ranked "
        "summaries and the filters it understood, so you can refine with search_companies. Rate limited per "
        "caller; the result says how much quota is left."
    ),
    input_model=AiSearchInput,
    output_model=AiSearchResult,
    handler=ai_search,
)
