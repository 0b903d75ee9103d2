"""One Azure deployment on loopback: Entra-shaped issuer, managed-identity endpoint, App Configuration, ingestion,
and the company API (Entra service auth) over a seeded SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.azure.api_host import create_api_asgi
from adapters.azure.config import AzureApiSettings
from companydata.seed import seed_sqlite
from tests.adapters.azure.standins import AppConfigStandIn, IdentityStandIn, IngestionStandIn, ThreadedServer
from tests.auth.issuer import LocalIssuer

TENANT = "8d2a7c1e-0000-4000-8000-00000000aaaa"
MCP_AUDIENCE = "5b1f0e6c-0000-4000-8000-00000000bbbb"  # the MCP app registration's client id
API_CLIENT_ID = "9e3c2d4f-0000-4000-8000-00000000cccc"  # the API app registration's client id
MCP_IDENTITY_OID = "1a2b3c4d-0000-4000-8000-00000000dddd"  # the MCP app's managed identity (object id)
MCP_IDENTITY_CLIENT_ID = "7f6e5d4c-0000-4000-8000-00000000eeee"
HOST = "company-mcp-test.azurewebsites.net"
CURSOR_SECRET = "c" * 32


@dataclass
class AzureWorld:
    issuer: LocalIssuer
    identity: IdentityStandIn
    appconfig: AppConfigStandIn
    ingestion: IngestionStandIn
    api: ThreadedServer
    data_dir: Path

    @property
    def tenant_issuer(self) -> str:
        return self.issuer.issuer_for(f"{TENANT}/v2.0")

    def user_token(self, scp: str = "companies.read companies.write", **claims: Any) -> str:
        return self.issuer.mint(
            iss=self.tenant_issuer, aud=MCP_AUDIENCE, tid=TENANT, scp=scp, scope=None, sub="alice-sub", **claims
        )

    def env(self) -> dict[str, str]:
        """The app settings the stack sets on the MCP Function app, pointed at the stand-ins."""
        return {
            "COMPANY_MCP_ADAPTER": "azure",
            "COMPANY_MCP_AUTH": "oidc",
            "COMPANY_MCP_OIDC_PROFILE": "entra",
            "COMPANY_MCP_OIDC_ISSUER": self.tenant_issuer,
            "COMPANY_MCP_OIDC_AUDIENCE": MCP_AUDIENCE,
            "COMPANY_MCP_GRAPHQL_URL": f"{self.api.url}/graphql",
            "COMPANY_MCP_AZURE_API_SCOPE": f"api://{API_CLIENT_ID}/.default",
            "AZURE_CLIENT_ID": MCP_IDENTITY_CLIENT_ID,
            "COMPANY_MCP_AZURE_APPCONFIG_CONNECTION_STRING": self.appconfig.connection_string,
            "COMPANY_MCP_AZURE_FLAGS_REFRESH_S": "0",
            "APPLICATIONINSIGHTS_CONNECTION_STRING": self.ingestion.connection_string,
            "COMPANY_MCP_AZURE_MONITOR_AUTH": "key",
            "COMPANY_MCP_CURSOR_SECRET": CURSOR_SECRET,
            "COMPANY_MCP_DATA_DIR": str(self.data_dir),
            "IDENTITY_ENDPOINT": self.identity.endpoint,
            "IDENTITY_HEADER": IdentityStandIn.HEADER,
            "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
            "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
        }


@contextmanager
def azure_world(tmp: Path) -> Iterator[AzureWorld]:
    with ExitStack() as stack:
        issuer = stack.enter_context(LocalIssuer(audience=MCP_AUDIENCE))
        tenant_issuer = issuer.issuer_for(f"{TENANT}/v2.0")

        def identity_token(resource: str, client_id: str | None) -> str:
            assert resource == f"api://{API_CLIENT_ID}" and client_id == MCP_IDENTITY_CLIENT_ID
            # What Entra issues a managed identity for the API: v2, aud = the API's client id, no scopes.
            return issuer.mint(
                iss=tenant_issuer,
                aud=API_CLIENT_ID,
                tid=TENANT,
                sub=MCP_IDENTITY_OID,
                oid=MCP_IDENTITY_OID,
                azp=MCP_IDENTITY_CLIENT_ID,
                scope=None,
                ttl=3600,
            )

        identity = stack.enter_context(IdentityStandIn(identity_token))
        appconfig = stack.enter_context(AppConfigStandIn())
        ingestion = stack.enter_context(IngestionStandIn())
        store = tmp / "companies.sqlite"
        seed_sqlite(store, 50, progress=False)
        api_settings = AzureApiSettings(
            database_url=f"sqlite:{store}",
            entra_audience=API_CLIENT_ID,
            entra_allowed_oids=MCP_IDENTITY_OID,
            entra_issuer=tenant_issuer,
        )
        api = stack.enter_context(ThreadedServer([], app=create_api_asgi(api_settings), lifespan="on"))
        yield AzureWorld(issuer, identity, appconfig, ingestion, api, tmp)  # type: ignore[arg-type]
