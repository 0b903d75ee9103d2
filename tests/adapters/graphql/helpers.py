"""Small helpers for the GraphQL adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from adapters.graphql.backend import GraphQLBackend
from core.model import CompanyFilters, PageRequest

OWNER = "https://issuer.example|alice"
FIRST_PAGE = PageRequest(limit=20)


@asynccontextmanager
async def backend_at(url: str, **options: Any) -> AsyncIterator[GraphQLBackend]:
    backend = GraphQLBackend(url, **options)
    try:
        yield backend
    finally:
        await backend.aclose()


async def search(backend: GraphQLBackend) -> Any:
    return await backend.search_companies(CompanyFilters(query="acme"), FIRST_PAGE)


async def call(backend: GraphQLBackend, operation: str) -> Any:
    """Run one port method by the name of the tool it serves."""
    if operation == "search_companies":
        return await search(backend)
    if operation == "get_company":
        return await backend.get_company(company_id="c_1")
    if operation == "list_collections":
        return await backend.list_collections(OWNER, FIRST_PAGE)
    if operation == "get_collection":
        return await backend.get_collection(OWNER, "col_1", FIRST_PAGE)
    if operation == "get_email_discovery":
        return await backend.get_email_discovery(OWNER, "req_1")
    if operation == "create_collection":
        return await backend.create_collection(OWNER, "Mine", None)
    if operation == "add_to_collection":
        return await backend.add_to_collection(OWNER, "col_1", ["c_1", "c_2"])
    if operation == "request_email_discovery":
        return await backend.request_email_discovery(OWNER, "c_1", ["sales"])
    raise AssertionError(operation)


READS = ["search_companies", "get_company", "list_collections", "get_collection", "get_email_discovery"]
WRITES = ["create_collection", "add_to_collection", "request_email_discovery"]
