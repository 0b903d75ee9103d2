"""Turning command-line options into Settings (options win over environment variables)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from core.config import Settings

_OPTION_SETTINGS = ("adapter", "transport", "host", "port", "workers", "allow_mutations", "graphql_url", "data_dir")


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in _OPTION_SETTINGS if getattr(args, name, None) is not None}


def settings_from(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings(**overrides(args), **extra)


def export_to_environment(settings: Settings, names: dict[str, Any]) -> None:
    """Worker processes rebuild Settings from the environment: hand them the resolved values."""
    for name in names:
        value = getattr(settings, name)
        os.environ[f"COMPANY_MCP_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
