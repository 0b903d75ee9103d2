"""Which ``Host`` and ``Origin`` values an HTTP endpoint accepts (DNS-rebinding protection).

Shared by the MCP endpoint (``core.http``) and the reference company API, so both refuse the
same foreign values. The patterns are the SDK's ``TransportSecuritySettings`` ones: exact
values, or ``host:*`` for any port.
"""

from __future__ import annotations

from collections.abc import Iterable

LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]")
LOOPBACK_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")


def allowed_hosts_for(bind_host: str, public_hosts: Iterable[str] = ()) -> list[str]:
    """Loopback hosts, the bind address (any port) and each public ``host[:port]`` exactly."""
    hosts = list(LOOPBACK_HOSTS)
    hosts += [public for public in public_hosts if public]
    host = f"[{bind_host}]" if ":" in bind_host and not bind_host.startswith("[") else bind_host
    hosts += [host, f"{host}:*"]
    return hosts
