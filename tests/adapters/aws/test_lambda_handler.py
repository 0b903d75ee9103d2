"""The MCP server as a Lambda function behind a Function URL, invoked in-process with payload-format-2.0 events.

Tokens come from the local OIDC issuer (real HTTP on loopback): generic OIDC access tokens, and
tokens shaped like Cognito's client-credentials access tokens (``client_id``, ``token_use=access``,
no ``aud``, scopes prefixed with the resource server's identifier).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from mangum.types import LambdaContext

from adapters.aws import lambda_handler
from adapters.aws.config import AwsSettings
from adapters.aws.lambda_handler import LambdaApp, create_lambda_app
from adapters.aws.main import build_aws_runtime
from adapters.bootstrap import token_auth
from companydata.sqlite_store import SqliteStore
from core.config import Settings
from tests.adapters.aws.aws_support import REGION
from tests.auth.issuer import LocalIssuer

DOMAIN = "abcdefghijklmnop.lambda-url.eu-west-1.on.aws"
RESOURCE = f"https://{DOMAIN}/mcp"
SCOPE_PREFIX = "https://api.company.example/"
CLIENT_ID = "4hk3cognitoclient"
CURSOR_SECRET = "c" * 32


@pytest.fixture(scope="module")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer(audience=RESOURCE) as local:
        yield local


def function_url_event(
    method: str = "POST", path: str = "/mcp", body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A Lambda Function URL request (payload format version 2.0), as AWS documents it."""
    raw = json.dumps(body).encode() if body is not None else b""
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "host": DOMAIN,
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "x-forwarded-proto": "https",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "user-agent": "pytest",
            **(headers or {}),
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": DOMAIN.split(".")[0],
            "domainName": DOMAIN,
            "domainPrefix": DOMAIN.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "pytest",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(raw).decode() if raw else "",
        "isBase64Encoded": bool(raw),
    }


class _ContextStub:
    function_name = "company-mcp"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def lambda_context() -> LambdaContext:
    return cast(LambdaContext, _ContextStub())


def rpc(method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}


def invoke(
    app: Any, body: Any = None, *, token: str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    extra = {"authorization": f"Bearer {token}"} if token else {}
    result: dict[str, Any] = app(function_url_event(body=body, headers={**extra, **(headers or {})}), lambda_context())
    return result


def payload(response: dict[str, Any]) -> dict[str, Any]:
    assert response["statusCode"] == 200, response
    body = response["body"]
    text = base64.b64decode(body).decode() if response.get("isBase64Encoded") else body
    data: dict[str, Any] = json.loads(text)
    assert "error" not in data, data
    return data["result"]  # type: ignore[no-any-return]


def tool_names(app: Any, token: str) -> set[str]:
    return {tool["name"] for tool in payload(invoke(app, rpc("tools/list"), token=token))["tools"]}


def call_tool(app: Any, token: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return payload(invoke(app, rpc("tools/call", {"name": name, "arguments": arguments}), token=token))


def dispose(app: LambdaApp) -> None:
    """Shut the app down and close its loop (a container just ends; tests must not leak loops)."""
    app.close()
    app.loop.close()
    asyncio.set_event_loop(None)


def oidc_settings(data_dir: Path, issuer: LocalIssuer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "adapter": "fake",
        "data_dir": data_dir,
        "auth": "oidc",
        "oidc_issuer": issuer.issuer,
        "resource_url": RESOURCE,
        "discovery_delay_s": 0.5,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def generic_app(data_dir: Path, issuer: LocalIssuer) -> Iterator[LambdaApp]:
    app = create_lambda_app(oidc_settings(data_dir, issuer))
    yield app
    dispose(app)


def test_tools_list_and_a_read_call_with_a_valid_token(generic_app: LambdaApp, issuer: LocalIssuer) -> None:
    token = issuer.mint(sub="alice", scope="companies:read")
    assert len(tool_names(generic_app, token)) == 6  # the read tools: tools/list follows the token's scopes
    result = call_tool(generic_app, token, "search_companies", {"limit": 2})
    assert result["isError"] is False and len(result["structuredContent"]["items"]) == 2
    # A second and third invocation on the same container: the lifespan runs once, not per event.
    assert call_tool(generic_app, token, "get_company", {"company_id": result["structuredContent"]["items"][0]["id"]})
    assert len(tool_names(generic_app, token)) == 6


def test_no_token_or_a_bad_token_is_401_with_www_authenticate(generic_app: LambdaApp, issuer: LocalIssuer) -> None:
    for token in (None, "not-a-jwt", issuer.mint(aud="https://someone-else.example/mcp")):
        response = invoke(generic_app, rpc("tools/list"), token=token)
        assert response["statusCode"] == 401
        challenge = response["headers"]["www-authenticate"]
        assert challenge.startswith("Bearer ") and f"{DOMAIN}/.well-known/oauth-protected-resource/mcp" in challenge
    metadata = generic_app(function_url_event("GET", "/.well-known/oauth-protected-resource/mcp"), lambda_context())
    assert metadata["statusCode"] == 200 and json.loads(metadata["body"])["resource"] == RESOURCE


def test_health_is_open_and_a_foreign_host_is_refused(generic_app: LambdaApp, issuer: LocalIssuer) -> None:
    health = generic_app(function_url_event("GET", "/healthz"), lambda_context())
    assert (health["statusCode"], json.loads(health["body"])) == (200, {"status": "ok"})
    token = issuer.mint(sub="alice", scope="companies:read")
    foreign = invoke(generic_app, rpc("tools/list"), token=token, headers={"host": "evil.example"})
    assert foreign["statusCode"] in (403, 421)


def test_the_module_handler_builds_once_from_the_environment(
    data_dir: Path, issuer: LocalIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "COMPANY_MCP_ADAPTER": "fake",
        "COMPANY_MCP_DATA_DIR": str(data_dir),
        "COMPANY_MCP_AUTH": "oidc",
        "COMPANY_MCP_OIDC_ISSUER": issuer.issuer,
        "COMPANY_MCP_RESOURCE_URL": RESOURCE,
        "COMPANY_MCP_LOG_FORMAT": "json",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(lambda_handler, "_app", None)
    token = issuer.mint(sub="bob", scope="companies:read companies:write")
    try:
        assert len(tool_names(lambda_handler.handler, token)) == 9
        first = lambda_handler._app
        assert call_tool(lambda_handler.handler, token, "list_collections", {})["isError"] is False
        assert lambda_handler._app is first
    finally:
        if lambda_handler._app is not None:
            dispose(lambda_handler._app)


def test_inside_lambda_the_app_is_built_and_started_during_init(data_dir: Path, issuer: LocalIssuer) -> None:
    """A fresh interpreter with Lambda's environment: importing the handler module builds and starts the app."""
    token = issuer.mint(sub="carol", scope="companies:read")
    script = (
        "import json, sys\n"
        "from adapters.aws import lambda_handler as m\n"
        "assert m._app is not None and m._app._lifespan is not None, 'not built during init'\n"
        "event = json.load(sys.stdin)\n"
        "print(json.dumps(m.handler(event, None)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANY_MCP_")}
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": "company-mcp",
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
            "COMPANY_MCP_ADAPTER": "fake",
            "COMPANY_MCP_DATA_DIR": str(data_dir),
            "COMPANY_MCP_AUTH": "oidc",
            "COMPANY_MCP_OIDC_ISSUER": issuer.issuer,
            "COMPANY_MCP_RESOURCE_URL": RESOURCE,
        }
    )
    event = function_url_event(body=rpc("tools/list"), headers={"authorization": f"Bearer {token}"})
    done = subprocess.run(
        [sys.executable, "-c", script], input=json.dumps(event), env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    response = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(payload(response)["tools"]) == 6


# -- Cognito-shaped tokens through the AWS composition root ------------------------------------------


@pytest.fixture
def cognito_app(data_dir: Path, issuer: LocalIssuer) -> Iterator[LambdaApp]:
    settings = oidc_settings(
        data_dir,
        issuer,
        adapter="aws",
        oidc_profile="cognito",
        oidc_client_ids=CLIENT_ID,
        oidc_scope_prefix=SCOPE_PREFIX,
        graphql_url="https://example.appsync-api.eu-west-1.amazonaws.com/graphql",
        cursor_secret=CURSOR_SECRET,
    )
    runtime = build_aws_runtime(settings, AwsSettings(region=REGION, appconfig_url="http://127.0.0.1:9"))
    runtime = dataclasses.replace(runtime, token_auth=token_auth(settings))  # as the composition root does
    assert runtime.token_auth is not None and runtime.token_auth.issuer == issuer.issuer
    # The AppSync backend is swapped for the local store: this test is about tokens, not the API.
    store = SqliteStore(data_dir / "companies.sqlite", discovery_delay_s=0.5)
    graphql_backend = runtime.ports.backend

    async def close() -> None:
        await graphql_backend.aclose()
        await store.aclose()

    runtime = dataclasses.replace(runtime, ports=dataclasses.replace(runtime.ports, backend=store), close=close)
    app = create_lambda_app(settings, runtime)
    yield app
    dispose(app)


def cognito_token(issuer: LocalIssuer, **claims: Any) -> str:
    """A Cognito client-credentials access token: no ``aud``, ``client_id``, ``token_use``, prefixed scopes."""
    values: dict[str, Any] = {
        "sub": CLIENT_ID,
        "aud": None,
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": f"{SCOPE_PREFIX}companies:read",
        "version": 2,
        **claims,
    }
    return issuer.mint(**values)


def test_cognito_access_tokens_grant_their_prefixed_scopes(cognito_app: LambdaApp, issuer: LocalIssuer) -> None:
    reader = cognito_token(issuer)
    assert len(tool_names(cognito_app, reader)) == 6
    assert call_tool(cognito_app, reader, "search_companies", {"limit": 1})["isError"] is False

    writer = cognito_token(issuer, scope=f"{SCOPE_PREFIX}companies:read {SCOPE_PREFIX}companies:write")
    assert len(tool_names(cognito_app, writer)) == 9
    refused = call_tool(cognito_app, writer, "create_collection", {"name": "Leads"})
    # The write scope is there; the AppConfig agent is not (nothing listens): fail closed.
    assert refused["isError"] is True
    assert refused["structuredContent"]["error"] == {
        "type": "mutations_disabled",
        "message": refused["structuredContent"]["error"]["message"],
        "reason": "flags_unavailable",
    }


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"client_id": "another-app-client"}, id="wrong-client-id"),
        pytest.param({"token_use": "id", "aud": CLIENT_ID, "client_id": None}, id="id-token"),
        pytest.param({"token_use": None}, id="no-token-use"),
        pytest.param({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other"}, id="other-pool"),
    ],
)
def test_other_cognito_tokens_are_refused(cognito_app: LambdaApp, issuer: LocalIssuer, claims: dict[str, Any]) -> None:
    response = invoke(cognito_app, rpc("tools/list"), token=cognito_token(issuer, **claims))
    assert response["statusCode"] == 401 and "www-authenticate" in response["headers"]


def test_cognito_scopes_without_the_resource_server_prefix_grant_nothing(
    cognito_app: LambdaApp, issuer: LocalIssuer
) -> None:
    token = cognito_token(issuer, scope="companies:read companies:write")
    assert tool_names(cognito_app, token) == set()
    result = call_tool(cognito_app, token, "search_companies", {"limit": 1})
    assert result["isError"] is True and result["structuredContent"]["error"]["type"] == "forbidden"
