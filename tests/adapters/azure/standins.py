"""Local stand-ins of the Azure endpoints the runtime talks to, on real HTTP over loopback, speaking the wire formats.

- ``IngestionStandIn``: Application Insights' ingestion, ``POST /v2.1/track`` with a JSON array of envelopes
  (gzip or plain); answers like the service (``itemsReceived``/``itemsAccepted``), or ``fail`` with a status.
- ``AppConfigStandIn``: App Configuration's data plane, ``GET /kv?key=...&label=...``, checking the HMAC-SHA256
  request signature exactly as the service documents it (``x-ms-date``, ``x-ms-content-sha256``, the string
  to sign ``VERB\\npath?query\\ndate;host;content-hash``); flags can be flipped while it runs; ``fail`` makes it
  answer an outage status.
- ``IdentityStandIn``: the managed-identity endpoint of App Service / Functions (``IDENTITY_ENDPOINT`` +
  ``IDENTITY_HEADER``), handing out tokens minted by the test's Entra-shaped local issuer.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class ThreadedServer:
    """A Starlette app under uvicorn in a daemon thread on 127.0.0.1 (a free port)."""

    def __init__(self, routes: list[Route], *, app: Any = None, lifespan: str = "off") -> None:
        self._app = app or Starlette(routes=routes)
        self._lifespan = lifespan
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> ThreadedServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app, log_level="warning", lifespan=self._lifespan, loop="asyncio", http="h11", ws="none"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the stand-in did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class IngestionStandIn(ThreadedServer):
    INSTRUMENTATION_KEY = "00000000-0000-0000-0000-0000000000a1"

    def __init__(self) -> None:
        super().__init__([Route("/{path:path}", self._track, methods=["POST"])])
        self.paths: list[str] = []
        self.envelopes: list[dict[str, Any]] = []
        self.fail: int | None = None  # answer this status instead of accepting
        self._lock = threading.Lock()

    @property
    def connection_string(self) -> str:
        return f"InstrumentationKey={self.INSTRUMENTATION_KEY};IngestionEndpoint={self.url}/"

    async def _track(self, request: Request) -> Response:
        self.paths.append(request.url.path)
        if request.url.path.lstrip("/") != "v2.1/track":  # the exporter joins "<IngestionEndpoint>/" and "/v2.1"
            return JSONResponse({"error": "not found"}, status_code=404)
        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if self.fail is not None:
            return JSONResponse({"itemsReceived": 0, "itemsAccepted": 0, "errors": []}, status_code=self.fail)
        items = json.loads(body)
        with self._lock:
            self.envelopes += items
        return JSONResponse({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})

    def events(self, name: str) -> list[dict[str, str]]:
        """The properties of every custom event called ``name`` that arrived."""
        with self._lock:
            found = [e["data"]["baseData"] for e in self.envelopes if e.get("data", {}).get("baseType") == "EventData"]
        return [item.get("properties", {}) for item in found if item.get("name") == name]

    def metrics(self) -> list[dict[str, Any]]:
        """Every metric data point that arrived: ``{name, value, count, properties}``."""
        with self._lock:
            found = [e["data"]["baseData"] for e in self.envelopes if e.get("data", {}).get("baseType") == "MetricData"]
        return [{**point, "properties": item.get("properties", {})} for item in found for point in item["metrics"]]


FLAG_CONTENT_TYPE = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8"


class AppConfigStandIn(ThreadedServer):
    CREDENTIAL = "stand-in-id"
    SECRET = base64.b64encode(b"stand-in secret of app configuration").decode()

    def __init__(self) -> None:
        super().__init__([Route("/kv", self._kv, methods=["GET"])])
        self.flags: dict[tuple[str, str | None], dict[str, Any]] = {}  # (flag id, label) -> value
        self.fail: int | None = None
        self.requests = 0
        self.refused = 0

    @property
    def connection_string(self) -> str:
        return f"Endpoint={self.url};Id={self.CREDENTIAL};Secret={self.SECRET}"

    def set_flag(self, flag_id: str, enabled: bool, *, label: str | None = None, filters: list[Any] | None = None):
        self.flags[(flag_id, label)] = {
            "id": flag_id,
            "enabled": enabled,
            "conditions": {"client_filters": filters or []},
        }

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        scheme, _, params = auth.partition(" ")
        if scheme != "HMAC-SHA256":
            return False
        fields = dict(part.split("=", 1) for part in params.split("&") if "=" in part)
        if fields.get("Credential") != self.CREDENTIAL:
            return False
        if fields.get("SignedHeaders") != "x-ms-date;host;x-ms-content-sha256":
            return False
        date = request.headers.get("x-ms-date", "")
        if not date:  # the service also bounds its age; the SDK writes it in its own format, signed as sent
            return False
        content_hash = request.headers.get("x-ms-content-sha256", "")
        if content_hash != base64.b64encode(hashlib.sha256(b"").digest()).decode():
            return False
        path_and_query = request.url.path + ("?" + request.url.query if request.url.query else "")
        to_sign = f"GET\n{path_and_query}\n{date};{request.headers.get('host')};{content_hash}"
        expected = base64.b64encode(
            hmac.new(base64.b64decode(self.SECRET), to_sign.encode(), hashlib.sha256).digest()
        ).decode()
        return hmac.compare_digest(fields.get("Signature", ""), expected)

    async def _kv(self, request: Request) -> Response:
        self.requests += 1
        if not self._authorized(request):
            self.refused += 1
            return JSONResponse({"title": "Unauthorized"}, status_code=401)
        if self.fail is not None:
            return JSONResponse({"title": "Service Unavailable"}, status_code=self.fail)
        key = request.query_params.get("key", "")
        label_filter = request.query_params.get("label")
        label = None if label_filter in (None, "\0") else label_filter
        prefix = key.removesuffix("*")
        items = []
        for (flag_id, flag_label), value in sorted(self.flags.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            full = ".appconfig.featureflag/" + flag_id
            if flag_label != label or not (full.startswith(prefix) if key.endswith("*") else full == key):
                continue
            items.append(
                {
                    "etag": hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16],
                    "key": full,
                    "label": flag_label,
                    "content_type": FLAG_CONTENT_TYPE,
                    "value": json.dumps(value),
                    "tags": {},
                    "locked": False,
                    "last_modified": "2026-12-04T00:00:00+00:00",
                }
            )
        return JSONResponse({"items": items}, media_type="application/vnd.microsoft.appconfig.kvset+json")


class IdentityStandIn(ThreadedServer):
    """``GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...&client_id=...`` with ``X-IDENTITY-HEADER``."""

    HEADER = "stand-in-identity-header"

    def __init__(self, mint: Callable[[str, str | None], str], ttl_s: int = 3600) -> None:
        super().__init__([Route("/msi/token", self._token, methods=["GET"])])
        self._mint = mint
        self._ttl_s = ttl_s
        self.resources: list[str] = []

    @property
    def endpoint(self) -> str:
        return f"{self.url}/msi/token"

    async def _token(self, request: Request) -> Response:
        if request.headers.get("x-identity-header") != self.HEADER:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        resource = request.query_params.get("resource", "")
        self.resources.append(resource)
        token = self._mint(resource, request.query_params.get("client_id"))
        expires_on = int(time.time()) + self._ttl_s
        return JSONResponse(
            {"access_token": token, "expires_on": str(expires_on), "resource": resource, "token_type": "Bearer"}
        )
