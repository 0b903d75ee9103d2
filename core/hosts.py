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


def _matches(value: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if value == pattern:
            return True
        if pattern.endswith(":*"):
            base, _, port = value.rpartition(":")
            if base == pattern[:-2] and port.isdigit():
                return True
    return False


def host_refusal(host: str | None, origin: str | None, *, hosts: Iterable[str], origins: Iterable[str]) -> int | None:
    """The status to refuse a request with (421 a foreign or missing Host, 403 a foreign Origin), else None.

    The SDK's ``TransportSecurityMiddleware`` rule (exact value, or ``host:*`` for any port), written here
    because the company API must not load the MCP SDK (its import is most of a cold start); a test holds the
    two to the same answers.
    """
    if not host or not _matches(host, hosts):
        return 421
    if origin and not _matches(origin, origins):
        return 403
    return None
