"""The body of one racing process (kept out of the test module so that a spawned child imports little)."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

import anyio
import anyio.to_thread

from companydata.postgres_store import PostgresStore

RACE_ROUNDS = 15


def race(dsn: str, schema: str, who: str, barrier: Any, out: Any) -> None:
    """Each round, both processes send the same three writes at the same moment, twice (a retry)."""

    async def main() -> None:
        store = PostgresStore(dsn, schema=schema, migrate=False, max_size=2)
        async with aclosing(store):
            collection, _ = await store.create_collection(who, "Shared", None)
            for round_ in range(RACE_ROUNDS):
                await anyio.to_thread.run_sync(barrier.wait)
                for _ in range(2):
                    _, created = await store.create_collection(who, f"Shared {round_}", None)
                    out.put(("collection", round_, created))
                    _, created = await store.request_email_discovery(who, f"cmp_{round_:08d}", ["cfo"])
                    out.put(("discovery", round_, created))
                    added = await store.add_to_collection(who, collection.id, [f"cmp_{round_:08d}"])
                    out.put(("item", round_, bool(added.added)))

    anyio.run(main)
