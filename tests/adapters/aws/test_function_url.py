"""The MCP function reads its own Function URL at start (``lambda:GetFunctionUrlConfig``), against moto's server.

The first ``pulumi up`` deploys no resource URL: the function takes it from Lambda during init, so its
token audience, OAuth metadata and accepted host are the Function URL's, and no request's ``Host``
header can change them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapters.aws.config import AwsSettings
from adapters.aws.function_url import mcp_resource_url, own_function_url, with_resource_url
from core.config import Settings
from core.errors import ConfigError
from tests.adapters.aws.aws_support import FAKE_CREDENTIALS, REGION, aws_client, moto_server
from tests.adapters.aws.test_lambda_handler import function_url_event, payload, rpc
from tests.auth.issuer import LocalIssuer

FUNCTION = "company-mcp-dev-mcp"
BARE_FUNCTION = "company-mcp-dev-no-url"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(scope="module")
def function_url(moto: str) -> str:
    """A function with a Function URL (auth NONE, as the stack declares it) and one without; the URL."""
    iam, lambda_ = aws_client("iam", moto), aws_client("lambda", moto)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="company-mcp-dev-mcp", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for name in (FUNCTION, BARE_FUNCTION):
        lambda_.create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler", Code={"ZipFile": _zip()}
        )
    url: str = lambda_.create_function_url_config(FunctionName=FUNCTION, AuthType="NONE")["FunctionUrl"]
    return url


def aws(moto: str, function: str = FUNCTION) -> AwsSettings:
    return AwsSettings(region=REGION, resource_from_function_url=True, function_name=function, lambda_endpoint_url=moto)


@pytest.fixture
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_CREDENTIALS["aws_secret_access_key"])


def test_the_function_url_comes_from_lambda(moto: str, function_url: str, _fake_credentials: None) -> None:
    assert own_function_url(FUNCTION, region=REGION, endpoint_url=moto) == function_url
    settings = with_resource_url(Settings(adapter="aws"), aws(moto))
    assert settings.resource_url == mcp_resource_url(function_url) == f"https://{urlsplit(function_url).netloc}/mcp"


def test_a_configured_resource_url_wins_and_nothing_is_read() -> None:
    def must_not_read(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("read the Function URL although COMPANY_MCP_RESOURCE_URL is set")

    custom = Settings(resource_url="https://mcp.example.com/mcp")
    assert with_resource_url(custom, AwsSettings(resource_from_function_url=True), read=must_not_read) is custom
    plain = Settings()
    assert with_resource_url(plain, AwsSettings(resource_from_function_url=False), read=must_not_read) is plain


def test_a_function_without_a_url_fails_the_start_with_a_clear_error(
    moto: str, function_url: str, _fake_credentials: None
) -> None:
    with pytest.raises(ConfigError, match=r"ResourceNotFoundException.*lambda:GetFunctionUrlConfig"):
        with_resource_url(Settings(), aws(moto, BARE_FUNCTION))
    with pytest.raises(ConfigError, match="AWS_LAMBDA_FUNCTION_NAME"):
        with_resource_url(Settings(), AwsSettings(resource_from_function_url=True, function_name=None))


def test_inside_lambda_the_first_deployment_serves_its_own_url(moto: str, function_url: str, data_dir: Path) -> None:
    """A fresh interpreter with Lambda's environment and no resource URL: the init reads it from Lambda."""
    resource = mcp_resource_url(function_url)
    host = urlsplit(function_url).netloc
    with LocalIssuer(audience=resource) as issuer:
        token = issuer.mint(sub="dana", scope="companies:read")
        events = [
            function_url_event("GET", "/.well-known/oauth-protected-resource/mcp", headers={"host": host}),
            function_url_event(body=rpc("tools/list"), headers={"host": host, "authorization": f"Bearer {token}"}),
            # Whatever Host a client sends, the resource stays the Function URL: a foreign host is refused.
            function_url_event(
                body=rpc("tools/list"), headers={"host": "evil.example", "authorization": f"Bearer {token}"}
            ),
        ]
        script = (
            "import json, sys\n"
            "from adapters.aws import lambda_handler as m\n"
            "for event in json.load(sys.stdin):\n"
            "    print(json.dumps(m.handler(event, None)))\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPANY_MCP_", "AWS_"))}
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
                "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
                "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
                "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
                "COMPANY_MCP_ADAPTER": "fake",
                "COMPANY_MCP_DATA_DIR": str(data_dir),
                "COMPANY_MCP_AUTH": "oidc",
                "COMPANY_MCP_OIDC_ISSUER": issuer.issuer,
                "COMPANY_MCP_AWS_RESOURCE_FROM_FUNCTION_URL": "true",
                "COMPANY_MCP_AWS_LAMBDA_ENDPOINT_URL": moto,
            }
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(events),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    metadata, listed, foreign = (json.loads(line) for line in done.stdout.strip().splitlines()[-3:])
    assert metadata["statusCode"] == 200 and json.loads(metadata["body"])["resource"] == resource
    assert len(payload(listed)["tools"]) == 6
    assert foreign["statusCode"] in (403, 421)
