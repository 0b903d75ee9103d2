"""The MCP server on Cloud Run: ``python -m adapters.gcp.cloud_run`` (the container's command).

Cloud Run starts the container with ``PORT`` (and ``K_SERVICE``, ``K_REVISION``, ``K_CONFIGURATION``)
and sends every request to that port, TLS already terminated. This serves the ASGI app of the
composition root (``core.app.create_asgi_app`` over ``adapters.bootstrap.build_runtime``) under
uvicorn on ``0.0.0.0:$PORT``: stateless JSON streamable HTTP at ``/mcp``, bearer auth, ``/healthz``,
``/readyz``. The adapter is ``COMPANY_MCP_ADAPTER`` (``gcp`` in the stack; ``fake`` for a trial of the
image without the API: it builds a small store under ``COMPANY_MCP_DATA_DIR`` on first start).

SIGTERM (Cloud Run's shut-down, 10 s before SIGKILL): uvicorn stops accepting, lets calls in flight
finish for up to ``DRAIN_S``, then runs the app's shut-down, which closes the runtime (the metrics
writer's last flush among it). The ready line goes to stderr once the socket listens.
"""

from __future__ import annotations

import os
import socket
import sys

import uvicorn

from adapters.bootstrap import build_runtime
from core.app import create_asgi_app
from core.catalog import TOOL_NAMES
from core.config import Settings
from core.errors import ConfigError
from core.serving import DrainingServer, bind_socket, uvicorn_config
from core.telemetry import configure_logging

DEFAULT_PORT = 8080  # Cloud Run's default when PORT is unset
DRAIN_S = 8  # within Cloud Run's 10 s between SIGTERM and SIGKILL, leaving time for the runtime to close


def settings_from_environment(environ: dict[str, str] | None = None) -> Settings:
    """``COMPANY_MCP_*`` settings, bound where Cloud Run sends requests: ``0.0.0.0:$PORT``."""
    env = os.environ if environ is None else environ
    port = env.get("PORT") or env.get("COMPANY_MCP_PORT") or str(DEFAULT_PORT)
    try:
        number = int(port)
    except ValueError:
        raise ConfigError(f"PORT must be a port number, not {port[:20]!r}") from None
    host = env.get("COMPANY_MCP_HOST") or "0.0.0.0"
    return Settings(host=host, port=number, transport="http")


def ready_line(settings: Settings, port: int) -> str:
    service = os.environ.get("K_SERVICE", "-")
    revision = os.environ.get("K_REVISION", "-")
    return (
        f"company-mcp ready adapter={settings.adapter} auth={settings.effective_auth} "
        f"mutations={str(settings.allow_mutations).lower()} tools={len(TOOL_NAMES)} transport=http "
        f"url=http://{settings.host}:{port}/mcp resource={settings.public_url} service={service} revision={revision}"
    )


class _CloudRunServer(DrainingServer):
    def __init__(self, config: uvicorn.Config, settings: Settings, port: int) -> None:
        super().__init__(config)
        self._line = ready_line(settings, port)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(self._line, file=sys.stderr, flush=True)


def main() -> int:
    try:
        settings = settings_from_environment()
        settings.check()
        configure_logging(settings.log_format)
        app = create_asgi_app(settings, build_runtime(settings))
    except ConfigError as exc:
        print(f"company-mcp: {exc.message}", file=sys.stderr, flush=True)
        return 2
    sock = bind_socket(settings.host, settings.port)
    # The same serving as `company-mcp serve` (header deadline, connection bound), within Cloud Run's drain window.
    config = uvicorn_config(
        app,
        settings,
        proxy_headers=False,  # nothing here trusts a forwarded address; the Host check uses the Host header
        timeout_graceful_shutdown=DRAIN_S,
    )
    _CloudRunServer(config, settings, sock.getsockname()[1]).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
