"""The nine operations of the company API as plain async functions over a ``Backend``.

Each is ``async (backend, principal, args) -> dict``, independent of Ariadne and of HTTP, so the
Ariadne bindings and an AppSync direct Lambda resolver run the same code (through
``dispatch.resolve``). Arguments are validated with the MCP tools' own input models
(``core.tools.contracts``), so both faces accept exactly the same values; results are plain
dicts whose keys are the SDL's field names, which are the tool result field names.

Differences from the tools, by design: no ``quota`` (rate limits are the MCP server's job),
and ``cursor``/``next_cursor`` are the store's own position tokens (the MCP server wraps them
in its signed, caller-bound cursors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from companydata.api.errors import ApiError, invalid_arguments
from companydata.api.identity import owner_from
from core.model import MAX_ITEMS, CompanyFilters, PageRequest
from core.tools.contracts import (
    DEFAULT_EMAIL_ROLES,
    AddToCollectionInput,
    AddToCollectionResult,
    AiSearchInput,
    CollectionList,
    CollectionPage,
    CompanyPage,
    CreateCollectionInput,
    CreateCollectionResult,
    GetCollectionInput,
    GetCompanyInput,
    GetEmailDiscoveryInput,
    ListCollectionsInput,
    RequestEmailDiscoveryInput,
    SearchCompaniesInput,
    Understood,
)
from core.tools.prompt import parse_prompt

if TYPE_CHECKING:
    from core.ports import Backend

Args = Mapping[str, Any]
Result = dict[str, Any]
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_MATCH_MODES: dict[str, Literal["all", "any"]] = {"ALL": "all", "ANY": "any"}


def _parse(model: type[M], args: Args) -> M:
    # GraphQL null means "not given": the model's default applies (limit 20, no filter).
    raw = {key: value for key, value in args.items() if value is not None}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise invalid_arguments(model, exc) from None


def _clamp(limit: int) -> tuple[int, bool]:
    """The hard cap: at most 100 items per call; a larger limit is clamped and the result says so."""
    return min(limit, MAX_ITEMS), limit > MAX_ITEMS


def _capped(items: Sequence[T], limit: int, capped: bool) -> tuple[list[T], bool]:
    # A backend that ignores the limit must not break the promise.
    return list(items[:limit]), capped or len(items) > MAX_ITEMS


async def search_companies(backend: Backend, principal: str | None, args: Args) -> Result:
    rest = dict(args)
    mode = rest.pop("match", None) or "ALL"
    if not isinstance(mode, str) or mode not in _MATCH_MODES:
        raise ApiError("VALIDATION", "Invalid value for 'match': use ALL or ANY.", "match")
    parsed = _parse(SearchCompaniesInput, rest)
    limit, capped = _clamp(parsed.limit)
    filters = CompanyFilters(**parsed.model_dump(exclude={"limit", "cursor"}), match=_MATCH_MODES[mode])
    page = await backend.search_companies(filters, PageRequest(limit=limit, after=parsed.cursor))
    items, capped = _capped(page.items, limit, capped)
    return CompanyPage(items=items, next_cursor=page.next_after, capped=capped).model_dump()


async def get_company(backend: Backend, principal: str | None, args: Args) -> Result:
    parsed = _parse(GetCompanyInput, args)
    company = await backend.get_company(company_id=parsed.company_id, domain=parsed.domain)
    return company.model_dump()


async def ai_search(backend: Backend, principal: str | None, args: Args) -> Result:
    parsed = _parse(AiSearchInput, args)
    limit, capped = _clamp(parsed.limit)
    prompt = parse_prompt(parsed.prompt)
    # Ranked: any word of the leftover text may match, as the ai_search tool searches.
    page = await backend.search_companies(prompt.filters(match="any"), PageRequest(limit=limit))
    items, capped = _capped(page.items, limit, capped)
    return {
        "items": [item.model_dump() for item in items],
        "understood": Understood.model_validate(prompt.understood()).model_dump(),
        "capped": capped,
    }


async def list_collections(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(ListCollectionsInput, args)
    limit, capped = _clamp(parsed.limit)
    page = await backend.list_collections(owner, PageRequest(limit=limit, after=parsed.cursor))
    items, capped = _capped(page.items, limit, capped)
    return CollectionList(items=items, next_cursor=page.next_after, capped=capped).model_dump()


async def get_collection(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(GetCollectionInput, args)
    limit, capped = _clamp(parsed.limit)
    page_request = PageRequest(limit=limit, after=parsed.cursor)
    collection, page = await backend.get_collection(owner, parsed.collection_id, page_request)
    items, capped = _capped(page.items, limit, capped)
    return CollectionPage(collection=collection, items=items, next_cursor=page.next_after, capped=capped).model_dump()


async def get_email_discovery(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(GetEmailDiscoveryInput, args)
    request = await backend.get_email_discovery(owner, parsed.request_id)
    return request.model_dump()


async def create_collection(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(CreateCollectionInput, args)
    collection, created = await backend.create_collection(owner, parsed.name, parsed.description)
    return CreateCollectionResult(collection=collection, created=created).model_dump()


async def add_to_collection(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(AddToCollectionInput, args)
    unique_ids = list(dict.fromkeys(parsed.company_ids))
    result = await backend.add_to_collection(owner, parsed.collection_id, unique_ids)
    return AddToCollectionResult(
        collection_id=result.collection_id, added=result.added, already_present=result.already_present, size=result.size
    ).model_dump()


async def request_email_discovery(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(RequestEmailDiscoveryInput, args)
    roles = sorted(set(parsed.roles or DEFAULT_EMAIL_ROLES))
    request, created = await backend.request_email_discovery(owner, parsed.company_id, roles)
    return {"request_id": request.request_id, "status": request.status, "created": created}
