"""Company data for local runs and tests: a deterministic generator, a SQLite store and its seeder."""

from __future__ import annotations

from companydata.generator import GeneratedCompany, company_at, generate_batches, generate_companies
from companydata.seed import SeedReport, seed_sqlite, store_info
from companydata.sqlite_store import SqliteStore

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
