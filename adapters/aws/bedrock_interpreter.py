"""``BedrockConverseClient``: ai_search prompts read by a model on Amazon Bedrock (Converse API, tool use).

The model gets one tool whose input schema is exactly the filter schema (``core.interpretation``) and
``toolChoice`` naming it, so its answer is that tool's ``input``; the call is ``POST
/model/{modelId}/converse`` signed with SigV4 (service ``bedrock``) by the function's own role (botocore's
credential chain), never with anything from the MCP client. The role needs ``bedrock:InvokeModel`` on the
model (or inference profile) ARN. ``core.interpreters.FallbackInterpreter`` adds the timeout, the schema
check and the fall back to the rules; this module maps Bedrock's answers onto it:

- 429 / ``ThrottlingException`` / ``ServiceQuotaExceededException`` -> throttled (rules, back off);
- ``stopReason`` ``guardrail_intervened`` or ``content_filtered``, or no tool use -> refused;
- any other error status or an unreadable body -> unavailable.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.aws.sigv4 import CredentialsProvider, SigV4Signer
from core.config import Settings
from core.errors import BackendError
from core.interpretation import filter_schema, instructions
from core.interpreters import (
    FallbackInterpreter,
    ModelCallFailed,
    ModelRefused,
    ModelThrottled,
    retry_after_s,
    send_to_model,
)

TOOL_NAME = "company_filters"
_THROTTLED = ("ThrottlingException", "ServiceQuotaExceededException", "TooManyRequestsException")
_REFUSED_STOPS = ("guardrail_intervened", "content_filtered")


class BedrockSettings(BaseSettings):
    """``COMPANY_MCP_BEDROCK_*``: which model answers; the stack sets these where the interpreter is enabled."""

    model_config = SettingsConfigDict(env_prefix="COMPANY_MCP_BEDROCK_", extra="ignore", populate_by_name=True)

    model_id: str = "anthropic.claude-3-haiku-20240307-v1:0"  # a model id, inference profile id or ARN
    region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COMPANY_MCP_BEDROCK_REGION", "AWS_REGION", "AWS_DEFAULT_REGION", "region"),
    )
    endpoint_url: str | None = None  # tests and VPC endpoints; default: bedrock-runtime.<region>.amazonaws.com
    max_tokens: int = Field(default=400, ge=64, le=4096)


class BedrockConverseClient:
    name = "bedrock"

    def __init__(
        self,
        *,
        region: str,
        model_id: str,
        endpoint_url: str | None = None,
        credentials_provider: CredentialsProvider | None = None,
        max_tokens: int = 400,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        base = endpoint_url or f"https://bedrock-runtime.{region}.amazonaws.com"
        self._url = f"{base.rstrip('/')}/model/{quote(model_id, safe='')}/converse"
        self._signer = SigV4Signer(region, credentials_provider=credentials_provider, service="bedrock")
        self._max_tokens = max_tokens
        self._http = http or httpx.AsyncClient()

    def request_body(self, prompt: str, reference_year: int) -> dict[str, Any]:
        return {
            "system": [{"text": instructions(reference_year)}],
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": self._max_tokens, "temperature": 0},
            "toolConfig": {
                "tools": [
                    {
                        "toolSpec": {
                            "name": TOOL_NAME,
                            "description": "Search the company directory with these filters.",
                            "inputSchema": {"json": filter_schema()},
                        }
                    }
                ],
                "toolChoice": {"tool": {"name": TOOL_NAME}},
            },
        }

    async def ask(self, prompt: str, reference_year: int) -> object:
        body = json.dumps(self.request_body(prompt, reference_year)).encode()
        request = self._http.build_request(
            "POST", self._url, content=body, headers={"content-type": "application/json", "accept": "application/json"}
        )
        try:
            await self._signer.sign(request)
        except BackendError as exc:  # no credentials: the role is the operator's to fix; the rules answer meanwhile
            raise ModelCallFailed("no AWS credentials for Bedrock") from exc
        response = await send_to_model(self._http, request, "Bedrock")
        return _tool_input(response)

    async def aclose(self) -> None:
        await self._http.aclose()


def _tool_input(response: httpx.Response) -> object:
    error_type = response.headers.get("x-amzn-errortype", "").split(":")[0]
    if response.status_code == 429 or error_type in _THROTTLED:
        raise ModelThrottled("Bedrock throttled the call", retry_after_s=retry_after_s(response.headers))
    if response.status_code != 200:
        raise ModelCallFailed(f"Bedrock answered {response.status_code} {error_type}".strip())
    try:
        data = response.json()
        stop = data.get("stopReason")
        content = data["output"]["message"]["content"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelCallFailed("Bedrock's answer is not a Converse response") from exc
    if stop in _REFUSED_STOPS:
        raise ModelRefused(f"Bedrock stopped: {stop}")
    for block in content if isinstance(content, list) else []:
        use = block.get("toolUse") if isinstance(block, dict) else None
        if isinstance(use, dict) and use.get("name") == TOOL_NAME:
            return use.get("input")
    raise ModelRefused("the model answered without the filter tool")


def build_bedrock_interpreter(settings: Settings) -> FallbackInterpreter:
    """The composition root's builder (``COMPANY_MCP_PROMPT_INTERPRETER=bedrock``)."""
    bedrock = BedrockSettings()
    region = bedrock.region or "us-east-1"
    client = BedrockConverseClient(
        region=region,
        model_id=bedrock.model_id,
        endpoint_url=bedrock.endpoint_url,
        max_tokens=bedrock.max_tokens,
        http=httpx.AsyncClient(timeout=settings.prompt_interpreter_timeout_s),
    )
    return FallbackInterpreter(client, timeout_s=settings.prompt_interpreter_timeout_s)
