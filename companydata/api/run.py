"""``run_api``: serve the reference company API under uvicorn (``company-mcp api`` calls it).

Prints one line to stderr once the app has started (store open), with the real port when
``port`` is 0:  ``company-api ready store=sqlite url=http://127.0.0.1:PORT/graphql auth=shared-secret``.
"""

from __future__ import annotations

import socket
import sys

import uvicorn

from companydata.api.identity import ServiceAuth, SharedSecretAuth, TrustPlatformAuth
from companydata.api.server import create_api_app
from companydata.api.stores import open_store, store_kind
from core.errors import ConfigError
from core.loopback import is_loopback
from core.ports import Backend
from core.serving import DrainingServer, bind_socket, serving_config

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def ready_line(store_spec: str, url: str, service_auth: ServiceAuth) -> str:
    return f"company-api ready store={store_kind(store_spec)} url={url} auth={auth_name(service_auth)}"


def auth_name(service_auth: ServiceAuth) -> str:
    if isinstance(service_auth, SharedSecretAuth):
        return "shared-secret"
    if isinstance(service_auth, TrustPlatformAuth):
        return "platform"
    return str(getattr(service_auth, "name", type(service_auth).__name__))


class _ReadyServer(DrainingServer):
    """Prints the ready line after start-up (lifespan done, socket listening), with the bound port."""

    def __init__(
        self, config: uvicorn.Config, store_spec: str, host: str, sock: socket.socket, service_auth: ServiceAuth
    ) -> None:
        super().__init__(config)
        self._store_spec = store_spec
        self._service_auth = service_auth
        self._host = f"[{host}]" if ":" in host else host
        self._port = sock.getsockname()[1]

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            url = f"http://{self._host}:{self._port}/graphql"
            print(ready_line(self._store_spec, url, self._service_auth), file=sys.stderr, flush=True)


def run_api(
    store_spec: str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    service_auth: ServiceAuth,
    public_hosts: tuple[str, ...] = (),
    unsigned_loopback_reads: bool = False,
    debug: bool = False,
    store: Backend | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM. ``public_hosts``: the ``Host`` values callers use besides loopback and
    ``host`` itself (a load balancer's name). ``unsigned_loopback_reads`` only on a loopback ``host``.
    ``store``: an already built store for ``store_spec`` (one with options a spec cannot carry)."""
    if unsigned_loopback_reads and not is_loopback(host):
        raise ConfigError(
            f"Refusing unsigned loopback reads on {host}: serve on 127.0.0.1, "
            "or let every caller sign (behind a proxy every peer looks local)."
        )
    app = create_api_app(
        open_store(store_spec) if store is None else store,
        service_auth=service_auth,
        debug=debug,
        bind_host=host,
        public_hosts=public_hosts,
        unsigned_loopback_reads=unsigned_loopback_reads,
    )
    sock = bind_socket(host, port)
    # The MCP server's serving rules (slow clients cut off, connections bounded, SIGTERM drains and exits 0).
    config = serving_config(
        app,
        proxy_headers=False,  # the peer address decides unsigned loopback reads: never take it from a header
    )
    _ReadyServer(config, store_spec, host, sock, service_auth).run(sockets=[sock])
