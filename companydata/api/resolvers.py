"""The nine operations of the company API as plain async functions over a ``Backend``.

Each is ``async (backend, principal, args) -> dict``, independent of Ariadne and of HTTP, so the
Ariadne bindings and an AppSync direct Lambda resolver run the same code (through
``dispatch.resolve``). Arguments are validated with the MCP tools' own input models
(``core.tools.contracts``) and worded by ``core.validation``, and the caps and idempotent
writes are ``core.operations``, the same functions the MCP tools call; results are plain
dicts whose keys are the SDL's field names, which are the tool result field names.

Differences from the tools, by design: no ``quota`` (rate limits are the MCP server's job),
and ``cursor``/``next_cursor`` are the store's own position tokens (the MCP server wraps them
in its signed, caller-bound cursors).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel

from companydata.api.errors import ApiError
from companydata.api.identity import owner_from
from core import operations
from core.model import CompanyFilters, PageRequest
from core.operations import cap_items, clamp_limit
from core.tools.contracts import (
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
from core.validation import parse_arguments

if TYPE_CHECKING:
    from core.ports import Backend

Args = Mapping[str, Any]
Result = dict[str, Any]
M = TypeVar("M", bound=BaseModel)

_MATCH_MODES: dict[str, Literal["all", "any"]] = {"ALL": "all", "ANY": "any"}


def _parse(model: type[M], args: Args) -> M:
    # GraphQL null means "not given": the model's default applies (limit 20, no filter).
    raw = {key: value for key, value in args.items() if value is not None}
    return parse_arguments(model, raw)  # ValidationFailed leaves as VALIDATION (errors.from_exception)


async def search_companies(backend: Backend, principal: str | None, args: Args) -> Result:
    rest = dict(args)
    mode = rest.pop("match", None) or "ALL"
    if not isinstance(mode, str) or mode not in _MATCH_MODES:
        raise ApiError("VALIDATION", "Invalid value for 'match': use ALL or ANY.", "match")
    parsed = _parse(SearchCompaniesInput, rest)
    limit, capped = clamp_limit(parsed.limit)
    filters = CompanyFilters(**parsed.model_dump(exclude={"limit", "cursor"}), match=_MATCH_MODES[mode])
    page = await backend.search_companies(filters, PageRequest(limit=limit, after=parsed.cursor))
    items, capped = cap_items(page.items, limit, capped)
    return CompanyPage(items=items, next_cursor=page.next_after, capped=capped).model_dump()


async def get_company(backend: Backend, principal: str | None, args: Args) -> Result:
    parsed = _parse(GetCompanyInput, args)
    company = await backend.get_company(company_id=parsed.company_id, domain=parsed.domain)
    return company.model_dump()


async def ai_search(backend: Backend, principal: str | None, args: Args) -> Result:
    parsed = _parse(AiSearchInput, args)
    limit, capped = clamp_limit(parsed.limit)
    prompt = parse_prompt(parsed.prompt)  # the rules: the API needs no model service
    # The same searches and merge as the ai_search tool (core.operations): any word of the leftover text ranks.
    found = await operations.search_understood(backend, prompt, limit)
    items, capped = cap_items(found, limit, capped)
    understood = Understood(**prompt.understood(), interpreter=prompt.interpreter, fallback=prompt.fallback)
    # Every field present (null where unset), as a GraphQL answer shows it.
    understood_fields = {**dict.fromkeys(Understood.model_fields), **understood.model_dump()}
    return {"items": [item.model_dump() for item in items], "understood": understood_fields, "capped": capped}


async def list_collections(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(ListCollectionsInput, args)
    limit, capped = clamp_limit(parsed.limit)
    page = await backend.list_collections(owner, PageRequest(limit=limit, after=parsed.cursor))
    items, capped = cap_items(page.items, limit, capped)
    return CollectionList(items=items, next_cursor=page.next_after, capped=capped).model_dump()


async def get_collection(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(GetCollectionInput, args)
    limit, capped = clamp_limit(parsed.limit)
    page_request = PageRequest(limit=limit, after=parsed.cursor)
    collection, page = await backend.get_collection(owner, parsed.collection_id, page_request)
    items, capped = cap_items(page.items, limit, capped)
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
    result = await operations.add_to_collection(backend, owner, parsed.collection_id, parsed.company_ids)
    return AddToCollectionResult(
        collection_id=result.collection_id, added=result.added, already_present=result.already_present, size=result.size
    ).model_dump()


async def request_email_discovery(backend: Backend, principal: str | None, args: Args) -> Result:
    owner = owner_from(principal)
    parsed = _parse(RequestEmailDiscoveryInput, args)
    request, created = await operations.request_email_discovery(backend, owner, parsed.company_id, parsed.roles)
    return {"request_id": request.request_id, "status": request.status, "created": created}
