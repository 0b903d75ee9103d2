"""Local stand-ins for the AWS adapter's tests: a threaded ASGI server on a free port, and moto's server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REGION = "eu-west-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadedAsgi:
    """An ASGI app under uvicorn in a daemon thread on 127.0.0.1 (a free port, kept across restarts)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedAsgi:
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", loop="asyncio"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the local server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> ThreadedAsgi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class AppConfigAgentStandIn:
    """The AppConfig agent's documented local endpoint, serving a feature-flag profile's retrieval-time JSON.

    ``GET /applications/{app}/environments/{env}/configurations/{profile}`` answers ``flags`` as
    ``{key: {"enabled": value}}`` for the one configured profile, 404 for any other, and can
    misbehave: ``mode`` ``"500"``, ``"garbage"`` (not JSON) or ``"freeform"`` (JSON, not flags).
    """

    def __init__(self, application: str, environment: str, profile: str) -> None:
        self.path = f"/applications/{application}/environments/{environment}/configurations/{profile}"
        self.flags: dict[str, bool] = {}
        self.mode = "up"
        self.requests = 0
        app = Starlette(routes=[Route("/{rest:path}", self._handle)])
        self.server = ThreadedAsgi(app)

    async def _handle(self, request: Request) -> Response:
        self.requests += 1
        if request.url.path != self.path:
            return Response('{"Message":"not found"}', status_code=404, media_type="application/json")
        if self.mode == "500":
            return Response("agent failure", status_code=500)
        if self.mode == "garbage":
            return Response("<html>not json</html>", media_type="text/html")
        if self.mode == "freeform":
            return Response('{"mutations": true}', media_type="application/json")
        body = {key: {"enabled": value} for key, value in self.flags.items()}
        return Response(json.dumps(body), media_type="application/json")


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server (Logs, Secrets Manager, ...) on a free loopback port; yields its URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def aws_client(service: str, endpoint: str, *, retries: int = 2) -> Any:
    """A botocore client for moto: fake credentials, short timeouts."""
    import botocore.session
    from botocore.config import Config

    config = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": retries, "mode": "standard"})
    return botocore.session.get_session().create_client(
        service, region_name=REGION, endpoint_url=endpoint, config=config, **FAKE_CREDENTIALS
    )
