"""The nine tools, in the order clients list them."""

from __future__ import annotations

from core.tools.collections import ADD_TO_COLLECTION, CREATE_COLLECTION, GET_COLLECTION, LIST_COLLECTIONS
from core.tools.companies import AI_SEARCH, GET_COMPANY, SEARCH_COMPANIES
from core.tools.discovery import GET_EMAIL_DISCOVERY, REQUEST_EMAIL_DISCOVERY
from core.tools.spec import ToolSpec


def all_tools() -> tuple[ToolSpec, ...]:
    return (
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
