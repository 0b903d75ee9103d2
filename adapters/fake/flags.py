"""Feature flags from ``<data_dir>/flags.json``, re-read when the file changes (no restart)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from core.ports import FlagsUnavailable


class JsonFileFlags:
    """A missing file means no flags; an unreadable or malformed one is ``FlagsUnavailable`` (writes denied)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int, int, int] | None = None
        self._flags: dict[str, bool] = {}

    async def get_flags(self) -> Mapping[str, bool]:
        # A stat per write call is cheap; only writes consult flags.
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            self._stamp, self._flags = None, {}
            return {}
        except OSError as exc:
            raise FlagsUnavailable(f"cannot stat {self._path.name}") from exc
        # ctime too: an in-place edit of the same size with its mtime put back still moves the ctime.
        stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        if stamp != self._stamp:
            self._flags = self._load()
            self._stamp = stamp
        return self._flags

    def _load(self) -> dict[str, bool]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FlagsUnavailable(f"{self._path.name} is unreadable or not JSON") from exc
        if not isinstance(data, dict) or not all(isinstance(v, bool) for v in data.values()):
            raise FlagsUnavailable(f"{self._path.name} must be a JSON object of true/false values")
        return {str(k): v for k, v in data.items()}
