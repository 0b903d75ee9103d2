"""Route one top-level field of the company API to its resolver.

``resolve`` is what both faces call: the Ariadne bindings (``schema.py``) for the reference
server, and an AppSync direct Lambda resolver on AWS (``resolve_appsync_event`` unpacks the
event AppSync sends). Any failure leaves as an ``ApiError`` with its code; unexpected ones are
logged here and turned into INTERNAL without their text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from companydata.api import resolvers
from companydata.api.errors import ApiError, from_exception
from companydata.api.identity import PRINCIPAL_HEADER

if TYPE_CHECKING:
    from core.ports import Backend

Resolver = Callable[["Backend", str | None, Mapping[str, Any]], Awaitable[dict[str, Any]]]

QUERY_RESOLVERS: Mapping[str, Resolver] = MappingProxyType(
    {
        "search_companies": resolvers.search_companies,
        "get_company": resolvers.get_company,
        "ai_search": resolvers.ai_search,
        "list_collections": resolvers.list_collections,
        "get_collection": resolvers.get_collection,
        "get_email_discovery": resolvers.get_email_discovery,
    }
)
MUTATION_RESOLVERS: Mapping[str, Resolver] = MappingProxyType(
    {
        "create_collection": resolvers.create_collection,
        "add_to_collection": resolvers.add_to_collection,
        "request_email_discovery": resolvers.request_email_discovery,
    }
)
ROOT_TYPES: Mapping[str, Mapping[str, Resolver]] = MappingProxyType(
    {"Query": QUERY_RESOLVERS, "Mutation": MUTATION_RESOLVERS}
)


async def resolve(field: str, arguments: Mapping[str, Any], principal: str | None, backend: Backend) -> dict[str, Any]:
    """Run the operation ``field`` (a Query or Mutation field name) for ``principal`` (None: no end user)."""
    resolver = QUERY_RESOLVERS.get(field) or MUTATION_RESOLVERS.get(field)
    if resolver is None:
        raise ApiError("VALIDATION", f"Unknown operation '{field[:64]}'.", "fieldName")
    try:
        return await resolver(backend, principal, arguments)
    except ApiError:
        raise
    except Exception as exc:  # every failure leaves with a code; unknown ones are logged and hidden
        raise from_exception(exc, operation=field) from exc


async def resolve_appsync_event(event: Mapping[str, Any], backend: Backend) -> dict[str, Any]:
    """Resolve one AppSync direct Lambda resolver event:
    ``{"info": {"fieldName", "parentTypeName"}, "arguments": {...}, "request": {"headers": {...}}}``.

    AppSync (IAM authorization) has verified the calling service; the end user is the
    ``x-company-principal`` header the caller sent, which AppSync forwards in ``request.headers``.
    Errors are raised as ``ApiError``; the Lambda handler turns ``code`` into AppSync's ``errorType``.
    """
    info = event.get("info") or {}
    field = str(info.get("fieldName") or "")
    parent = info.get("parentTypeName")
    if parent is not None and field not in ROOT_TYPES.get(str(parent), {}):
        raise ApiError("VALIDATION", f"Unknown operation '{str(parent)[:32]}.{field[:64]}'.", "fieldName")
    arguments = event.get("arguments") or {}
    if not isinstance(arguments, Mapping):
        raise ApiError("VALIDATION", "The arguments must be an object.", "arguments")
    return await resolve(field, arguments, _principal(event), backend)


def _principal(event: Mapping[str, Any]) -> str | None:
    headers = (event.get("request") or {}).get("headers") or {}
    for name, value in headers.items():  # AppSync lower-cases header names; do not rely on it
        if str(name).lower() == PRINCIPAL_HEADER:
            return str(value) if value is not None else None
    return None
