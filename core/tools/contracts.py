"""The public contract of the nine tools: input and output models (design.md section 2).

Inputs forbid unknown fields, so a misspelt argument is a ``validation`` error
instead of being dropped. ``limit`` has no maximum in the schema: larger values
are clamped to 100 by the result-cap guard and the result says ``capped``.
Field descriptions are written for an LLM reader.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from core import lexicon
from core.model import MAX_ITEMS, Collection, CompanySummary, DiscoveryStatus

EMAIL_ROLES = (
    "ceo",
    "cto",
    "cfo",
    "coo",
    "cmo",
    "founder",
    "sales",
    "marketing",
    "engineering",
    "finance",
    "hr",
    "operations",
)
DEFAULT_EMAIL_ROLES = ("ceo", "cfo", "cto")

Role = Literal[
    "ceo", "cto", "cfo", "coo", "cmo", "founder", "sales", "marketing", "engineering", "finance", "hr", "operations"
]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=2048)]

_LIMIT_DOC = f"Items per page (default 20). At most {MAX_ITEMS} are returned per call; larger values are clamped."
_CURSOR_DOC = "Opaque next_cursor from a previous page of the same call; omit for the first page."


class ToolInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paged(ToolInput):
    limit: int = Field(default=20, ge=1, description=_LIMIT_DOC)
    cursor: Cursor | None = Field(default=None, description=_CURSOR_DOC)


class CompanyFilterFields(ToolInput):
    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        default=None,
        description="Free text matched against company name, domain and description (all words must match).",
    )
    industry: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = Field(
        default=None, description="Industry name, e.g. 'Software' or 'Financial Technology'."
    )
    country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-2 country code, e.g. 'DE' or 'US'.", min_length=2, max_length=2
    )
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = Field(
        default=None, description="City name, e.g. 'Berlin'."
    )
    min_employees: int | None = Field(default=None, ge=0, description="Minimum employee count (inclusive).")
    max_employees: int | None = Field(default=None, ge=0, description="Maximum employee count (inclusive).")
    founded_after: int | None = Field(default=None, ge=1700, le=2100, description="Founded strictly after this year.")
    founded_before: int | None = Field(default=None, ge=1700, le=2100, description="Founded strictly before this year.")

    @field_validator("industry")
    @classmethod
    def _industry_spelling(cls, value: str | None) -> str | None:
        # A known industry takes its display spelling; any other passes through, so a backend whose data has
        # industries beyond the lexicon stays searchable (an unknown one simply matches nothing).
        if value is None:
            return None
        industry = lexicon.industry_by_name(value)
        return industry.name if industry is not None else value

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.upper()
        if code not in lexicon.ISO_COUNTRY_CODES:
            raise ValueError("not an ISO 3166-1 alpha-2 country code (for example 'DE', 'US', 'GB')")
        return code

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        if (
            self.min_employees is not None
            and self.max_employees is not None
            and self.min_employees > self.max_employees
        ):
            raise ValueError("min_employees is above max_employees")
        if (
            self.founded_after is not None
            and self.founded_before is not None
            and self.founded_after >= self.founded_before - 1
        ):
            raise ValueError("founded_after must be at least two years before founded_before (both are exclusive)")
        return self


class SearchCompaniesInput(CompanyFilterFields, Paged):
    pass


class GetCompanyInput(ToolInput):
    company_id: Id | None = Field(default=None, description="Company id such as 'cmp_00000042'.")
    domain: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=253)] | None
    ) = Field(default=None, description="The company's web domain, e.g. 'acme.io'.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.company_id is None) == (self.domain is None):
            raise ValueError("give exactly one of company_id or domain")
        return self


class AiSearchInput(ToolInput):
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        description="What you are looking for, in plain language, e.g. "
        "'fintech companies in Germany with more than 200 employees founded after 2015'."
    )
    limit: int = Field(default=20, ge=1, description=_LIMIT_DOC)


class ListCollectionsInput(Paged):
    pass


class GetCollectionInput(Paged):
    collection_id: Id = Field(description="Collection id such as 'col_3f2a...'.")


class GetEmailDiscoveryInput(ToolInput):
    request_id: Id = Field(description="The request_id returned by request_email_discovery.")


class CreateCollectionInput(ToolInput):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="Collection name; unique per caller (re-using a name returns the existing collection)."
    )
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = Field(
        default=None, description="Optional description."
    )


class AddToCollectionInput(ToolInput):
    collection_id: Id = Field(description="Collection id from create_collection or list_collections.")
    company_ids: list[Id] = Field(
        min_length=1, max_length=MAX_ITEMS, description=f"1 to {MAX_ITEMS} company ids to add; re-adding is harmless."
    )


class RequestEmailDiscoveryInput(ToolInput):
    company_id: Id = Field(description="Company id such as 'cmp_00000042'.")
    roles: list[Role] | None = Field(
        default=None,
        max_length=len(EMAIL_ROLES),
        description=f"Roles to find contacts for; default {list(DEFAULT_EMAIL_ROLES)}.",
    )


# ---- results ---------------------------------------------------------------------------------------------------


class ToolResult(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuotaInfo(ToolResult):
    limit: int = Field(description="Calls allowed per window.")
    remaining: int = Field(description="Calls left in the current window.")
    reset_s: int = Field(description="Seconds until the window frees a call.")


class CompanyPage(ToolResult):
    items: list[CompanySummary]
    next_cursor: str | None = Field(description="Pass as cursor to get the next page; null on the last page.")
    capped: bool = Field(description=f"True when the requested limit was above {MAX_ITEMS} and was clamped.")


def _absent_when_none(description: str) -> Any:
    return Field(default=None, exclude_if=lambda value: value is None, description=description)


class Understood(ToolResult):
    """``industry``/``country``/``city`` hold a filter with exactly one value; with several, the plural field
    lists them (and the singular one is null): the results then cover each value."""

    query: str | None = None
    industry: str | None = None
    country: str | None = None
    city: str | None = None
    min_employees: int | None = None
    max_employees: int | None = None
    founded_after: int | None = None
    founded_before: int | None = None
    industries: list[str] | None = _absent_when_none("Several industries, any of which matches.")
    countries: list[str] | None = _absent_when_none("Several ISO country codes, any of which matches.")
    cities: list[str] | None = _absent_when_none("Several cities, any of which matches.")
    exclude_countries: list[str] | None = _absent_when_none("ISO country codes left out of the results.")
    interpreter: str = Field(
        default="rules", description="Who understood the prompt: 'rules', 'bedrock', 'azure_openai' or 'vertex'."
    )
    fallback: str | None = _absent_when_none(
        "Why the configured model's answer was not used and the rules answered: "
        "'timeout', 'refused', 'invalid_output', 'rate_limited' or 'unavailable'."
    )


def _quota_field() -> Any:
    # Absent (not zeros that read as "exhausted") when the operator configured no rate limit for the tool.
    return Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="What is left of the caller's rate limit; absent when the tool is not rate limited.",
    )


class AiSearchResult(ToolResult):
    items: list[CompanySummary]
    understood: Understood = Field(description="The filters and free text the prompt was understood as.")
    capped: bool
    quota: QuotaInfo | None = _quota_field()


class CollectionList(ToolResult):
    items: list[Collection]
    next_cursor: str | None
    capped: bool


class CollectionPage(ToolResult):
    collection: Collection
    items: list[CompanySummary]
    next_cursor: str | None
    capped: bool


class CreateCollectionResult(ToolResult):
    collection: Collection
    created: bool = Field(description="False when the caller already had a collection with this name.")


class AddToCollectionResult(ToolResult):
    collection_id: str
    added: list[str]
    already_present: list[str]
    size: int


class RequestEmailDiscoveryResult(ToolResult):
    request_id: str
    status: DiscoveryStatus
    created: bool = Field(description="False when the same request was made in the last 24 hours.")
    quota: QuotaInfo | None = _quota_field()
