"""IAM database auth: the PostgreSQL pool asks its ``password_provider`` for each new connection's password.

Against the local PostgreSQL (trust auth, so the token is sent and not checked): every connection the
store makes, the migration's included, took a password from the provider; a provider that cannot get a
token makes the store answer ``BackendUnavailable`` (a bounded, typed error), never a crash or a hang.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from google.oauth2.credentials import Credentials

from adapters.gcp.cloud_sql import NO_TOKEN, CloudSqlIamPassword
from companydata.postgres_pool import blocking_password
from companydata.postgres_store import PostgresStore
from core.errors import BackendUnavailable
from core.model import CompanyFilters, PageRequest
from tests.support import PG_DSN, seeded_postgres_schema

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    with seeded_postgres_schema("gcp_iam", 50) as name:
        yield name


class CountingPassword:
    def __init__(self, provider: CloudSqlIamPassword) -> None:
        self.provider = provider
        self.calls = 0
        self.threads: set[str] = set()

    def __call__(self) -> str:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        return self.provider()


async def test_each_new_connection_takes_a_fresh_password_off_the_event_loop(schema: str) -> None:
    password = CountingPassword(CloudSqlIamPassword(credentials=Credentials(token="ya29.sql-login")))
    store = PostgresStore(PG_DSN, schema=schema, min_size=2, max_size=3, password=blocking_password(password))
    try:
        with anyio.fail_after(20):
            page = await store.search_companies(CompanyFilters(), PageRequest(limit=3))
            assert len(page.items) == 3
            for _ in range(1000):  # the migration's connection and the pool's two (made in the background)
                if password.calls >= 3:
                    break
                await anyio.sleep(0.02)
    finally:
        await store.aclose()
    assert password.calls >= 3
    assert threading.main_thread().name not in password.threads


async def test_a_token_that_cannot_be_had_is_backend_unavailable(schema: str) -> None:
    expired = Credentials(token="old", expiry=datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1))
    provider = CloudSqlIamPassword(credentials=expired)  # no refresh token: google-auth cannot refresh it
    with pytest.raises(BackendUnavailable) as caught:
        provider()
    assert caught.value.message == NO_TOKEN
    store = PostgresStore(
        PG_DSN, schema=schema, pool_timeout_s=1, connect_timeout_s=1, password=blocking_password(provider)
    )
    try:
        with anyio.fail_after(10), pytest.raises(BackendUnavailable):
            await store.search_companies(CompanyFilters(), PageRequest(limit=1))
    finally:
        await store.aclose()
