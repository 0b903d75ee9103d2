"""``run_api``: serve the reference company API under uvicorn (``company-mcp api`` calls it).

Prints one line to stderr once the app has started (store open), with the real port when
``port`` is 0:  ``company-api ready store=sqlite url=http://127.0.0.1:PORT/graphql``.
"""

from __future__ import annotations

import socket
import sys

import uvicorn

from companydata.api.identity import AllowLoopback, ServiceAuth, is_loopback
from companydata.api.server import create_api_app
from companydata.api.stores import open_store, store_kind
from core.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def ready_line(store_spec: str, url: str) -> str:
    return f"company-api ready store={store_kind(store_spec)} url={url}"


class _ReadyServer(uvicorn.Server):
    """Prints the ready line after start-up (lifespan done, socket listening), with the bound port."""

    def __init__(self, config: uvicorn.Config, store_spec: str, host: str, sock: socket.socket) -> None:
        super().__init__(config)
        self._store_spec = store_spec
        self._host = f"[{host}]" if ":" in host else host
        self._port = sock.getsockname()[1]

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            url = f"http://{self._host}:{self._port}/graphql"
            print(ready_line(self._store_spec, url), file=sys.stderr, flush=True)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def run_api(
    store_spec: str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    service_auth: ServiceAuth | None = None,
    debug: bool = False,
) -> None:
    """Serve until SIGINT/SIGTERM. Without ``service_auth``, only loopback callers are accepted, and only a
    loopback ``host`` is allowed (anything else must say how callers are verified)."""
    if service_auth is None:
        if not is_loopback(host) and host != "localhost":
            raise ConfigError(
                f"Refusing to serve the company API on {host} with loopback-only service auth: "
                "choose shared-secret or platform auth."
            )
        service_auth = AllowLoopback()
    app = create_api_app(open_store(store_spec), service_auth=service_auth, debug=debug)
    sock = _bind(host, port)
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,  # the peer address decides AllowLoopback: never take it from a header
        timeout_graceful_shutdown=15,
    )
    _ReadyServer(config, store_spec, host, sock).run(sockets=[sock])
