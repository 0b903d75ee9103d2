"""The nine tools: each catalog entry paired with its contract and handler, in catalog order."""

from __future__ import annotations

from functools import cache

from core.catalog import CATALOG
from core.tools.collections import ADD_TO_COLLECTION, CREATE_COLLECTION, GET_COLLECTION, LIST_COLLECTIONS
from core.tools.companies import AI_SEARCH, GET_COMPANY, SEARCH_COMPANIES
from core.tools.discovery import GET_EMAIL_DISCOVERY, REQUEST_EMAIL_DISCOVERY
from core.tools.spec import ToolSpec

_DECLARED = (
    SEARCH_COMPANIES,
    GET_COMPANY,
    AI_SEARCH,
    LIST_COLLECTIONS,
    GET_COLLECTION,
    GET_EMAIL_DISCOVERY,
    CREATE_COLLECTION,
    ADD_TO_COLLECTION,
    REQUEST_EMAIL_DISCOVERY,
)


@cache
def all_tools() -> tuple[ToolSpec, ...]:
    """One spec per catalog entry, in the catalog's order; a catalog entry without a declaration fails here."""
    by_name = {spec.name: spec for spec in _DECLARED}
    missing = [kind.name for kind in CATALOG if kind.name not in by_name]
    if missing or len(by_name) != len(CATALOG):
        raise LookupError(f"tools in the catalog without a declaration: {missing}")
    return tuple(by_name[kind.name] for kind in CATALOG)
