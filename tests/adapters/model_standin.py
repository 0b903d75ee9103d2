"""Local stand-ins for the three model services, speaking their request and response shapes over real HTTP.

One Starlette app serves Bedrock's ``POST /model/{modelId}/converse`` (SigV4 checked with botocore, service
``bedrock``), Azure OpenAI's ``POST /openai/deployments/{d}/chat/completions?api-version=`` (bearer token)
and Vertex AI's ``POST /v1/projects/.../models/{m}:generateContent`` (bearer token). Each checks that the
request asks for exactly the filter schema the way that API expects (tool use with ``toolChoice``; a
strict ``json_schema`` response format; ``responseMimeType`` + ``responseSchema``) and answers with what
the test scripted: an answer, throttling, a refusal, off-schema output, a server error or a slow answer,
each in that service's own shape (error bodies, ``x-amzn-ErrorType``, ``Retry-After``, ``RESOURCE_EXHAUSTED``).
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support import ThreadedServer

ACCESS_KEY = "AKIDMODELTEST"
SECRET_KEY = "model-test-secret-key"
REGION = "eu-central-1"
BEARER = "identity-token-from-the-cloud"
_AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)"
    r"/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass
class Seen:
    api: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class ModelStandIn:
    """``behaviour``: "answer", "throttle", "refuse", "off_schema", "not_json", "error", "slow"."""

    behaviour: str = "answer"
    answer: dict[str, Any] = field(default_factory=dict)
    slow_s: float = 0.8
    seen: list[Seen] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/model/{model_id:path}/converse", self.bedrock, methods=["POST"]),
                Route("/openai/deployments/{deployment}/chat/completions", self.azure, methods=["POST"]),
                Route("/v1/{model_path:path}", self.vertex, methods=["POST"]),
            ]
        )

    async def _record(self, api: str, request: Request) -> tuple[Seen, bytes]:
        raw = await request.body()
        seen = Seen(api, request.url.path, dict(request.query_params), dict(request.headers), json.loads(raw))
        self.seen.append(seen)
        if self.behaviour == "slow":
            await anyio.sleep(self.slow_s)
        return seen, raw

    # -- Bedrock Converse ----------------------------------------------------------------------------------

    async def bedrock(self, request: Request) -> Response:
        seen, raw = await self._record("bedrock", request)
        problem = _sigv4_problem(request, raw)
        if problem:
            self.refused.append(problem)
            return _amz_error(403, "AccessDeniedException", problem)
        tools = seen.body.get("toolConfig", {})
        name = tools.get("toolChoice", {}).get("tool", {}).get("name")
        specs = [t["toolSpec"] for t in tools.get("tools", []) if t.get("toolSpec", {}).get("name") == name]
        if not specs or "json" not in specs[0].get("inputSchema", {}) or not seen.body.get("messages"):
            return _amz_error(400, "ValidationException", "toolChoice must name a tool with an input schema")
        if self.behaviour == "throttle":
            return _amz_error(429, "ThrottlingException", "Too many requests, please wait before trying again.")
        if self.behaviour == "error":
            return _amz_error(500, "InternalServerException", "Internal server error")
        usage = {"inputTokens": 900, "outputTokens": 60, "totalTokens": 960}
        if self.behaviour == "refuse":
            content = [{"text": "Sorry, the model cannot answer this question."}]
            return JSONResponse(_converse(content, "guardrail_intervened", usage))
        tool_input: Any = {**self.answer, "limit": 1000} if self.behaviour == "off_schema" else self.answer
        content = [{"toolUse": {"toolUseId": "tooluse_standin1", "name": name, "input": tool_input}}]
        return JSONResponse(_converse(content, "tool_use", usage))

    # -- Azure OpenAI chat completions ---------------------------------------------------------------------

    async def azure(self, request: Request) -> Response:
        seen, _ = await self._record("azure_openai", request)
        if seen.headers.get("authorization") != f"Bearer {BEARER}":
            return JSONResponse({"error": {"code": "401", "message": "Access denied: invalid token."}}, 401)
        if "api-version" not in seen.query:
            return JSONResponse({"error": {"code": "404", "message": "Resource not found"}}, 404)
        fmt = seen.body.get("response_format", {})
        schema = fmt.get("json_schema", {})
        if fmt.get("type") != "json_schema" or schema.get("strict") is not True or "schema" not in schema:
            return JSONResponse({"error": {"code": "BadRequest", "message": "Invalid response_format"}}, 400)
        if self.behaviour == "throttle":
            body = {"error": {"code": "429", "message": "Requests have exceeded the token rate limit. Retry after 7"}}
            return JSONResponse(body, 429, headers={"Retry-After": "7", "retry-after-ms": "7000"})
        if self.behaviour == "error":
            return JSONResponse({"error": {"code": "InternalServerError", "message": "The server had an error"}}, 500)
        if self.behaviour == "refuse":
            message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": "I'm sorry, I can't help."}
        else:
            text = "Here you go: filters" if self.behaviour == "not_json" else json.dumps(self._answer())
            message = {"role": "assistant", "content": text, "refusal": None}
        return JSONResponse(
            {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "created": 1764806400,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "finish_reason": "stop", "message": message, "logprobs": None}],
                "usage": {"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960},
            }
        )

    # -- Vertex AI generateContent -------------------------------------------------------------------------

    async def vertex(self, request: Request) -> Response:
        seen, _ = await self._record("vertex", request)
        if not seen.path.endswith(":generateContent"):
            return _google_error(404, "NOT_FOUND", "Method not found.")
        if seen.headers.get("authorization") != f"Bearer {BEARER}":
            return _google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        config = seen.body.get("generationConfig", {})
        if config.get("responseMimeType") != "application/json" or "responseSchema" not in config:
            return _google_error(400, "INVALID_ARGUMENT", "responseSchema needs responseMimeType application/json")
        if self.behaviour == "throttle":
            return _google_error(429, "RESOURCE_EXHAUSTED", "Resource exhausted. Please try again later.")
        if self.behaviour == "error":
            return _google_error(500, "INTERNAL", "Internal error encountered.")
        usage = {"promptTokenCount": 900, "candidatesTokenCount": 60, "totalTokenCount": 960}
        if self.behaviour == "refuse":
            return JSONResponse({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": usage})
        text = "```json\nnot json" if self.behaviour == "not_json" else json.dumps(self._answer())
        candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
        return JSONResponse({"candidates": [candidate], "usageMetadata": usage, "modelVersion": "gemini-2.0-flash"})

    def _answer(self) -> dict[str, Any]:
        return {**self.answer, "limit": 1000} if self.behaviour == "off_schema" else self.answer


def _converse(content: list[dict[str, Any]], stop: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": usage,
        "metrics": {"latencyMs": 420},
    }


def _amz_error(status: int, error_type: str, message: str) -> Response:
    headers = {"x-amzn-ErrorType": f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"}
    return JSONResponse({"message": message}, status, headers=headers)


def _google_error(code: int, status: str, message: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message, "status": status}}, code)


def _sigv4_problem(request: Request, body: bytes) -> str | None:
    headers = dict(request.headers)
    match = _AUTH.fullmatch(headers.get("authorization", ""))
    if match is None:
        return "no SigV4 authorization header"
    if (match["key"], match["region"], match["service"]) != (ACCESS_KEY, REGION, "bedrock"):
        return "wrong key or credential scope"
    signed = match["signed"].split(";")
    if any(name not in headers for name in signed) or "host" not in signed or "x-amz-date" not in signed:
        return "signed headers missing"
    path = request.scope["raw_path"].decode()
    aws = AWSRequest(
        method="POST", url=f"http://{headers['host']}{path}", data=body, headers={n: headers[n] for n in signed}
    )
    aws.context["timestamp"] = headers["x-amz-date"]
    signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "bedrock", REGION)
    expected = signer.signature(signer.string_to_sign(aws, signer.canonical_request(aws)), aws)
    return None if hmac.compare_digest(expected, match["signature"]) else "signature mismatch"


@contextmanager
def serving(standin: ModelStandIn) -> Iterator[str]:
    with ThreadedServer(app=standin.app()) as server:
        yield server.url
