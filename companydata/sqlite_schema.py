"""The SQLite store's schema, shared by the bulk seeder and the store.

Companies are written only by the seeder, in id order, with ``rid`` equal to the
generator index; so ``rid`` order is id order and the filter indexes (which
carry the rowid implicitly) serve "filter, then order by id" without a sort.

The full-text index is contentless: column ``doc`` holds the words of
``companydata.text.search_document`` (the same document the PostgreSQL store
indexes), column ``facets`` the company's filter values as tokens
(``companydata.facets``), and no copy of the text. Its rowid is not ``rid`` but
the *text key*, ``(EMPLOYEES_CAP - employee_count) << 32 | rid``: ascending key
order is the order of text searches (most employees first, then id), so FTS5
hands matches over already sorted, employee bounds are a key range, and a page
stops after its rows whatever the number of matches; ``key & RID_MASK`` is the
company's ``rid``.

``search_words`` is the index's vocabulary (word, companies holding it), for
turning prefix terms into words (``companydata.ranking``); ``founded_years``
lists the years present, for turning year bounds into year tokens.
"""

from __future__ import annotations

import json
import sqlite3

from companydata.facets import row_facets
from companydata.text import search_document

# Bump when the layout changes; ``store_info`` treats other versions as "no store".
# 2: contentless FTS over the store-neutral search document; employee index descending (text-search order).
# 3: facet tokens in the FTS index; vocabulary and founding-year tables.
SCHEMA_VERSION = 3

COMPANIES_TABLE = """
CREATE TABLE IF NOT EXISTS companies (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    domain TEXT NOT NULL COLLATE NOCASE,
    industry TEXT NOT NULL COLLATE NOCASE,
    country TEXT NOT NULL,
    city TEXT NOT NULL COLLATE NOCASE,
    employee_count INTEGER NOT NULL,
    founded_year INTEGER NOT NULL,
    description TEXT NOT NULL,
    website TEXT NOT NULL,
    tags TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""

# Built after the bulk insert (much faster than maintaining them row by row).
COMPANY_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS companies_id ON companies (id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS companies_domain ON companies (domain)",
    "CREATE INDEX IF NOT EXISTS companies_industry ON companies (industry)",
    "CREATE INDEX IF NOT EXISTS companies_country ON companies (country)",
    "CREATE INDEX IF NOT EXISTS companies_city ON companies (city)",
    # Descending, so with the implicit rowid it is the order of text searches: most employees first, then id.
    "CREATE INDEX IF NOT EXISTS companies_employees_desc ON companies (employee_count DESC)",
    "CREATE INDEX IF NOT EXISTS companies_founded ON companies (founded_year)",
)

# Contentless (no text is stored twice) and without column sizes (they only serve bm25, which is not used).
COMPANIES_FTS = """
CREATE VIRTUAL TABLE IF NOT EXISTS companies_fts USING fts5 (
    doc, facets, content = '', columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
)
"""
FTS_INSERT = "INSERT INTO companies_fts (rowid, doc, facets) VALUES (?, ?, ?)"
# Written with the full-text index, from it (both are rebuilt together).
SEARCH_TABLES = (
    "CREATE TABLE IF NOT EXISTS search_words (word TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS founded_years (year INTEGER PRIMARY KEY, docs INTEGER NOT NULL)",
)
_FILL_SEARCH_TABLES = (
    "DELETE FROM search_words",
    "DELETE FROM founded_years",
    "CREATE VIRTUAL TABLE temp.companies_fts_terms USING fts5vocab(main, companies_fts, col)",
    "INSERT INTO search_words (word, docs) SELECT term, doc FROM temp.companies_fts_terms WHERE col = 'doc'",
    "DROP TABLE temp.companies_fts_terms",
    "INSERT INTO founded_years (year, docs) SELECT founded_year, count(*) FROM companies GROUP BY founded_year",
)
EMPLOYEES_CAP = 2**31 - 1
RID_MASK = 2**32 - 1
TEXT_KEY = f"(({EMPLOYEES_CAP} - employee_count) << 32) | rid"
# A bulk load defers merging index segments (much faster), then merges them all into one (faster queries)
# and puts the merge settings back to FTS5's defaults.
FTS_BULK_LOAD = (
    "INSERT INTO companies_fts (companies_fts, rank) VALUES ('automerge', 0)",
    "INSERT INTO companies_fts (companies_fts, rank) VALUES ('crisismerge', 64)",
)
FTS_OPTIMIZE = (
    "INSERT INTO companies_fts (companies_fts) VALUES ('optimize')",
    "INSERT INTO companies_fts (companies_fts, rank) VALUES ('automerge', 4)",
    "INSERT INTO companies_fts (companies_fts, rank) VALUES ('crisismerge', 16)",
)

# The user-owned tables: written by the store, concurrently, from several processes.
USER_TABLES = (
    """
    CREATE TABLE IF NOT EXISTS collections (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (owner, name)
    )
    """,
    "CREATE INDEX IF NOT EXISTS collections_by_owner ON collections (owner, created_at, id)",
    # A rowid table: its rowid (never reused, rows are never deleted) is the order of adding.
    """
    CREATE TABLE IF NOT EXISTS collection_items (
        collection_id TEXT NOT NULL,
        company_id TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (collection_id, company_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS collection_items_in_order ON collection_items (collection_id)",
    """
    CREATE TABLE IF NOT EXISTS email_discovery_requests (
        request_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        company_id TEXT NOT NULL,
        roles_key TEXT NOT NULL,
        roles TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        requested_ts REAL NOT NULL,
        ready_ts REAL NOT NULL
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS email_discovery_dedupe
        ON email_discovery_requests (owner, company_id, roles_key, requested_ts)
    """,
    "CREATE INDEX IF NOT EXISTS email_discovery_expiry ON email_discovery_requests (requested_ts)",
)


def create_all(conn: sqlite3.Connection) -> None:
    """Create every table and index that is missing (an empty store is valid)."""
    for statement in (COMPANIES_TABLE, *COMPANY_INDEXES, COMPANIES_FTS, *SEARCH_TABLES, *USER_TABLES):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def fill_search_index(conn: sqlite3.Connection) -> None:
    """Index every company's search document and facets under its text key, then the vocabulary and years.

    The companies and their indexes must exist. Rows go in in key order (FTS5
    writes out its buffer whenever a rowid is not above the previous one), read
    back through the employee index.
    """
    (out_of_range,) = conn.execute(
        f"SELECT count(*) FROM companies WHERE employee_count NOT BETWEEN 0 AND {EMPLOYEES_CAP} "
        f"OR rid NOT BETWEEN 0 AND {RID_MASK}"
    ).fetchone()
    if out_of_range:
        raise ValueError("employee counts must be in 0..2**31-1 and rids in 0..2**32-1 for the text key")
    for statement in FTS_BULK_LOAD:
        conn.execute(statement)
    rows = conn.execute(
        f"SELECT {TEXT_KEY}, name, domain, description, tags, country, industry, city, founded_year "
        "FROM companies ORDER BY employee_count DESC, rid"
    )
    conn.executemany(
        FTS_INSERT,
        ((r[0], search_document(r[1], r[2], r[3], json.loads(r[4])), row_facets(r[5], r[6], r[7], r[8])) for r in rows),
    )
    for statement in (*FTS_OPTIMIZE, *_FILL_SEARCH_TABLES):
        conn.execute(statement)


def upgrade(conn: sqlite3.Connection) -> None:
    """Rebuild an older store's full-text index, search tables and indexes in place (versions 1 and 2).

    Collections and email-discovery requests are kept.
    """
    for statement in (
        "DROP TABLE IF EXISTS companies_fts",
        "DROP TABLE IF EXISTS search_words",
        "DROP TABLE IF EXISTS founded_years",
        "DROP INDEX IF EXISTS companies_employees",  # version 1's ascending index
    ):
        conn.execute(statement)
    create_all(conn)
    fill_search_index(conn)
