"""Company data for local runs and tests: a deterministic generator, a SQLite store and its seeder.

The names below load lazily: a deployable that imports one store (the AppSync resolver imports
``companydata.postgres_store``) does not load the SQLite store, the seeder or its progress bar.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GeneratedCompany",
    "SeedReport",
    "SqliteStore",
    "company_at",
    "generate_batches",
    "generate_companies",
    "seed_sqlite",
    "store_info",
]

_HOMES = {
    "GeneratedCompany": "companydata.generator",
    "company_at": "companydata.generator",
    "generate_batches": "companydata.generator",
    "generate_companies": "companydata.generator",
    "SeedReport": "companydata.seed",
    "seed_sqlite": "companydata.seed",
    "store_info": "companydata.seed",
    "SqliteStore": "companydata.sqlite_store",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'companydata' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_HOMES[name]), name)
