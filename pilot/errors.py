"""The pilot's own failure: a bad option or input file, found before anything is called (exit 2)."""

from __future__ import annotations


class PilotUsageError(Exception):
    """A bad option, target, workload or price file: the pilot stops before calling anything."""
