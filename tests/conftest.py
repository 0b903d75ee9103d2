"""Shared fixtures: a small seeded store, fresh data dirs, a running HTTP server."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.fake.main import STORE_FILE
from companydata.seed import seed_sqlite
from tests.support import IN_CI, SMALL_STORE_COMPANIES, ServerProcess, start_server

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed by the fixture


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / STORE_FILE
    seed_sqlite(path, SMALL_STORE_COMPANIES, progress=False)
    return path


@pytest.fixture
def data_dir(tmp_path: Path, seeded_store: Path) -> Path:
    """A fresh data dir holding a copy of the small store (tests may write to it)."""
    root = tmp_path / "data"
    root.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = seeded_store.with_name(seeded_store.name + suffix)
        if source.exists():
            shutil.copy(source, root / source.name)
    return root


@pytest.fixture
def http_server(data_dir: Path) -> Iterator[ServerProcess]:
    server = start_server(data_dir)
    yield server
    server.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The machine's Redis, database 15, flushed before and after (skips locally when Redis is down; fails in CI)."""
    if not redis_is_up():
        if IN_CI:
            pytest.fail("Redis at 127.0.0.1:6379 is required in CI")
        pytest.skip("Redis at 127.0.0.1:6379 is not running")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()
