"""Helpers for the company API tests: a real uvicorn server in a thread, a small GraphQL client, documents.

The servers verify their callers with ``SharedSecretAuth`` as ``company-mcp api`` does; test clients sign with
the graphql adapter's own ``SharedSecretSigner`` (``signed_client``), so every test also exercises that pair.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette

from adapters.graphql.shared_secret import SharedSecretSigner
from companydata.api.identity import SharedSecretAuth
from tests.support import ThreadedServer

SERVICE_SECRET = b"company-api-test-service-secret!"


def service_auth() -> SharedSecretAuth:
    return SharedSecretAuth(SERVICE_SECRET)


class SignedByService(httpx.Auth):
    """Signs every request of an httpx client as the MCP server would (fresh timestamp and nonce each)."""

    def __init__(self, secret: bytes = SERVICE_SECRET) -> None:
        self._signer = SharedSecretSigner(secret)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()  # the signature covers the body
        request.headers.update(self._signer.headers_for(request))
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()  # the signature covers the body (a streamed one too)
        await self._signer.sign(request)
        yield request


def signed_client(**options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(auth=SignedByService(), **options)


SUMMARY = "id name domain industry country city employee_count founded_year"
COMPANY = f"{SUMMARY} description website tags updated_at"
COLLECTION = "id name description size created_at"
DISCOVERY = "request_id company_id roles status requested_at completed_at results { email role confidence synthetic }"

# Every operation, selecting every field, so a result can be compared with the resolver's dict as a whole.
DOCUMENTS: dict[str, str] = {
    "search_companies": (
        "query Search($query: String, $industry: String, $country: String, $city: String, $min_employees: Int, "
        "$max_employees: Int, $founded_after: Int, $founded_before: Int, $match: MatchMode, $limit: Int, "
        "$cursor: String) { search_companies(query: $query, industry: $industry, country: $country, city: $city, "
        "min_employees: $min_employees, max_employees: $max_employees, founded_after: $founded_after, "
        "founded_before: $founded_before, match: $match, limit: $limit, cursor: $cursor) "
        f"{{ items {{ {SUMMARY} }} next_cursor capped }} }}"
    ),
    "get_company": (
        f"query Get($company_id: ID, $domain: String) {{ get_company(company_id: $company_id, domain: $domain) "
        f"{{ {COMPANY} }} }}"
    ),
    "ai_search": (
        "query Ai($prompt: String!, $limit: Int) { ai_search(prompt: $prompt, limit: $limit) "
        f"{{ items {{ {SUMMARY} }} understood {{ query industry country city min_employees max_employees "
        "founded_after founded_before industries countries cities exclude_countries interpreter fallback } capped } }"
    ),
    "list_collections": (
        "query List($limit: Int, $cursor: String) { list_collections(limit: $limit, cursor: $cursor) "
        f"{{ items {{ {COLLECTION} }} next_cursor capped }} }}"
    ),
    "get_collection": (
        "query GetCollection($collection_id: ID!, $limit: Int, $cursor: String) { get_collection("
        "collection_id: $collection_id, limit: $limit, cursor: $cursor) "
        f"{{ collection {{ {COLLECTION} }} items {{ {SUMMARY} }} next_cursor capped }} }}"
    ),
    "get_email_discovery": (
        f"query GetDiscovery($request_id: ID!) {{ get_email_discovery(request_id: $request_id) {{ {DISCOVERY} }} }}"
    ),
    "create_collection": (
        "mutation Create($name: String!, $description: String) { create_collection(name: $name, "
        f"description: $description) {{ collection {{ {COLLECTION} }} created }} }}"
    ),
    "add_to_collection": (
        "mutation Add($collection_id: ID!, $company_ids: [ID!]!) { add_to_collection(collection_id: $collection_id, "
        "company_ids: $company_ids) { collection_id added already_present size } }"
    ),
    "request_email_discovery": (
        "mutation Request($company_id: ID!, $roles: [String!]) { request_email_discovery(company_id: $company_id, "
        "roles: $roles) { request_id status created } }"
    ),
}


class LiveServer(ThreadedServer):
    """The API app under real uvicorn in a background thread; ``url`` is its GraphQL endpoint."""

    def __init__(self, app: Starlette) -> None:
        super().__init__(app=app)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: httpx.Headers = field(default_factory=httpx.Headers)

    @property
    def data(self) -> dict[str, Any]:
        assert self.status == 200, self.body
        assert "errors" not in self.body, self.body
        return self.body["data"]

    @property
    def error(self) -> dict[str, Any]:
        assert self.body.get("errors"), self.body
        return self.body["errors"][0]

    @property
    def code(self) -> str:
        return str(self.error["extensions"]["code"])


class ApiClient:
    """Posts GraphQL documents to one server, optionally as an end user (the X-Company-Principal header)."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http = http
        self.url = url

    async def post(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Answer:
        principal = kwargs.pop("principal", None)
        headers = dict(kwargs.pop("headers", None) or {})
        if principal is not None:
            headers["x-company-principal"] = principal
        body = {"query": query, "variables": variables or {}}
        response = await self.http.post(self.url, json=body, headers=headers, **kwargs)
        return Answer(response.status_code, response.json(), response.headers)

    async def op(self, operation: str, principal: str | None = None, **variables: Any) -> Answer:
        return await self.post(DOCUMENTS[operation], variables, principal=principal)

    async def call(self, operation: str, principal: str | None = None, **variables: Any) -> dict[str, Any]:
        """The operation's result (its one root field), asserting success."""
        return (await self.op(operation, principal, **variables)).data[operation]
