from __future__ import annotations

from pathlib import Path

import pytest

from companydata.seed import seed_sqlite

STORE_SIZE = 2_000


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def seeded_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small seeded store for the session; tests isolate their writes by using their own owner ids."""
    path = tmp_path_factory.mktemp("store") / "companies.sqlite"
    seed_sqlite(path, STORE_SIZE, progress=False)
    return path
