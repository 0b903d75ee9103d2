"""Is this host this machine? One answer for bind addresses, URLs and peers alike."""

from __future__ import annotations

import ipaddress

# Host patterns of the loopback names, for Host-header allow-lists (``*`` is any port).
LOOPBACK_HOST_PATTERNS = ("127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str | None) -> bool:
    """``localhost`` (any case, trailing dot allowed), 127.0.0.0/8 or ::1 (bracketed or not)."""
    if not host:
        return False
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
