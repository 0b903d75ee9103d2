"""The reference company API as a Starlette app: Ariadne's ASGI GraphQL at ``/graphql``.

HTTP behaviour of ``/graphql`` (POST only, ``application/json`` only), in the order checked:

- not POST: 405 (Starlette's, ``Allow: POST``);
- foreign ``Host``: 421, code MISDIRECTED_REQUEST; foreign ``Origin``: 403, code FORBIDDEN;
- body over 256 KiB: 413, ``errors[0].extensions.code`` PAYLOAD_TOO_LARGE;
- calling service not verified by the ``ServiceAuth``: 401, code UNAUTHENTICATED; nothing runs;
- not ``application/json``: 415, code VALIDATION;
- body not JSON, or not a GraphQL request object: 400, code VALIDATION;
- a mutation from an unsigned loopback reader (``unsigned_loopback_reads``): 401, UNAUTHENTICATED;
- syntax error, invalid against the SDL, bad variable values, over the query limits: 400,
  ``{"errors": [...]}`` with code VALIDATION and no data;
- executed, with or without errors: 200, ``{"data": ..., "errors": [...]}`` with codes
  NOT_FOUND, VALIDATION (+ field), FORBIDDEN, INTERNAL.

The 200/400 split is the GraphQL-over-HTTP rule: 400 when the request could not be executed
at all, 200 once execution started, even when a failed non-null root field made ``data`` null
(Ariadne's own default answers 400 whenever ``data`` is null).

``/healthz`` says the process is up; ``/readyz`` says the store answers (``backend.ping``).
The app owns the backend: its lifespan opens it (when it has ``open``) and closes it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from ariadne.asgi import GraphQL
from ariadne.asgi.handlers import GraphQLHTTPHandler
from ariadne.exceptions import HttpBadRequestError
from graphql import GraphQLError, OperationDefinitionNode, OperationType
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from companydata.api.document_cache import CachedDocuments
from companydata.api.gate import MAX_BODY_BYTES, SERVICE_VERIFIED, ServiceGate, host_rules
from companydata.api.graphql_errors import format_error, quiet_logger
from companydata.api.identity import PRINCIPAL_HEADER, ServiceAuth
from companydata.api.limits import QueryLimits, parse_query
from companydata.api.schema import RequestContext, build_schema
from companydata.api.stores import open_store
from core.readiness import Readiness

if TYPE_CHECKING:
    from core.ports import Backend


class CompanyHTTPHandler(GraphQLHTTPHandler):
    """Ariadne's HTTP handler, narrowed: POST with a JSON body only, our context and our status rule."""

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self._backend = backend

    async def handle_request(self, request: Request) -> Response:
        if request.method != "POST":  # no explorer page, no GET queries
            return Response(status_code=HTTPStatus.METHOD_NOT_ALLOWED, headers={"Allow": "POST"})
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _request_error("The request body must be application/json.", HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        try:
            data = await self.extract_data_from_json_request(request)
        except HttpBadRequestError as error:
            return _request_error(error.message or "Bad request.", HTTPStatus.BAD_REQUEST)
        if request.scope.get(SERVICE_VERIFIED) is not True and not _only_queries(data):
            message = "Writes need a verified calling service: sign the request."
            payload = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
            return JSONResponse(payload, status_code=HTTPStatus.UNAUTHORIZED)
        success, result = await self.execute_graphql_query(request, data)
        return await self.create_json_response(request, result, success)

    async def extract_data_from_json_request(self, request: Request) -> Any:
        try:
            return json.loads(await request.body())
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
            raise HttpBadRequestError("The request body is not valid JSON.") from exc

    async def get_context_for_request(self, request: Any, data: dict[str, Any]) -> RequestContext:
        return RequestContext(backend=self._backend, principal=request.headers.get(PRINCIPAL_HEADER))

    async def create_json_response(self, request: Request, result: dict[str, Any], success: bool) -> Response:
        return JSONResponse(result, status_code=HTTPStatus.BAD_REQUEST if _not_executed(result) else HTTPStatus.OK)


def _only_queries(data: Any) -> bool:
    """True when every operation in the request's document is a query (anything unreadable is not)."""
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        return False
    try:
        document = parse_query(None, data)  # the same token and nesting limits as execution
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return bool(operations) and all(op.operation is OperationType.QUERY for op in operations)


def _not_executed(result: dict[str, Any]) -> bool:
    """A request error: no ``data`` at all, or null ``data`` with only path-less errors (variable coercion)."""
    if "data" not in result:
        return True
    errors = result.get("errors") or []
    return result["data"] is None and bool(errors) and all("path" not in error for error in errors)


def _request_error(message: str, status: HTTPStatus) -> Response:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": "VALIDATION"}}]}, status_code=status)


def create_api_app(
    backend: Backend,
    *,
    service_auth: ServiceAuth,
    debug: bool = False,
    max_body_bytes: int = MAX_BODY_BYTES,
    bind_host: str = "127.0.0.1",
    public_hosts: tuple[str, ...] = (),
    unsigned_loopback_reads: bool = False,
) -> Starlette:
    """The company API over ``backend``; ``service_auth`` decides which callers may use ``/graphql``, and
    ``bind_host`` / ``public_hosts`` which ``Host`` values it answers (see ``gate``)."""
    documents = CachedDocuments()  # the adapter sends the same few documents: parse and validate each once
    graphql_app = GraphQL(
        build_schema(),
        query_parser=documents.parse,
        query_validator=documents.validate,
        validation_rules=[QueryLimits],
        introspection=True,
        debug=debug,
        logger=quiet_logger(),
        error_formatter=format_error,
        http_handler=CompanyHTTPHandler(backend),
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    store_readiness = Readiness({"store": backend.ping})  # cached briefly, as the MCP server's

    async def readyz(_: Request) -> Response:
        store = (await store_readiness.checks())["store"]
        if store != "ok":
            return JSONResponse({"status": "not_ready", "store": store}, status_code=503)
        return JSONResponse({"status": "ready", "store": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        opener = getattr(backend, "open", None)  # not in the Backend protocol; stores that have it open eagerly
        if opener is not None:
            await opener()
        try:
            yield
        finally:
            await backend.aclose()

    routes = [
        Route(
            "/graphql",
            ServiceGate(
                graphql_app,
                service_auth,
                hosts=host_rules(bind_host, public_hosts),
                max_body_bytes=max_body_bytes,
                unsigned_loopback_reads=unsigned_loopback_reads,
            ),
            methods=["POST"],
        ),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    return Starlette(debug=debug, routes=routes, lifespan=lifespan)


def create_api_app_from_store(store_spec: str, *, service_auth: ServiceAuth, debug: bool = False) -> Starlette:
    """The company API over the store ``store_spec`` names (see ``stores.open_store``)."""
    return create_api_app(open_store(store_spec), service_auth=service_auth, debug=debug)
