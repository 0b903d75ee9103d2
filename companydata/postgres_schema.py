"""The PostgreSQL store's schema, as ordered migrations.

``migrate`` applies the migrations a schema has not had yet and records each
in ``schema_migrations``. It is idempotent, and safe when several processes
run it at once: a transaction-level advisory lock (keyed by the schema name)
makes them take turns, and each then sees what the others committed.

Layout notes (the why; the SQL is below):

* ``companies.seq`` is the generator index, so ``seq`` order is id order, and
  every filter index ends in ``seq`` to serve "filter, then order by id".
  ``companies_employees`` is text-search order; the seeder stores the rows in
  that order (``CLUSTER``), which text searches rely on for speed only (after
  other writes, ``CLUSTER companies`` restores it).
* Text columns that are compared or ordered use ``COLLATE "C"``: equality is
  byte equality, as in SQLite, and ``lower()`` under "C" folds A-Z only, which
  is SQLite's NOCASE (industry, city, domain compare that way).
* ``companies.search`` is a stored ``tsvector`` of the store-neutral search
  document (``companydata.text.search_document``): the same words SQLite's FTS5
  index holds, written by the seeder as a tsvector literal (words are
  ``[a-z0-9]+``, so no parser or dictionary can change them; for these words
  ``to_tsvector('simple', document)`` has the same lexemes).
* ``companies.facets`` (migration 2) holds the company's country, industry
  and city as tokens (``companydata.facets``), generated from the columns, so
  the one GIN index over ``(search, facets)`` intersects words and filters
  without reading rows. ``search_words`` and ``search_facets`` count the
  companies per word and per token: prefix terms are turned into words with
  them, and the store estimates how dense a search's matches are;
  ``employee_ranks`` gives the employee count at every ``RANK_STEP``-th
  company in text order, so a search can read just the first so many
  companies through the indexes (see ``postgres_search``). The seeder refills
  all three with the companies.
* Email-discovery times are float seconds since the epoch, as in SQLite, so
  the 24-hour window and the pending/completed switch compare the same values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


COMPANIES_TABLE = """
CREATE TABLE companies (
    seq bigint PRIMARY KEY,
    id text COLLATE "C" NOT NULL,
    name text NOT NULL,
    domain text COLLATE "C" NOT NULL,
    industry text COLLATE "C" NOT NULL,
    country text COLLATE "C" NOT NULL,
    city text COLLATE "C" NOT NULL,
    employee_count integer NOT NULL,
    founded_year integer NOT NULL,
    description text NOT NULL,
    website text NOT NULL,
    tags text[] NOT NULL,
    updated_at timestamptz NOT NULL,
    search tsvector NOT NULL
)
"""

# The order of text searches (most employees first, then id); the seeder stores the rows in it.
TEXT_ORDER_INDEX = "companies_employees"
# The seeder drops these before a bulk load and builds them again afterwards (from pg_indexes, so a later
# migration's indexes are rebuilt too).
COMPANY_INDEXES = (
    "CREATE UNIQUE INDEX companies_id ON companies (id)",
    "CREATE UNIQUE INDEX companies_domain ON companies (lower(domain))",
    "CREATE INDEX companies_industry ON companies (lower(industry), seq)",
    "CREATE INDEX companies_country ON companies (country, seq)",
    "CREATE INDEX companies_city ON companies (lower(city), seq)",
    # Also the order of text searches: most employees first, then id.
    "CREATE INDEX companies_employees ON companies (employee_count DESC, seq)",
    "CREATE INDEX companies_founded ON companies (founded_year, seq)",
    "CREATE INDEX companies_search ON companies USING gin (search)",
)

USER_TABLES = (
    """
    CREATE TABLE collections (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        owner text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        description text,
        created_at timestamptz NOT NULL,
        UNIQUE (owner, name)
    )
    """,
    "CREATE INDEX collections_by_owner ON collections (owner, created_at, seq)",
    # ``added_seq`` is the order of adding (rows are never deleted while the company exists).
    """
    CREATE TABLE collection_items (
        collection_id text COLLATE "C" NOT NULL REFERENCES collections (id),
        company_id text COLLATE "C" NOT NULL,
        added_seq bigint GENERATED ALWAYS AS IDENTITY,
        added_at timestamptz NOT NULL,
        PRIMARY KEY (collection_id, company_id)
    )
    """,
    "CREATE INDEX collection_items_in_order ON collection_items (collection_id, added_seq)",
    # No unique key can express "within the last 24 hours": the store serialises same-key requests with an
    # advisory transaction lock instead (see PostgresStore.request_email_discovery).
    """
    CREATE TABLE email_discovery_requests (
        request_id text COLLATE "C" PRIMARY KEY,
        owner text COLLATE "C" NOT NULL,
        company_id text COLLATE "C" NOT NULL,
        roles_key text COLLATE "C" NOT NULL,
        roles text[] NOT NULL,
        requested_ts double precision NOT NULL,
        ready_ts double precision NOT NULL
    )
    """,
    """
    CREATE INDEX email_discovery_dedupe
        ON email_discovery_requests (owner, company_id, roles_key, requested_ts)
    """,
    "CREATE INDEX email_discovery_expiry ON email_discovery_requests (requested_ts)",
)

# The facet tokens of ``companydata.facets.facet_token``: kind letter + 16 hex digits of the MD5 of the value as
# compared (lower() under "C" folds A-Z only, as the filters do). md5(text) hashes the UTF-8 bytes in a UTF8 database.
FACETS_SQL = (
    "array_to_tsvector(ARRAY['c' || left(md5(country), 16), 'i' || left(md5(lower(industry)), 16), "
    "'t' || left(md5(lower(city)), 16)])"
)
# Every this many companies in text order, ``employee_ranks`` records the employee count there.
RANK_STEP = 1000
# Counted from the stored vectors, so they hold exactly the indexed words and tokens.
FILL_SEARCH_STATS = (
    "TRUNCATE search_words, search_facets, employee_ranks",
    "INSERT INTO search_words (word, docs) "
    "SELECT word, ndoc FROM ts_stat('SELECT search FROM companies') ORDER BY word",
    "INSERT INTO search_facets (token, docs) "
    "SELECT word, ndoc FROM ts_stat('SELECT facets FROM companies') ORDER BY word",
    "INSERT INTO employee_ranks (rank, employee_count) SELECT r, employee_count FROM ("
    "SELECT employee_count, row_number() OVER (ORDER BY employee_count DESC, seq) AS r FROM companies) x "
    f"WHERE r % {RANK_STEP} = 0",
)
SEARCH_FACETS = (
    f"ALTER TABLE companies ADD COLUMN facets tsvector GENERATED ALWAYS AS ({FACETS_SQL}) STORED",
    "DROP INDEX companies_search",
    # Written only by the seeder, after the load: no pending list needed.
    "CREATE INDEX companies_text ON companies USING gin (search, facets) WITH (fastupdate = off)",
    'CREATE TABLE search_words (word text COLLATE "C" PRIMARY KEY, docs integer NOT NULL)',
    'CREATE TABLE search_facets (token text COLLATE "C" PRIMARY KEY, docs integer NOT NULL)',
    "CREATE TABLE employee_ranks (rank bigint PRIMARY KEY, employee_count integer NOT NULL)",
    *FILL_SEARCH_STATS,
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "companies, collections, email discovery", (COMPANIES_TABLE, *COMPANY_INDEXES, *USER_TABLES)),
    Migration(2, "facets and vocabulary for text search", SEARCH_FACETS),
)

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def check_schema_name(schema: str) -> str:
    """A plain lower-case identifier (it also goes into connection options, unquoted)."""
    if not _SCHEMA_NAME.fullmatch(schema):
        raise ValueError(f"invalid PostgreSQL schema name {schema!r}: use lower-case letters, digits and _")
    return schema


def migrate(
    conn: psycopg.Connection[tuple[object, ...]],
    schema: str = "public",
    migrations: Sequence[Migration] = MIGRATIONS,
) -> list[int]:
    """Create ``schema`` if needed and apply its missing migrations in order; returns the versions applied now."""
    check_schema_name(schema)
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)):
        raise ValueError("migration versions must be unique and ascending")
    applied_now: list[int] = []
    with conn.transaction():
        # Concurrent migrators of one schema take turns; the lock ends with the transaction.
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"company-mcp:migrate:{schema}",))
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        conn.execute(MIGRATIONS_TABLE)
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for migration in migrations:
            if migration.version in done:
                continue
            for statement in migration.statements:
                conn.execute(statement)  # our own constant SQL, never user input
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (migration.version, migration.name)
            )
            applied_now.append(migration.version)
    return applied_now


def applied_versions(conn: psycopg.Connection[tuple[object, ...]], schema: str = "public") -> list[int]:
    """The versions recorded in ``schema`` (empty when it was never migrated)."""
    check_schema_name(schema)
    exists = conn.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'schema_migrations'", (schema,)
    ).fetchone()
    if exists is None:
        return []
    query = sql.SQL("SELECT version FROM {}.schema_migrations ORDER BY version").format(sql.Identifier(schema))
    return [row[0] for row in conn.execute(query)]


def drop_schema(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> None:
    """Drop ``schema`` and everything in it (tests isolate themselves in a schema of their own)."""
    if check_schema_name(schema) == "public":
        raise ValueError("refusing to drop the public schema")
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def migrate_postgres(
    dsn: str, schema: str = "public", *, connect_timeout_s: float = 10.0, password: str | None = None
) -> list[int]:
    """Connect, migrate ``schema`` (see ``migrate``) and disconnect; for ``company-mcp migrate`` and the store."""
    check_schema_name(schema)
    extra = {"password": password} if password else {}  # a token password (IAM database auth) beside the DSN
    with psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, round(connect_timeout_s)), **extra) as conn:
        return migrate(conn, schema)
