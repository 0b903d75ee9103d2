"""Migration evidence: ``company-mcp pilot`` (parity, latency, errors and cost of two deployments) and
``company-mcp verify`` (a deployed endpoint's promises).

Options come from ``pilot.options`` (light); the commands load their dependencies only when they run.
"""

from __future__ import annotations

from typing import Any

__all__ = ["add_pilot_arguments", "add_verify_arguments", "pilot_main", "verify_main"]

_HOMES = {
    "add_pilot_arguments": "pilot.options",
    "add_verify_arguments": "pilot.options",
    "pilot_main": "pilot.cli",
    "verify_main": "pilot.verify",
}


def __getattr__(name: str) -> Any:
    """Lazy: ``from pilot import pilot_main`` loads the MCP client and matplotlib only when asked."""
    if name not in _HOMES:
        raise AttributeError(f"module 'pilot' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_HOMES[name]), name)
