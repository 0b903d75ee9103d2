"""The MCP server on AWS Lambda behind a Function URL (payload format 2.0): ``handler(event, context)``.

The ASGI app is ``core.app.create_asgi_app`` over the runtime the composition root
(``adapters.bootstrap``) builds for ``COMPANY_MCP_ADAPTER`` (``aws`` on AWS, any other for a trial,
shadow mode included): stateless JSON streamable HTTP at ``/mcp``, bearer auth, ``/healthz``,
``/readyz``. It is built once per container from the environment and driven by
Mangum, which turns each Function URL event into one ASGI request on a long-lived event loop.

Lifespan: Mangum's ``lifespan="auto"``/``"on"`` runs the app's start-up *and shut-down* around
every invocation. The SDK's ``StreamableHTTPSessionManager.run()`` may run only once per instance,
and the shut-down would also close the runtime's clients, so the second invocation would fail.
Instead the app's lifespan is started once, on the first invocation, on Mangum's own loop, and
left running for the life of the container (Mangum gets ``lifespan="off"``). Between invocations
the loop is simply not running (Lambda freezes the process), so nothing is lost; the container's
end needs no shut-down (no buffered state: audit events are written before each write returns and
metrics are written per call).

Resource URL: ``COMPANY_MCP_RESOURCE_URL`` (a custom domain), else, when the stack says so
(``COMPANY_MCP_AWS_RESOURCE_FROM_FUNCTION_URL``), the function's own Function URL read from Lambda at
start (``function_url.py``): the first ``pulumi up`` gives a working endpoint.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from mangum import Mangum
from mangum.protocols import LifespanCycle
from mangum.types import ASGI, LambdaContext, LambdaEvent

from adapters.aws.config import AwsSettings
from adapters.aws.function_url import with_resource_url
from adapters.bootstrap import build_runtime
from core.app import create_asgi_app
from core.config import Settings
from core.runtime import Runtime
from core.telemetry import configure_logging


class LambdaApp:
    """An ASGI app served to Lambda events, its lifespan started once per container."""

    def __init__(self, app: ASGI) -> None:
        self._app = app
        # Mangum creates (or adopts) the thread's event loop; every invocation runs on that same loop.
        self._mangum = Mangum(app, lifespan="off")
        self.loop = asyncio.get_event_loop()
        self._lifespan: LifespanCycle | None = None

    def start(self) -> None:
        """Run the app's start-up (once); its lifespan task then waits on the loop for a shut-down that never comes."""
        asyncio.set_event_loop(self.loop)  # Mangum looks the loop up per call: make sure it is this one
        if self._lifespan is None:
            cycle = LifespanCycle(self._app, "on")
            cycle.__enter__()  # raises if the start-up fails; the next invocation tries again
            self._lifespan = cycle

    def __call__(self, event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
        self.start()
        return self._mangum(event, context)

    def close(self) -> None:
        """Run the app's shut-down (tests, or a runtime that announces its end); the loop stays usable."""
        if self._lifespan is not None:
            cycle, self._lifespan = self._lifespan, None
            asyncio.set_event_loop(self.loop)
            cycle.__exit__(None, None, None)


def create_lambda_app(settings: Settings | None = None, runtime: Runtime | None = None) -> LambdaApp:
    settings = settings or Settings()
    settings.check()
    runtime = runtime or build_runtime(settings)
    return LambdaApp(create_asgi_app(settings, runtime))


def _from_environment() -> LambdaApp:
    settings = Settings()
    configure_logging(settings.log_format)
    # Without a custom domain, the resource URL is this function's own Function URL, read from Lambda.
    settings = with_resource_url(settings, AwsSettings())
    return create_lambda_app(settings)


_app: LambdaApp | None = None


def handler(event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
    """The Lambda entry point: ``adapters.aws.lambda_handler.handler``."""
    global _app
    if _app is None:
        _app = _from_environment()
    return _app(event, context)


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and os.environ.get("AWS_LAMBDA_RUNTIME_API"):
    # In Lambda, build and start during the init phase (full CPU, before the first request is timed);
    # a configuration error then fails the init, visibly, instead of every request.
    _app = _from_environment()
    _app.start()
