"""The model-backed ai_search interpreters against local stand-ins of Bedrock, Azure OpenAI and Vertex AI."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from azure.core.credentials import AccessToken
from botocore.credentials import Credentials as AwsCredentials
from google.auth.credentials import Credentials as GoogleCredentials

from adapters.aws.bedrock_interpreter import BedrockConverseClient
from adapters.azure.openai_interpreter import AzureOpenAIChatClient
from adapters.gcp.vertex_interpreter import GoogleAccessToken, VertexGeminiClient
from core.interpretation import filter_schema
from core.interpreters import FallbackInterpreter, ModelClient
from tests.adapters.model_standin import ACCESS_KEY, BEARER, REGION, SECRET_KEY, ModelStandIn, serving

pytestmark = pytest.mark.anyio

ANSWER = {
    "query": None,
    "industries": ["Financial Technology", "Insurance"],
    "countries": ["fr", "ES"],
    "cities": [],
    "exclude_countries": [],
    "min_employees": None,
    "max_employees": 200,
    "founded_after": 2015,
    "founded_before": None,
}
PROMPT = "fintech or insurtech startups in France or Spain founded after 2015"


class CloudIdentity:
    """The managed identity's token (what azure-identity's credential returns on the server)."""

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        assert scopes == ("https://cognitiveservices.azure.com/.default",)
        return AccessToken(BEARER, int(time.time()) + 3600)


class ServiceAccount(GoogleCredentials):
    """The service account's access token (what the metadata server hands out on Cloud Run)."""

    def refresh(self, request: Any) -> None:
        self.token = BEARER
        self.expiry = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)


def bedrock(url: str, provider: Callable[[], AwsCredentials | None] | None = None) -> ModelClient:
    return BedrockConverseClient(
        region=REGION,
        model_id="anthropic.claude-3-haiku-20240307-v1:0",
        endpoint_url=url,
        credentials_provider=provider or (lambda: AwsCredentials(ACCESS_KEY, SECRET_KEY)),
    )


def azure(url: str) -> ModelClient:
    return AzureOpenAIChatClient(
        endpoint=url, deployment="gpt-4o-mini", api_version="2024-10-21", credential=CloudIdentity()
    )


def vertex(url: str) -> ModelClient:
    token = GoogleAccessToken(credentials=ServiceAccount(), request=object())  # type: ignore[arg-type]
    return VertexGeminiClient(
        project="acme", location="europe-west1", model="gemini-2.0-flash-001", endpoint_url=url, token=token
    )


CLIENTS = {"bedrock": bedrock, "azure_openai": azure, "vertex": vertex}


@pytest.fixture
def standin() -> Iterator[tuple[ModelStandIn, str]]:
    model = ModelStandIn(answer=ANSWER)
    with serving(model) as url:
        yield model, url


def interpreter(name: str, url: str, timeout_s: float = 2.0) -> FallbackInterpreter:
    return FallbackInterpreter(CLIENTS[name](url), timeout_s=timeout_s, reference_year=lambda: 2026)


@pytest.mark.parametrize("name", list(CLIENTS))
async def test_the_models_answer_is_validated_and_used(name: str, standin: tuple[ModelStandIn, str]) -> None:
    model, url = standin
    reader = interpreter(name, url)
    with anyio.fail_after(10):
        parsed = await reader.interpret(PROMPT)
    await reader.aclose()
    assert (parsed.interpreter, parsed.fallback) == (name, None)
    assert parsed.industries == ("Financial Technology", "Insurance") and parsed.countries == ("FR", "ES")
    assert (parsed.max_employees, parsed.founded_after) == (200, 2015)
    assert model.refused == [] and len(model.seen) == 1
    body = model.seen[0].body
    assert PROMPT in str(body) and "2026" in str(body)  # the prompt as data, the reference year in the system text
    assert str(filter_schema()["required"]) in str(body) or "responseSchema" in str(body["generationConfig"])


@pytest.mark.parametrize("name", list(CLIENTS))
@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("throttle", "rate_limited"),
        ("refuse", "refused"),
        ("off_schema", "invalid_output"),
        ("not_json", "invalid_output"),
        ("error", "unavailable"),
        ("slow", "timeout"),
    ],
)
async def test_the_rules_answer_when_the_model_cannot(
    name: str, behaviour: str, reason: str, standin: tuple[ModelStandIn, str]
) -> None:
    model, url = standin
    model.behaviour = behaviour
    if name == "bedrock" and behaviour == "not_json":
        model.behaviour = "off_schema"  # a tool's input is always JSON on Converse: off-schema is its invalid output
    reader = interpreter(name, url, timeout_s=0.3)
    with anyio.fail_after(10):
        parsed = await reader.interpret("fintech in Berlin with over 1k staff")
    await reader.aclose()
    assert (parsed.interpreter, parsed.fallback) == ("rules", reason)
    assert parsed.understood() == {
        "industry": "Financial Technology",
        "country": "DE",
        "city": "Berlin",
        "min_employees": 1001,
    }


@pytest.mark.parametrize("name", list(CLIENTS))
async def test_a_throttled_model_is_left_alone_for_the_time_it_asks(
    name: str, standin: tuple[ModelStandIn, str]
) -> None:
    model, url = standin
    model.behaviour = "throttle"
    reader = interpreter(name, url)
    with anyio.fail_after(10):
        first = await reader.interpret("fintech")
        model.behaviour = "answer"
        second = await reader.interpret("fintech")
    await reader.aclose()
    assert first.fallback == second.fallback == "rate_limited"
    assert len(model.seen) == 1, "the second call did not reach the throttled service"


async def test_bedrock_without_role_credentials_falls_back(standin: tuple[ModelStandIn, str]) -> None:
    model, url = standin
    reader = FallbackInterpreter(bedrock(url, provider=lambda: None), timeout_s=2.0)
    with anyio.fail_after(10):
        parsed = await reader.interpret("fintech")
    await reader.aclose()
    assert (parsed.interpreter, parsed.fallback) == ("rules", "unavailable") and model.seen == []


async def test_bedrock_requests_are_signed_for_bedrock_with_the_role(standin: tuple[ModelStandIn, str]) -> None:
    model, url = standin
    reader = interpreter("bedrock", url)
    with anyio.fail_after(10):
        await reader.interpret("fintech")
    await reader.aclose()
    (seen,) = model.seen
    assert seen.path == "/model/anthropic.claude-3-haiku-20240307-v1:0/converse"
    assert (
        f"Credential={ACCESS_KEY}/" in seen.headers["authorization"]
        and "/bedrock/aws4_request" in seen.headers["authorization"]
    )
    assert seen.body["toolConfig"]["toolChoice"] == {"tool": {"name": "company_filters"}}
