"""The company API's operations, as the adapter sends them: one document per SDL operation.

Selections are derived from ``core.model``, so each operation asks for exactly
the fields of the record the port returns, no more (``tests`` validate every
document against ``companydata/api/schema.graphql``). ``capped`` is never
selected: core clamps ``limit`` itself before calling the backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

from core.model import Collection, Company, CompanySummary, DiscoveredEmail, EmailDiscovery


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    kind: Literal["query", "mutation"]
    document: str

    @property
    def is_read(self) -> bool:
        """Only queries are retried: a mutation may have taken effect before its answer was lost."""
        return self.kind == "query"


def _fields(model: type[BaseModel]) -> str:
    return " ".join(model.model_fields)


SUMMARY = _fields(CompanySummary)
COMPANY = _fields(Company)
COLLECTION = _fields(Collection)
DISCOVERY = " ".join(
    f"results {{ {_fields(DiscoveredEmail)} }}" if name == "results" else name for name in EmailDiscovery.model_fields
)

# search_companies' filter arguments, named as in CompanyFilters and the SDL.
FILTERS = ("query", "industry", "country", "city", "min_employees", "max_employees", "founded_after", "founded_before")

SEARCH_COMPANIES = Operation(
    "SearchCompanies",
    "query",
    "query SearchCompanies($query: String, $industry: String, $country: String, $city: String, "
    "$min_employees: Int, $max_employees: Int, $founded_after: Int, $founded_before: Int, $match: MatchMode, "
    "$limit: Int, $cursor: String) { search_companies(query: $query, industry: $industry, country: $country, "
    "city: $city, min_employees: $min_employees, max_employees: $max_employees, founded_after: $founded_after, "
    f"founded_before: $founded_before, match: $match, limit: $limit, cursor: $cursor) {{ items {{ {SUMMARY} }} "
    "next_cursor } }",
)

GET_COMPANY = Operation(
    "GetCompany",
    "query",
    "query GetCompany($company_id: ID, $domain: String) { "
    f"get_company(company_id: $company_id, domain: $domain) {{ {COMPANY} }} }}",
)

# Not called through the Backend port (core parses prompts itself, the same way for every adapter); kept so this
# module covers the whole SDL and is checked against it with the others.
AI_SEARCH = Operation(
    "AiSearch",
    "query",
    "query AiSearch($prompt: String!, $limit: Int) { ai_search(prompt: $prompt, limit: $limit) { "
    f"items {{ {SUMMARY} }} understood {{ {' '.join(FILTERS)} }} capped }} }}",
)

LIST_COLLECTIONS = Operation(
    "ListCollections",
    "query",
    "query ListCollections($limit: Int, $cursor: String) { list_collections(limit: $limit, cursor: $cursor) { "
    f"items {{ {COLLECTION} }} next_cursor }} }}",
)

GET_COLLECTION = Operation(
    "GetCollection",
    "query",
    "query GetCollection($collection_id: ID!, $limit: Int, $cursor: String) { "
    "get_collection(collection_id: $collection_id, limit: $limit, cursor: $cursor) { "
    f"collection {{ {COLLECTION} }} items {{ {SUMMARY} }} next_cursor }} }}",
)

GET_EMAIL_DISCOVERY = Operation(
    "GetEmailDiscovery",
    "query",
    f"query GetEmailDiscovery($request_id: ID!) {{ get_email_discovery(request_id: $request_id) {{ {DISCOVERY} }} }}",
)

CREATE_COLLECTION = Operation(
    "CreateCollection",
    "mutation",
    "mutation CreateCollection($name: String!, $description: String) { "
    f"create_collection(name: $name, description: $description) {{ collection {{ {COLLECTION} }} created }} }}",
)

ADD_TO_COLLECTION = Operation(
    "AddToCollection",
    "mutation",
    "mutation AddToCollection($collection_id: ID!, $company_ids: [ID!]!) { "
    "add_to_collection(collection_id: $collection_id, company_ids: $company_ids) { "
    "collection_id added already_present size } }",
)

REQUEST_EMAIL_DISCOVERY = Operation(
    "RequestEmailDiscovery",
    "mutation",
    "mutation RequestEmailDiscovery($company_id: ID!, $roles: [String!]) { "
    "request_email_discovery(company_id: $company_id, roles: $roles) { request_id status created } }",
)

PING = Operation("Ping", "query", "query Ping { __typename }")

ALL = (
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

# existing_company_ids has no operation of its own: it asks get_company for many ids at once, one alias each.
PROBE_BATCH = 100


def probe_alias(index: int) -> str:
    return f"c{index}"


@lru_cache(maxsize=8)
def companies_probe(count: int) -> Operation:
    """``get_company`` for ``count`` ids in one document: aliases ``c0..``, variables ``id0..``."""
    variables = ", ".join(f"$id{i}: ID!" for i in range(count))
    fields = " ".join(f"{probe_alias(i)}: get_company(company_id: $id{i}) {{ id }}" for i in range(count))
    return Operation("CompaniesExist", "query", f"query CompaniesExist({variables}) {{ {fields} }}")
