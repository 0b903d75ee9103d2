"""The company API's Functions entry, driven in-process with ``azure.functions.HttpRequest`` objects: it answers the
MCP identity's Entra token and refuses any other caller before a resolver runs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from adapters.azure.api_host import create_api_function_app
from adapters.azure.config import AzureApiSettings
from companydata.seed import seed_sqlite
from tests.adapters.azure.azure_support import API_CLIENT_ID, MCP_IDENTITY_OID, TENANT
from tests.auth.issuer import LocalIssuer

API_HOST = "company-api-test.azurewebsites.net"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[Any, LocalIssuer]]:
    store = tmp_path / "companies.sqlite"
    seed_sqlite(store, 20, progress=False)
    with LocalIssuer(audience=API_CLIENT_ID) as issuer:
        settings = AzureApiSettings(
            database_url=f"sqlite:{store}",
            entra_audience=API_CLIENT_ID,
            entra_allowed_oids=MCP_IDENTITY_OID,
            entra_issuer=issuer.issuer_for(f"{TENANT}/v2.0"),
            public_hosts=API_HOST,
        )
        app = create_api_function_app(settings)
        loop = asyncio.new_event_loop()
        (function,) = app.get_functions()
        handler = function.get_user_function()

        def post(body: Any, token: str | None, host: str = API_HOST) -> func.HttpResponse:
            headers = {"host": host, "content-type": "application/json"}
            if token:
                headers["authorization"] = f"Bearer {token}"
            request = func.HttpRequest(
                "POST", f"https://{host}/graphql", headers=headers, body=json.dumps(body).encode()
            )
            response: func.HttpResponse = loop.run_until_complete(handler(request, None))
            return response

        yield post, issuer
        if app.startup_task_done:
            loop.run_until_complete(app.middleware.notify_shutdown())
            app.startup_task_done = False
        loop.close()


def token(issuer: LocalIssuer, oid: str = MCP_IDENTITY_OID) -> str:
    return issuer.mint(
        iss=issuer.issuer_for(f"{TENANT}/v2.0"), aud=API_CLIENT_ID, tid=TENANT, sub=oid, oid=oid, scope=None
    )


QUERY = {"query": '{ get_company(company_id: "cmp_00000001") { id name } }'}


def test_the_mcp_identity_is_answered_and_others_are_refused(api: tuple[Any, LocalIssuer]) -> None:
    post, issuer = api
    answered = post(QUERY, token(issuer))
    assert answered.status_code == 200, answered.get_body()[:300]
    assert json.loads(answered.get_body())["data"]["get_company"]["id"] == "cmp_00000001"
    for refused in (None, token(issuer, oid="ffffffff-0000-4000-8000-000000000000")):
        response = post(QUERY, refused)
        assert response.status_code == 401
        assert json.loads(response.get_body())["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert post(QUERY, token(issuer), host="evil.example").status_code == 421
