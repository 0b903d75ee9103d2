"""``GraphQLBackend``: the ``core.ports.Backend`` over the company GraphQL API (any deployment of it).

One pooled ``httpx.AsyncClient``; every call has an overall deadline and takes
one of ``max_concurrency`` slots; reads are retried with jittered exponential
backoff on connection faults and 502/503/504 only, writes never. The end user's
principal travels in ``X-Company-Principal`` on owner-scoped calls; the only
credentials on the wire are the signer's (the MCP client's token never reaches
this module). Faults leave as ``core.errors`` only (see ``errors``).
"""

from __future__ import annotations

import json
import logging
from string import printable
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import httpx
from pydantic import BaseModel
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from adapters.graphql import operations as ops
from adapters.graphql.errors import (
    Payload,
    TransientBackendError,
    deadline,
    map_shape_errors,
    map_transport_errors,
    raise_for_errors,
    read_payload,
)
from adapters.graphql.signer import RequestSigner
from core.errors import BackendError, BackendUnavailable, CoreError, NotFound, ValidationFailed
from core.model import (
    AddResult,
    Collection,
    Company,
    CompanyFilters,
    CompanySummary,
    EmailDiscovery,
    Page,
    PageRequest,
)

# An id no company has: readiness asks the store for it and expects NOT_FOUND.
READINESS_PROBE_ID = "cmp_readiness_probe"

logger = logging.getLogger(__name__)

PRINCIPAL_HEADER = "X-Company-Principal"
# Visible ASCII passes as is; anything else (space and "%" too) is percent-encoded as UTF-8, so every principal
# fits one header line, none can inject a header or lose edge spaces, and distinct principals stay distinct.
_PRINCIPAL_SAFE = "".join(c for c in printable if c.isprintable() and c not in " %")
_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json;q=0.9",
    "user-agent": "company-mcp-graphql-adapter",
}

M = TypeVar("M", bound=BaseModel)


def encode_principal(owner: str) -> str:
    return quote(owner, safe=_PRINCIPAL_SAFE)


class GraphQLBackend:
    """The constructor opens no connection. An injected ``client`` is used as is (its own timeouts and limits)
    and left open by ``aclose``."""

    def __init__(
        self,
        url: str,
        *,
        signer: RequestSigner | None = None,
        connect_timeout_s: float = 2.0,
        call_timeout_s: float = 8.0,
        max_concurrency: int = 64,
        read_retries: int = 2,
        client: httpx.AsyncClient | None = None,
        max_response_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self._url = url
        self._signer = signer
        self._call_timeout_s = call_timeout_s
        self._read_retries = read_retries
        self._max_response_bytes = max_response_bytes
        self._owns_client = client is None
        # Made here rather than on first use: building its TLS context reads the CA bundle (~0.1 s of blocking
        # work) that must not stall the event loop mid-call. No connection is opened before the first call.
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(call_timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
            follow_redirects=False,  # never carry signed headers to another URL
        )
        self._slots = anyio.Semaphore(max_concurrency)

    # -- the port ------------------------------------------------------------------------------

    async def search_companies(self, filters: CompanyFilters, page: PageRequest) -> Page[CompanySummary]:
        variables: dict[str, Any] = {name: getattr(filters, name) for name in ops.FILTERS}
        variables.update(match=filters.match.upper(), limit=page.limit, cursor=page.after)
        data = await self._execute(ops.SEARCH_COMPANIES, variables)
        with map_shape_errors():
            return _page(data["search_companies"], CompanySummary)

    async def get_company(self, *, company_id: str | None = None, domain: str | None = None) -> Company:
        if (company_id is None) == (domain is None):  # no round trip for a call the API must refuse
            raise ValidationFailed("company_id", "Give exactly one of company_id or domain.")
        data = await self._execute(ops.GET_COMPANY, {"company_id": company_id, "domain": domain})
        with map_shape_errors():
            return Company.model_validate(data["get_company"])

    async def list_collections(self, owner: str, page: PageRequest) -> Page[Collection]:
        variables = {"limit": page.limit, "cursor": page.after}
        data = await self._execute(ops.LIST_COLLECTIONS, variables, owner)
        with map_shape_errors():
            return _page(data["list_collections"], Collection)

    async def get_collection(
        self, owner: str, collection_id: str, page: PageRequest
    ) -> tuple[Collection, Page[CompanySummary]]:
        variables = {"collection_id": collection_id, "limit": page.limit, "cursor": page.after}
        data = await self._execute(ops.GET_COLLECTION, variables, owner)
        with map_shape_errors():
            raw = data["get_collection"]
            return Collection.model_validate(raw["collection"]), _page(raw, CompanySummary)

    async def create_collection(self, owner: str, name: str, description: str | None) -> tuple[Collection, bool]:
        data = await self._execute(ops.CREATE_COLLECTION, {"name": name, "description": description}, owner)
        with map_shape_errors():
            raw = data["create_collection"]
            return Collection.model_validate(raw["collection"]), _bool(raw["created"])

    async def add_to_collection(self, owner: str, collection_id: str, company_ids: list[str]) -> AddResult:
        variables = {"collection_id": collection_id, "company_ids": company_ids}
        data = await self._execute(ops.ADD_TO_COLLECTION, variables, owner)
        with map_shape_errors():
            raw = data["add_to_collection"]
            return AddResult(
                collection_id=_str(raw["collection_id"]),
                added=[_str(v) for v in raw["added"]],
                already_present=[_str(v) for v in raw["already_present"]],
                size=_int(raw["size"]),
            )

    async def request_email_discovery(
        self, owner: str, company_id: str, roles: list[str]
    ) -> tuple[EmailDiscovery, bool]:
        # The mutation answers request_id/status/created only; the port returns the whole request, so it is read
        # back. Both share one deadline. If the read fails, a retry of the write is safe (it returns created=false).
        with deadline(self._call_timeout_s):
            data = await self._execute(ops.REQUEST_EMAIL_DISCOVERY, {"company_id": company_id, "roles": roles}, owner)
            with map_shape_errors():
                raw = data["request_email_discovery"]
                request_id, created = _str(raw["request_id"]), _bool(raw["created"])
            return await self.get_email_discovery(owner, request_id), created

    async def get_email_discovery(self, owner: str, request_id: str) -> EmailDiscovery:
        data = await self._execute(ops.GET_EMAIL_DISCOVERY, {"request_id": request_id}, owner)
        with map_shape_errors():
            return EmailDiscovery.model_validate(data["get_email_discovery"])

    async def ping(self) -> None:
        """Readiness that reaches the data: a lookup of an id that does not exist, which the API must answer from
        its store (``NOT_FOUND`` means the store answered). Not retried: readiness reports what it sees. Works on
        every deployment of the API (AppSync included), unlike a health route. Any failure is
        ``BackendUnavailable``."""
        variables = {"company_id": READINESS_PROBE_ID, "domain": None}
        try:
            with deadline(self._call_timeout_s):
                payload = await self._attempt(ops.GET_COMPANY, _body(ops.GET_COMPANY, variables), None)
            raise_for_errors(payload)
        except NotFound:
            return
        except BackendUnavailable:
            raise
        except CoreError as exc:
            raise BackendUnavailable(f"The company API is not ready ({exc.type}).") from exc

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # -- transport -----------------------------------------------------------------------------

    async def _execute(self, op: ops.Operation, variables: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
        with deadline(self._call_timeout_s):
            return await self._send(op, variables, owner)

    async def _send(self, op: ops.Operation, variables: dict[str, Any], owner: str | None) -> dict[str, Any]:
        body = _body(op, variables)
        if not op.is_read:
            return await self._attempt_data(op, body, owner)
        retrying = AsyncRetrying(
            sleep=anyio.sleep,
            retry=retry_if_exception_type(TransientBackendError),
            stop=stop_after_attempt(self._read_retries + 1) | stop_before_delay(self._call_timeout_s),
            wait=wait_random_exponential(multiplier=0.1, max=2.0),  # "full jitter": 0-0.1 s, 0-0.2 s, ...
            before_sleep=_log_retry,
            reraise=True,
        )
        return await retrying(self._attempt_data, op, body, owner)

    async def _attempt_data(self, op: ops.Operation, body: bytes, owner: str | None) -> dict[str, Any]:
        """One exchange's ``data``; a GraphQL error leaves as its core error (the store's UNAVAILABLE is
        transient, so a read retries it like a gateway error)."""
        return raise_for_errors(await self._attempt(op, body, owner))

    async def _attempt(self, op: ops.Operation, body: bytes, owner: str | None) -> Payload:
        """One HTTP exchange. Every fault leaves as a core error (the port's promise)."""
        try:
            client = self._client
            headers = dict(_HEADERS)  # per request, so an injected client sends them too
            if owner is not None:
                headers[PRINCIPAL_HEADER] = encode_principal(owner)
            request = client.build_request("POST", self._url, content=body, headers=headers)
            if self._signer is not None:
                await self._signer.sign(request)  # signed per attempt: fresh date, fresh token
            async with self._slots:
                with map_transport_errors(write=not op.is_read):
                    response = await client.send(request, stream=True)
                    try:
                        content = await self._read(response)
                    finally:
                        await response.aclose()
            return read_payload(response.status_code, content, write=not op.is_read)
        except CoreError:
            raise
        except Exception as exc:  # a bug or an unexpected library fault: still a typed error for the caller
            logger.warning("company API call %s failed unexpectedly", op.name, exc_info=exc)
            raise BackendError("The call to the company API failed unexpectedly.") from exc

    async def _read(self, response: httpx.Response) -> bytes:
        """The body, refusing more than ``max_response_bytes`` (counted after decompression)."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_response_bytes:
            raise BackendError("The company API's answer is too large.")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_response_bytes:
                raise BackendError("The company API's answer is too large.")
            chunks.append(chunk)
        return b"".join(chunks)


def _body(op: ops.Operation, variables: dict[str, Any]) -> bytes:
    # Unset arguments are left out rather than sent as null, so the API applies its own defaults.
    present = {k: v for k, v in variables.items() if v is not None}
    document = {"query": op.document, "operationName": op.name, "variables": present}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _page(raw: dict[str, Any], model: type[M]) -> Page[M]:
    next_cursor = raw["next_cursor"]
    if next_cursor is not None and not isinstance(next_cursor, str):
        raise TypeError("next_cursor")
    return Page([model.model_validate(item) for item in raw["items"]], next_after=next_cursor)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected a boolean")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    logger.info("retrying a company API read after %s (attempt %d)", type(error).__name__, state.attempt_number)
