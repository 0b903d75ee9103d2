"""Is this host this machine? One answer for bind addresses, URLs and peers alike."""

from __future__ import annotations

import ipaddress


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
