"""Read tools over the company directory: search_companies, get_company, ai_search."""

from __future__ import annotations

from dataclasses import asdict

from core import operations
from core.model import Company, CompanyFilters
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
    items = await operations.search_understood(ctx.backend, parsed, ctx.limit)
    understood = Understood(**parsed.understood(), interpreter=parsed.interpreter, fallback=parsed.fallback)
    return AiSearchResult(items=items, understood=understood, capped=False, quota=quota_info(ctx.quota))


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
