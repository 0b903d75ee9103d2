"""The company API's operations, as the adapter sends them: one document per SDL operation.

Selections are derived from ``core.model``, so each operation asks for exactly
the fields of the record the port returns, no more (``tests`` validate every
document against ``companydata/api/schema.graphql``); whether an operation is a
query (retried) or a mutation comes from the tool catalog. ``capped`` is never
selected: core clamps ``limit`` itself before calling the backend. ``ai_search``
has no operation here: core interprets prompts itself, the same way for every adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from core.catalog import tool_kind
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


def _tool_operation(tool: str, name: str, document: str) -> Operation:
    """A tool's operation; whether it is a query or a mutation comes from the tool catalog."""
    kind = tool_kind(tool)
    if kind is None:
        raise LookupError(f"{tool} is not in the tool catalog")
    if not document.startswith(f"{kind.operation_kind} {name}"):
        raise ValueError(f"the {name} document must be a {kind.operation_kind}")
    return Operation(name, kind.operation_kind, document)


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

SEARCH_COMPANIES = _tool_operation(
    "search_companies",
    "SearchCompanies",
    "query SearchCompanies($query: String, $industry: String, $country: String, $city: String, "
    "$min_employees: Int, $max_employees: Int, $founded_after: Int, $founded_before: Int, $match: MatchMode, "
    "$limit: Int, $cursor: String) { search_companies(query: $query, industry: $industry, country: $country, "
    "city: $city, min_employees: $min_employees, max_employees: $max_employees, founded_after: $founded_after, "
    f"founded_before: $founded_before, match: $match, limit: $limit, cursor: $cursor) {{ items {{ {SUMMARY} }} "
    "next_cursor } }",
)

GET_COMPANY = _tool_operation(
    "get_company",
    "GetCompany",
    "query GetCompany($company_id: ID, $domain: String) { "
    f"get_company(company_id: $company_id, domain: $domain) {{ {COMPANY} }} }}",
)

LIST_COLLECTIONS = _tool_operation(
    "list_collections",
    "ListCollections",
    "query ListCollections($limit: Int, $cursor: String) { list_collections(limit: $limit, cursor: $cursor) { "
    f"items {{ {COLLECTION} }} next_cursor }} }}",
)

GET_COLLECTION = _tool_operation(
    "get_collection",
    "GetCollection",
    "query GetCollection($collection_id: ID!, $limit: Int, $cursor: String) { "
    "get_collection(collection_id: $collection_id, limit: $limit, cursor: $cursor) { "
    f"collection {{ {COLLECTION} }} items {{ {SUMMARY} }} next_cursor }} }}",
)

GET_EMAIL_DISCOVERY = _tool_operation(
    "get_email_discovery",
    "GetEmailDiscovery",
    f"query GetEmailDiscovery($request_id: ID!) {{ get_email_discovery(request_id: $request_id) {{ {DISCOVERY} }} }}",
)

CREATE_COLLECTION = _tool_operation(
    "create_collection",
    "CreateCollection",
    "mutation CreateCollection($name: String!, $description: String) { "
    f"create_collection(name: $name, description: $description) {{ collection {{ {COLLECTION} }} created }} }}",
)

ADD_TO_COLLECTION = _tool_operation(
    "add_to_collection",
    "AddToCollection",
    "mutation AddToCollection($collection_id: ID!, $company_ids: [ID!]!) { "
    "add_to_collection(collection_id: $collection_id, company_ids: $company_ids) { "
    "collection_id added already_present size } }",
)

REQUEST_EMAIL_DISCOVERY = _tool_operation(
    "request_email_discovery",
    "RequestEmailDiscovery",
    "mutation RequestEmailDiscovery($company_id: ID!, $roles: [String!]) { "
    "request_email_discovery(company_id: $company_id, roles: $roles) { request_id status created } }",
)

ALL = (
    SEARCH_COMPANIES,
    GET_COMPANY,
    LIST_COLLECTIONS,
    GET_COLLECTION,
    GET_EMAIL_DISCOVERY,
    CREATE_COLLECTION,
    ADD_TO_COLLECTION,
    REQUEST_EMAIL_DISCOVERY,
)
