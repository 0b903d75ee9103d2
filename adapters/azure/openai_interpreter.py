"""``AzureOpenAIChatClient``: ai_search prompts read by a model on Azure OpenAI (chat completions, JSON schema).

``POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`` with
``response_format: {type: json_schema, json_schema: {strict: true, schema}}``, the schema being exactly
the filter schema (``core.interpretation``). The bearer token is the server's own managed identity's
Entra ID token for ``https://cognitiveservices.azure.com/.default`` (``EntraTokenSigner`` over
azure-identity's ``DefaultAzureCredential``); no API key, and never the MCP client's token. The identity
needs the "Cognitive Services OpenAI User" role on the Azure OpenAI resource. Answers map onto
``core.interpreters``:

- 429 (``Retry-After`` / ``retry-after-ms``) -> throttled;
- ``message.refusal``, ``finish_reason: content_filter``, or a 400 whose ``error.code`` is
  ``content_filter`` (the prompt itself was filtered) -> refused;
- ``content`` that is not JSON -> invalid output; any other error -> unavailable.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from azure.core.credentials import TokenCredential
from azure.core.credentials_async import AsyncTokenCredential
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.azure.entra_token import EntraTokenSigner
from core.config import Settings
from core.errors import BackendError, ConfigError
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

COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
SCHEMA_NAME = "company_filters"


class AzureOpenAISettings(BaseSettings):
    """``COMPANY_MCP_AZURE_OPENAI_*``: the resource and deployment; the stack sets these where enabled."""

    model_config = SettingsConfigDict(env_prefix="COMPANY_MCP_AZURE_OPENAI_", extra="ignore", populate_by_name=True)

    endpoint: str | None = None  # https://<resource>.openai.azure.com (required)
    deployment: str = "gpt-4o-mini"
    api_version: str = "2024-10-21"  # the first GA version with structured outputs
    max_tokens: int = Field(default=400, ge=64, le=4096)


class AzureOpenAIChatClient:
    name = "azure_openai"

    def __init__(
        self,
        *,
        endpoint: str,
        deployment: str,
        api_version: str,
        credential: TokenCredential | AsyncTokenCredential | None = None,
        max_tokens: int = 400,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = f"{endpoint.rstrip('/')}/openai/deployments/{deployment}/chat/completions"
        self._api_version = api_version
        self._signer = EntraTokenSigner(COGNITIVE_SERVICES_SCOPE, credential=credential)
        self._max_tokens = max_tokens
        self._http = http or httpx.AsyncClient()

    def request_body(self, prompt: str, reference_year: int) -> dict[str, Any]:
        return {
            "messages": [
                {"role": "system", "content": instructions(reference_year)},
                {"role": "user", "content": prompt},
            ],
            "temperature": 0,
            "max_tokens": self._max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": filter_schema()},
            },
        }

    async def ask(self, prompt: str, reference_year: int) -> object:
        request = self._http.build_request(
            "POST", self._url, params={"api-version": self._api_version}, json=self.request_body(prompt, reference_year)
        )
        try:
            await self._signer.sign(request)
        except BackendError as exc:
            raise ModelCallFailed("no Entra ID token for Azure OpenAI") from exc
        response = await send_to_model(self._http, request, "Azure OpenAI")
        return _content(response)

    async def aclose(self) -> None:
        await self._http.aclose()


def _content(response: httpx.Response) -> object:
    if response.status_code == 429:
        raise ModelThrottled("Azure OpenAI throttled the call", retry_after_s=retry_after_s(response.headers))
    if response.status_code == 400 and error_field(response, "code") == "content_filter":
        raise ModelRefused("Azure OpenAI filtered the prompt")
    if response.status_code != 200:
        raise ModelCallFailed(f"Azure OpenAI answered {response.status_code}")
    try:
        choice = response.json()["choices"][0]
        message = choice["message"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ModelCallFailed("Azure OpenAI's answer is not a chat completion") from exc
    if message.get("refusal") or choice.get("finish_reason") == "content_filter":
        raise ModelRefused("the model refused")
    try:
        return json.loads(message.get("content") or "")
    except (TypeError, ValueError) as exc:
        raise InvalidInterpretation("the content is not JSON") from exc


def build_azure_openai_interpreter(settings: Settings) -> FallbackInterpreter:
    """The composition root's builder (``COMPANY_MCP_PROMPT_INTERPRETER=azure_openai``)."""
    azure = AzureOpenAISettings()
    if not azure.endpoint:
        raise ConfigError("COMPANY_MCP_PROMPT_INTERPRETER=azure_openai needs COMPANY_MCP_AZURE_OPENAI_ENDPOINT")
    client = AzureOpenAIChatClient(
        endpoint=azure.endpoint,
        deployment=azure.deployment,
        api_version=azure.api_version,
        max_tokens=azure.max_tokens,
        http=httpx.AsyncClient(timeout=settings.prompt_interpreter_timeout_s),
    )
    return FallbackInterpreter(client, timeout_s=settings.prompt_interpreter_timeout_s)
