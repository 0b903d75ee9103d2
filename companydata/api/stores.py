"""Pick the store behind the API from a spec: ``sqlite:<path>``, a file path, or ``postgresql://...``."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core.errors import ConfigError

if TYPE_CHECKING:
    from core.ports import Backend

StoreKind = Literal["sqlite", "postgresql"]
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def store_kind(spec: str) -> StoreKind:
    return "postgresql" if spec.startswith(_POSTGRES_SCHEMES) else "sqlite"


def open_store(spec: str) -> Backend:
    """Build (not open: no I/O here) the Backend a store spec names."""
    if not spec.strip():
        raise ConfigError("The store spec is empty: give sqlite:<path>, a file path, or postgresql://...")
    if store_kind(spec) == "postgresql":
        try:  # imported lazily: the SQLite-only run needs no PostgreSQL driver
            module = importlib.import_module("companydata.postgres_store")
        except ImportError as exc:
            raise ConfigError(f"The PostgreSQL store is not available in this installation ({exc}).") from exc
        store: Backend = module.PostgresStore(spec)
        return store
    from companydata.sqlite_store import SqliteStore

    path = Path(spec.removeprefix("sqlite:")).expanduser()
    if not path.is_file():
        raise ConfigError(f"No SQLite store at {path}: build one with `company-mcp seed`.")
    return SqliteStore(path)
