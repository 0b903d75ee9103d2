"""The company API on Azure Functions: ``companydata.api.server.create_api_app`` in one ``AsgiFunctionApp``.

Who may call: ``EntraServiceAuth`` (the MCP app's managed-identity token, verified here: the
API registration's client id as audience, the tenant's v2 issuer, the identity's ``oid``
allow-listed). The store: PostgreSQL Flexible Server with Entra authentication, where each new
connection's password is an Entra token of this app's identity (scope
``https://ossrdbms-aad.database.windows.net/.default``; tokens expire, so it is asked for per
connection, and azure-identity caches it), or a SQLite file for a trial.
"""

from __future__ import annotations

import anyio.to_thread
import azure.functions as func
from azure.core.credentials import TokenCredential
from starlette.applications import Starlette

from adapters.azure.config import POSTGRES_ENTRA_SCOPE, AzureApiSettings
from companydata.api.entra_auth import EntraServiceAuth
from companydata.api.server import create_api_app
from companydata.api.stores import open_store, store_kind
from companydata.postgres_pool import PasswordProvider
from core.errors import BackendUnavailable, ConfigError
from core.ports import Backend


def entra_db_password(credential: TokenCredential, scope: str = POSTGRES_ENTRA_SCOPE) -> PasswordProvider:
    """An async password provider for ``PostgresPool``: a fresh-enough Entra token per new connection."""
    from azure.core.exceptions import AzureError

    async def password() -> str:
        try:
            token = await anyio.to_thread.run_sync(credential.get_token, scope, abandon_on_cancel=True)
        except AzureError as exc:  # never azure-identity's text (it lists every credential it tried)
            raise BackendUnavailable("The store's Entra token could not be obtained.") from exc
        return token.token

    return password


def api_store(settings: AzureApiSettings, credential: TokenCredential | None = None) -> Backend:
    if not settings.database_url:
        raise ConfigError("the company API needs COMPANY_API_DATABASE_URL (postgresql://... or sqlite:<path>)")
    if store_kind(settings.database_url) != "postgresql" or not settings.db_entra_auth:
        if store_kind(settings.database_url) == "postgresql":
            from companydata.postgres_store import PostgresStore

            return PostgresStore(settings.database_url, schema=settings.db_schema, migrate=settings.db_migrate)
        return open_store(settings.database_url)
    from azure.identity import DefaultAzureCredential

    from companydata.postgres_store import PostgresStore

    identity = credential or DefaultAzureCredential(managed_identity_client_id=settings.client_id)
    return PostgresStore(
        settings.database_url,
        schema=settings.db_schema,
        migrate=settings.db_migrate,
        password=entra_db_password(identity),
    )


def service_auth(settings: AzureApiSettings) -> EntraServiceAuth:
    if not settings.entra_audience:
        raise ConfigError("the company API needs COMPANY_API_ENTRA_AUDIENCE (its app registration's client id)")
    if not settings.split(settings.entra_allowed_oids):
        raise ConfigError("COMPANY_API_ENTRA_ALLOWED_OIDS is empty: no caller could use the API")
    return EntraServiceAuth.for_tenant(
        tenant_id=settings.entra_tenant_id,
        audience=settings.entra_audience,
        allowed_oids=settings.split(settings.entra_allowed_oids),
        issuer=settings.entra_issuer,
    )


def create_api_asgi(settings: AzureApiSettings, *, credential: TokenCredential | None = None) -> Starlette:
    return create_api_app(
        api_store(settings, credential),
        service_auth=service_auth(settings),
        public_hosts=settings.split(settings.public_hosts),
    )


def create_api_function_app(
    settings: AzureApiSettings | None = None, *, credential: TokenCredential | None = None
) -> func.AsgiFunctionApp:
    asgi = create_api_asgi(settings or AzureApiSettings(), credential=credential)
    return func.AsgiFunctionApp(app=asgi, http_auth_level=func.AuthLevel.ANONYMOUS, function_name="company_api")
