"""Local stand-ins of the Google REST APIs the gcp adapter calls, on one loopback server.

- Parameter Manager v1: ``GET /v1/<parameter>/versions`` (paged by 2, to exercise ``nextPageToken``) and
  ``GET /v1/<version>:render`` (``renderedPayload``, base64).
- Cloud Logging v2: ``POST /v2/entries:write`` (kept in ``entries``; ``dryRun`` stores nothing).
- Cloud Monitoring v3: ``POST /v3/projects/<p>/timeSeries`` (kept in ``time_series``), refusing a point whose
  end time is not after the series' previous one, and more than 200 series per request, as the API does.
- The metadata server (for ``GCE_METADATA_HOST``): an access token, and a Google-shaped ID token for any
  audience (``identity?audience=...&format=full``), signed by ``id_key``; its JWKS at ``/oauth2/v3/certs``.

Each API can be made to fail (``down["logging"] = 503``) and every request must carry
``Authorization: Bearer <access token>``; requests are counted per API.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.adapters.aws.aws_support import ThreadedAsgi

ACCESS_TOKEN = "ya29.test-access-token"
SERVICE_ACCOUNT = "mcp-server@demo-project.iam.gserviceaccount.com"
PROJECT = "demo-project"
PARAMETER = f"projects/{PROJECT}/locations/europe-west1/parameters/company-mcp-flags"
_ID_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ID_KID = "standin-1"


class GoogleApis:
    def __init__(self) -> None:
        self.versions: list[dict[str, Any]] = []
        self.entries: list[dict[str, Any]] = []
        self.writes: list[dict[str, Any]] = []  # every entries:write body, dry runs included
        self.time_series: list[dict[str, Any]] = []
        self.down: dict[str, int] = {}
        self.requests: Counter[str] = Counter()
        self.id_email = SERVICE_ACCOUNT
        self._last_end: dict[str, str] = {}
        self.server = ThreadedAsgi(Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])]))

    @property
    def url(self) -> str:
        return self.server.url

    # -- what an operator does ------------------------------------------------------------------------

    def add_version(self, flags: dict[str, Any] | str, *, disabled: bool = False) -> str:
        number = len(self.versions) + 1
        data = flags if isinstance(flags, str) else json.dumps(flags)
        self.versions.append(
            {
                "name": f"{PARAMETER}/versions/v{number}",
                "createTime": f"2026-12-04T03:{number:02d}:00.000000Z",
                "disabled": disabled,
                "payload": base64.b64encode(data.encode()).decode(),
            }
        )
        return self.versions[-1]["name"]

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(_ID_KEY.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": ID_KID, "alg": "RS256", "use": "sig"}]}

    def id_token(self, audience: str, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": "https://accounts.google.com",
            "aud": audience,
            "azp": "104001234567890123456",
            "sub": "104001234567890123456",
            "email": self.id_email,
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
            **claims,
        }
        return jwt.encode({k: v for k, v in body.items() if v is not None}, _ID_KEY, "RS256", headers={"kid": ID_KID})

    # -- HTTP ---------------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        if path == "/" or path.startswith("/computeMetadata/"):
            return self._metadata(path, request)
        if path == "/oauth2/v3/certs":
            return JSONResponse(self.jwks())
        api = {"/v1/": "parametermanager", "/v2/": "logging", "/v3/": "monitoring"}.get(path[:4])
        if api is None:
            return Response(status_code=404)
        self.requests[api] += 1
        if request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return JSONResponse({"error": {"code": 401, "status": "UNAUTHENTICATED"}}, status_code=401)
        if api in self.down:
            return JSONResponse({"error": {"code": self.down[api], "status": "UNAVAILABLE"}}, self.down[api])
        if api == "parametermanager":
            return self._parameter_manager(path[len("/v1/") :], request)
        body = await request.json()
        if api == "logging":
            return self._write_entries(body)
        return self._create_time_series(body)

    def _metadata(self, path: str, request: Request) -> Response:
        flavor = {"Metadata-Flavor": "Google"}
        if request.headers.get("metadata-flavor") != "Google":
            return Response(status_code=403)
        base = "/computeMetadata/v1/"
        name = path.removeprefix(base)
        if path == "/" or path == base:
            return PlainTextResponse("ok", headers=flavor)
        if name == "project/project-id":
            return PlainTextResponse(PROJECT, headers=flavor)
        if name.startswith("instance/service-accounts/default/token"):
            self.requests["metadata:token"] += 1
            return JSONResponse(
                {"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}, headers=flavor
            )
        if name.startswith("instance/service-accounts/default/identity"):
            self.requests[f"metadata:identity:{request.query_params.get('audience')}"] += 1
            return PlainTextResponse(self.id_token(request.query_params["audience"]), headers=flavor)
        if name.startswith("instance/service-accounts/default"):
            return JSONResponse(
                {"email": SERVICE_ACCOUNT, "scopes": ["cloud-platform"], "aliases": ["default"]}, headers=flavor
            )
        return Response(status_code=404, headers=flavor)

    def _parameter_manager(self, name: str, request: Request) -> Response:
        if name.endswith(":render"):
            wanted = name.removesuffix(":render")
            for version in self.versions:
                if version["name"] == wanted and not version["disabled"]:
                    return JSONResponse(
                        {
                            "parameterVersion": wanted,
                            "payload": {"data": version["payload"]},
                            "renderedPayload": version["payload"],
                        }
                    )
            return JSONResponse({"error": {"code": 404}}, status_code=404)
        if name != f"{PARAMETER}/versions":
            return JSONResponse({"error": {"code": 404}}, status_code=404)
        start = int(request.query_params.get("pageToken") or 0)
        page = [{k: v for k, v in version.items() if k != "payload"} for version in self.versions[start : start + 2]]
        answer: dict[str, Any] = {"parameterVersions": page}
        if start + 2 < len(self.versions):
            answer["nextPageToken"] = str(start + 2)
        return JSONResponse(answer)

    def _write_entries(self, body: dict[str, Any]) -> Response:
        self.writes.append(body)
        if not body.get("dryRun"):
            self.entries += [
                {**entry, "logName": body["logName"], "resource": body["resource"]} for entry in body["entries"]
            ]
        return JSONResponse({})

    def _create_time_series(self, body: dict[str, Any]) -> Response:
        series = body["timeSeries"]
        if len(series) > 200:
            return JSONResponse({"error": {"code": 400, "message": "at most 200 time series"}}, status_code=400)
        for one in series:
            key = json.dumps([one["metric"], one["resource"]], sort_keys=True)
            end = one["points"][0]["interval"]["endTime"]
            if key in self._last_end and end <= self._last_end[key]:
                return JSONResponse({"error": {"code": 400, "message": "points must be written in order"}}, 400)
        for one in series:
            key = json.dumps([one["metric"], one["resource"]], sort_keys=True)
            self._last_end[key] = one["points"][0]["interval"]["endTime"]
        self.time_series += series
        return JSONResponse({})
