"""Loaded at interpreter start when this folder is on PYTHONPATH: the distributions outside the core set vanish.

``CORE_INSTALL_ABSENT`` lists top-level import names; importing any of them (or a submodule) fails
as it would where ``pip install company-mcp`` installed the core set only.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

ABSENT = frozenset(name for name in os.environ.get("CORE_INSTALL_ABSENT", "").split(",") if name)


class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.split(".", 1)[0] in ABSENT:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


if ABSENT:
    sys.meta_path.insert(0, _NotInstalled())
