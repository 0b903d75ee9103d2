"""A local HTTP front for the Functions entry: what the Functions host does for one HTTP trigger, over real HTTP.

Each request becomes an ``azure.functions.HttpRequest``, goes to the app's one HTTP function (the
``AsgiFunctionApp`` the package ships), and its ``HttpResponse`` goes back. So ``company-mcp verify`` and
``company-mcp pilot`` can run against the Functions entry point as a client would reach it.
"""

from __future__ import annotations

from typing import Any

import azure.functions as func
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class FunctionsFront:
    def __init__(self, app: func.AsgiFunctionApp) -> None:
        self.app = app
        (function,) = app.get_functions()
        self.function = function.get_user_function()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # the function app runs its own lifespan on its first request
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
            if self.app.startup_task_done:
                await self.app.middleware.notify_shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
        request = Request(scope, receive)
        body = await request.body()
        trigger = func.HttpRequest(
            request.method,
            str(request.url),
            headers=dict(request.headers),
            params=dict(request.query_params),
            body=body,
        )
        answer: func.HttpResponse = await self.function(trigger, None)
        headers: dict[str, Any] = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        response = Response(answer.get_body(), status_code=answer.status_code, headers=headers)
        await response(scope, receive, send)
