"""The company API on AWS: the AppSync Lambda resolver of every Query and Mutation field, ``handler(event, context)``.

AppSync executes the schema (``companydata/api/schema.graphql``); this function resolves each root
field by handing the event to ``companydata.api.dispatch`` (the same code the reference server
runs) over a ``PostgresStore`` built once per container. The event is AppSync's direct-resolver
context: ``info.fieldName``, ``arguments``, ``request.headers["x-company-principal"]`` (the end
user, set by the MCP server) and ``identity`` (the IAM caller AppSync verified), plus the origin proof that
AppSync's request handler adds (``appsync_origin.py``): an event without it is refused FORBIDDEN before
anything runs, so a direct ``lambda:Invoke`` cannot act as any user.

Errors. A Lambda that raises reaches the client as ``errorType: "Lambda:Unhandled"``, which would
lose the API's codes. So failures are *returned* as ``{"errorType": <extensions.code>,
"errorMessage": ..., "errorInfo": {"field": ...}}`` and the resolver's response handler raises
them (``appsync_origin.resolver_code``: attach it to each root field's resolver, runtime
APPSYNC_JS 1.0.0, over this function's Lambda data source). Success results never have an
``errorType`` member. Unexpected exceptions are logged here and answered as INTERNAL without text.

Database credentials never sit in plain environment variables: on AWS ``COMPANY_API_DB_SECRET_ARN``
names a Secrets Manager secret, read once per container (the RDS-managed JSON shape with
``username``/``password`` and optionally ``host``/``port``/``dbname``, or a plain DSN);
``COMPANY_API_DATABASE_URL`` is for local runs and tests.

The handler keeps one event loop per container: the store's connection pool belongs to it and is
reused across invocations (Lambda freezes the process between them).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from adapters.aws.appsync_origin import AppSyncOrigin
from adapters.aws.config import ResolverSettings, read_secret
from companydata.api.dispatch import resolve_appsync_event
from companydata.api.errors import ApiError, from_exception

if TYPE_CHECKING:
    from core.ports import Backend

log = logging.getLogger("companydata.api.appsync")

StoreFactory = Callable[[], "Backend"]


def appsync_error(error: ApiError) -> dict[str, Any]:
    """The returned error shape the response handler turns into a GraphQL error."""
    body: dict[str, Any] = {"errorType": error.code, "errorMessage": error.message}
    if error.field is not None:
        body["errorInfo"] = {"field": error.field}
    return body


def appsync_datetime(value: datetime) -> str:
    """AWSDateTime as the reference server writes it: UTC, ``Z``, milliseconds only when there are any."""
    if value.tzinfo is None:
        raise ValueError("AWSDateTime needs a time zone")
    text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{value.microsecond // 1000:03d}Z" if value.microsecond else "Z")


def json_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """The resolver's dict as JSON values (the Lambda runtime serializes the answer; datetimes are AWSDateTime)."""

    def default(value: object) -> str:
        if isinstance(value, datetime):
            return appsync_datetime(value)
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    safe: dict[str, Any] = json.loads(json.dumps(result, default=default, allow_nan=False))
    return safe


def caller_arn(event: Mapping[str, Any]) -> str | None:
    identity = event.get("identity")
    arn = identity.get("userArn") if isinstance(identity, Mapping) else None
    return arn if isinstance(arn, str) and arn else None


def check_caller(event: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """With an allow-list, only those IAM principals (ARN prefixes) may call: defence in depth behind AppSync IAM."""
    if not allowed:
        return
    arn = caller_arn(event)
    if arn is None or not any(arn.startswith(prefix) for prefix in allowed):
        raise ApiError("FORBIDDEN", "This caller may not use the company API.")


def database_url(settings: ResolverSettings, *, read: Callable[[str], str | bytes] | None = None) -> str:
    """The store's DSN: ``COMPANY_API_DATABASE_URL`` (local), else built from the Secrets Manager secret."""
    if settings.database_url:
        return settings.database_url
    if not settings.db_secret_arn:
        raise ValueError("set COMPANY_API_DB_SECRET_ARN (on AWS) or COMPANY_API_DATABASE_URL (local runs)")
    reader = read or (lambda arn: read_secret(arn, region=settings.region, endpoint_url=settings.secrets_endpoint_url))
    secret = reader(settings.db_secret_arn)
    text = secret.decode() if isinstance(secret, bytes) else secret
    if text.startswith(("postgresql://", "postgres://")):
        return text
    try:
        values = json.loads(text)
    except ValueError:
        raise ValueError("the database secret is neither a DSN nor JSON") from None
    if not isinstance(values, dict) or not values.get("username") or not values.get("password"):
        raise ValueError("the database secret must hold at least username and password")
    host = values.get("host") or settings.db_host
    if not host:
        raise ValueError("the database host is in neither the secret nor COMPANY_API_DB_HOST")
    port = values.get("port") or settings.db_port
    name = values.get("dbname") or settings.db_name
    user, password = quote(str(values["username"]), safe=""), quote(str(values["password"]), safe="")
    return f"postgresql://{user}:{password}@{host}:{port}/{quote(str(name), safe='')}?sslmode={settings.db_sslmode}"


def postgres_store_factory(settings: ResolverSettings) -> StoreFactory:
    def build() -> Backend:
        from companydata.postgres_store import PostgresStore

        store: Backend = PostgresStore(database_url(settings), schema=settings.db_schema)
        return store

    return build


class AppSyncResolver:
    """Resolves AppSync events over one store and one event loop, both made on first use (per container)."""

    def __init__(
        self, store_factory: StoreFactory, *, origin: AppSyncOrigin, allowed_callers: Sequence[str] = ()
    ) -> None:
        self._store_factory = store_factory
        self._origin = origin
        self._allowed = tuple(allowed_callers)
        self._store: Backend | None = None
        self._opened = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def __call__(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self.resolve(event))

    async def resolve(self, event: Mapping[str, Any]) -> dict[str, Any]:
        info = event.get("info")
        field = str(info.get("fieldName") or "?") if isinstance(info, Mapping) else "?"
        try:
            self._origin.check(event)  # first: a forged event reaches neither the store nor the dispatcher
            check_caller(event, self._allowed)
            store = await self._opened_store()
            return json_result(await resolve_appsync_event(event, store))
        except ApiError as error:
            return appsync_error(error)
        except Exception as exc:  # the store could not be built or opened, or a bug: INTERNAL, logged, no text
            return appsync_error(from_exception(exc, operation=field))

    async def _opened_store(self) -> Backend:
        if self._store is None:
            self._store = self._store_factory()  # once per container: its pool is reused by every invocation
        if not self._opened:
            opener = getattr(self._store, "open", None)  # not in the Backend protocol; stores that have it open
            if opener is not None:
                await opener()  # a failure is answered INTERNAL; the next invocation tries again
            self._opened = True
        return self._store

    def close(self) -> None:
        """Close the store and the loop (tests; a container just ends)."""
        if self._loop is not None and not self._loop.is_closed():
            if self._store is not None:
                self._loop.run_until_complete(self._store.aclose())
            self._loop.close()
        self._store, self._opened = None, False


_resolver: AppSyncResolver | None = None


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point: ``adapters.aws.resolver_handler.handler``."""
    global _resolver
    if _resolver is None:
        settings = ResolverSettings()
        _resolver = AppSyncResolver(
            postgres_store_factory(settings),
            origin=AppSyncOrigin(settings.origin_proof_sha256),
            allowed_callers=settings.allowed_caller_list(),
        )
    return _resolver(event, context)
