"""Filters as text-index terms ("facets"), so a text search and its filters are one index lookup.

A common word with a selective filter ("based", in France, biotechnology,
1,000+ employees) must not walk every company that has the word, checking the
filters row by row. Both stores therefore index each company's filter values
beside its words, as terms of their own, and intersect them inside the text
index:

* ``country``, ``industry`` and ``city`` become one token each: a kind letter
  and 16 hex digits of the MD5 of the value as compared (the country as stored,
  industry and city folded as ``store_rules.ascii_lower`` folds them). Tokens
  are plain ``[a-z0-9]`` whatever the value (spaces, diacritics, quotes), and
  equal values give equal tokens. PostgreSQL computes the same tokens in SQL
  (``postgres_schema.FACETS_SQL``, a generated column); SQLite's seeder here
  (``row_facets``). The stores still compare the columns too, so a hash
  collision could only cost time, never change a result.
* The employee count is already the leading part of the text order: SQLite
  turns employee bounds into a range of its text key, PostgreSQL into an index
  condition. Founding years are year tokens in SQLite (``year_token``), which
  cannot AND a B-tree into its FTS index; PostgreSQL combines its year index.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from companydata.store_rules import FilterKey, ascii_lower

# Filter -> token kind letter.
FACET_KINDS: dict[FilterKey, str] = {"country": "c", "industry": "i", "city": "t"}
_HEX_DIGITS = 16


@lru_cache(maxsize=4096)
def facet_token(kind: str, value: str) -> str:
    """The token of an already folded filter value, e.g. ``facet_token("c", "FR")``."""
    return kind + hashlib.md5(value.encode()).hexdigest()[:_HEX_DIGITS]


def year_token(year: int) -> str:
    """The token of a founding year (SQLite only): "y1998"; negative years cannot be typed as one word."""
    return f"y{year}" if year >= 0 else f"yn{-year}"


def row_facets(country: str, industry: str, city: str, founded_year: int) -> str:
    """The facet tokens SQLite indexes for one company, space-separated."""
    return " ".join(
        (
            facet_token("c", country),
            facet_token("i", ascii_lower(industry)),
            facet_token("t", ascii_lower(city)),
            year_token(founded_year),
        )
    )


@dataclass(frozen=True, slots=True)
class FacetFilter:
    """A search's filters as the text index sees them.

    ``tokens`` must all be present; ``min_employees``/``max_employees`` and
    ``founded_after``/``founded_before`` are the bounds (inclusive and
    exclusive, as in ``store_rules.filter_conditions``), ``None`` when unset.
    """

    tokens: tuple[str, ...]
    min_employees: int | None
    max_employees: int | None
    founded_after: int | None
    founded_before: int | None


def facet_filter(conditions: list[tuple[FilterKey, str | int]]) -> FacetFilter:
    """The facet view of ``store_rules.filter_conditions`` output (values already folded and clamped)."""
    values = dict(conditions)
    tokens = tuple(facet_token(kind, str(values[key])) for key, kind in FACET_KINDS.items() if key in values)

    def bound(key: FilterKey) -> int | None:
        value = values.get(key)
        return value if isinstance(value, int) else None

    return FacetFilter(
        tokens,
        bound("min_employees"),
        bound("max_employees"),
        bound("founded_after"),
        bound("founded_before"),
    )
