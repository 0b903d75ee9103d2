"""``VertexGeminiClient``: ai_search prompts read by Gemini on Vertex AI (generateContent, response schema).

``POST https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/
google/models/{model}:generateContent`` with ``generationConfig.responseMimeType: application/json`` and
``responseSchema`` (the filter schema of ``core.interpretation``, in Vertex's OpenAPI subset). The bearer
token is an OAuth access token of the service's own service account (google-auth's default credentials:
the metadata server on Cloud Run), scope ``cloud-platform``; never the MCP client's token. The service
account needs ``roles/aiplatform.user`` on the project. Answers map onto ``core.interpreters``:

- 429 / ``RESOURCE_EXHAUSTED`` -> throttled;
- ``promptFeedback.blockReason``, or a candidate stopped for ``SAFETY``, ``PROHIBITED_CONTENT``,
  ``BLOCKLIST``, ``SPII``, ``RECITATION`` or ``MODEL_ARMOR`` -> refused;
- text that is not JSON -> invalid output; any other error -> unavailable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any

import anyio.to_thread
import httpx
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.auth.transport import Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.graphql.bearer import DEFAULT_MARGIN_S, CachedBearerToken, Token
from core.config import Settings
from core.errors import ConfigError
from core.interpretation import InvalidInterpretation, filter_schema, instructions
from core.interpreters import (
    FallbackInterpreter,
    ModelCallFailed,
    ModelRefused,
    ModelThrottled,
    error_field,
    retry_after_s,
    send_to_model,
)

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_REFUSED = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "MODEL_ARMOR", "JAILBREAK"})


class VertexSettings(BaseSettings):
    """``COMPANY_MCP_VERTEX_*``: project, location and model; the stack sets these where enabled."""

    model_config = SettingsConfigDict(env_prefix="COMPANY_MCP_VERTEX_", extra="ignore", populate_by_name=True)

    project: str | None = None  # required
    location: str = "europe-west1"
    model: str = "gemini-2.0-flash-001"
    endpoint_url: str | None = None  # tests and private endpoints; default: the regional (or global) endpoint
    max_tokens: int = Field(default=400, ge=64, le=4096)


def openapi_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema of the strict subset as Vertex's ``Schema`` (OpenAPI 3.0: upper-case types, ``nullable``)."""
    if "anyOf" in schema:
        (inner,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return {**openapi_schema(inner), "nullable": True}
    out: dict[str, Any] = {"type": schema["type"].upper()}
    for key in ("description", "enum", "pattern"):
        if key in schema:
            out[key] = schema[key]
    if "items" in schema:
        out["items"] = openapi_schema(schema["items"])
    if "properties" in schema:
        out["properties"] = {name: openapi_schema(s) for name, s in schema["properties"].items()}
        out["required"] = list(schema.get("required", ()))
        out["propertyOrdering"] = list(schema["properties"])
    return out


class GoogleAccessToken:
    """The service account's OAuth access token, refreshed in a worker thread (google-auth is synchronous)."""

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        request: Request | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._request = request
        self._clock = clock
        self._cache = CachedBearerToken(self._fetch, margin_s=DEFAULT_MARGIN_S, clock=clock)

    async def sign(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {await self._cache.get()}"

    async def _fetch(self) -> Token:
        try:
            return await anyio.to_thread.run_sync(self._refresh, abandon_on_cancel=True)
        except GoogleAuthError as exc:  # never google-auth's text: it may name files and accounts
            raise ModelCallFailed("no Google access token for Vertex AI") from exc

    def _refresh(self) -> Token:
        if self._request is None:
            from google.auth.transport.requests import Request as RequestsRequest

            self._request = RequestsRequest()
        if self._credentials is None:
            import google.auth

            self._credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
        credentials = self._credentials
        credentials.refresh(self._request)
        if not credentials.token:
            raise ModelCallFailed("no Google access token for Vertex AI")
        expiry = credentials.expiry
        if expiry is None:
            return Token(str(credentials.token), self._clock() + 600)
        return Token(str(credentials.token), (expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)).timestamp())


class VertexGeminiClient:
    name = "vertex"

    def __init__(
        self,
        *,
        project: str,
        location: str,
        model: str,
        endpoint_url: str | None = None,
        token: GoogleAccessToken | None = None,
        max_tokens: int = 400,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        host = "aiplatform.googleapis.com" if location == "global" else f"{location}-aiplatform.googleapis.com"
        base = (endpoint_url or f"https://{host}").rstrip("/")
        self._url = (
            f"{base}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent"
        )
        self._token = token or GoogleAccessToken()
        self._max_tokens = max_tokens
        self._http = http or httpx.AsyncClient()

    def request_body(self, prompt: str, reference_year: int) -> dict[str, Any]:
        return {
            "systemInstruction": {"parts": [{"text": instructions(reference_year)}]},
            "contents": [{"role": "user", "parts": [{"text": prompt}]}],
            "generationConfig": {
                "temperature": 0,
                "maxOutputTokens": self._max_tokens,
                "responseMimeType": "application/json",
                "responseSchema": openapi_schema(filter_schema()),
            },
        }

    async def ask(self, prompt: str, reference_year: int) -> object:
        request = self._http.build_request("POST", self._url, json=self.request_body(prompt, reference_year))
        await self._token.sign(request)
        response = await send_to_model(self._http, request, "Vertex AI")
        return _answer(response)

    async def aclose(self) -> None:
        await self._http.aclose()


def _answer(response: httpx.Response) -> object:
    if response.status_code == 429 or error_field(response, "status") == "RESOURCE_EXHAUSTED":
        raise ModelThrottled("Vertex AI throttled the call", retry_after_s=retry_after_s(response.headers))
    if response.status_code != 200:
        raise ModelCallFailed(f"Vertex AI answered {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise ModelCallFailed("Vertex AI's answer is not JSON") from exc
    if not isinstance(data, dict):
        raise ModelCallFailed("Vertex AI's answer is not a generateContent response")
    feedback = data.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        raise ModelRefused("Vertex AI blocked the prompt")
    try:
        candidate = data["candidates"][0]
    except (KeyError, IndexError, TypeError) as exc:
        raise ModelRefused("Vertex AI gave no candidate") from exc
    if candidate.get("finishReason") in _REFUSED:
        raise ModelRefused("Vertex AI stopped the answer")
    try:
        text = "".join(part.get("text", "") for part in candidate["content"]["parts"])
        return json.loads(text)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InvalidInterpretation("the answer is not a JSON object") from exc


def build_vertex_interpreter(settings: Settings) -> FallbackInterpreter:
    """The composition root's builder (``COMPANY_MCP_PROMPT_INTERPRETER=vertex``)."""
    vertex = VertexSettings()
    if not vertex.project:
        raise ConfigError("COMPANY_MCP_PROMPT_INTERPRETER=vertex needs COMPANY_MCP_VERTEX_PROJECT")
    client = VertexGeminiClient(
        project=vertex.project,
        location=vertex.location,
        model=vertex.model,
        endpoint_url=vertex.endpoint_url,
        max_tokens=vertex.max_tokens,
        http=httpx.AsyncClient(timeout=settings.prompt_interpreter_timeout_s),
    )
    return FallbackInterpreter(client, timeout_s=settings.prompt_interpreter_timeout_s)
