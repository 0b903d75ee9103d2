"""How the PostgreSQL store chooses to read a text search's matches (see ``postgres_search``): a small cost model.

The costs are microseconds per unit, measured at 1,000,000 companies stored in
text order (2 cores, default ``shared_buffers``); only their ratios matter.
Every choice leads to the same rows; a wrong estimate costs time, never
results, and each way of reading is capped or falls back to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The most companies one walk reads (about 20 ms).
WALK_LIMIT = 20_000
# A walk reads up to this many times the rows it is expected to need; a band holds this many times as many.
WALK_MARGIN = 2
BAND_MARGIN = 4
# A band must be this much cheaper than the plain bitmap to be tried first (if it comes up short, both are paid).
_BAND_ADVANTAGE = 2.0
_WALK_ROW = 1.0  # reading one company on a walk (consecutive pages) and checking one term
_WALK_TERM = 0.1  # checking one more term on it
_POSTING = 0.05  # one posting of an exact word or facet token in a GIN scan
_PREFIX_POSTING = 0.3  # one posting gathered by the index's prefix operator
_BAND_ROW = 0.15  # one company of a band (an entry of the employee index's bitmap)
_HEAP_ROW = 3.0  # reading one matching company through a bitmap, and sorting it


@dataclass(frozen=True, slots=True)
class Shape:
    """What the model knows of a search: the companies, and the share and postings of its facet filters."""

    companies: float
    facet_share: float  # the share of companies passing the facet filters (assumed independent)
    facet_postings: int  # postings of the facet tokens


@dataclass(frozen=True, slots=True)
class Estimate:
    """What finding the first ``wanted`` matches of one query is expected to cost."""

    wanted: int
    matches: float  # how many companies match (words of one query assumed to occur together: an upper bound)
    walk_length: float  # rows a walk reads to find them
    index: float  # the GIN scan (postings of the words and facets)

    @property
    def band_rows(self) -> float:
        return BAND_MARGIN * self.walk_length

    def bitmap(self) -> float:
        return self.index + self.matches * _HEAP_ROW

    def band(self, shape: Shape) -> float | None:
        """The band's cost, or ``None`` when it would hold half the companies or more (then no better than bitmap)."""
        if self.band_rows >= shape.companies / 2:
            return None
        return self.index + self.band_rows * _BAND_ROW + BAND_MARGIN * self.wanted * _HEAP_ROW

    def after_walk(self, shape: Shape, walked: int, found: int) -> Estimate:
        """The estimate once a walk of ``walked`` rows found only ``found`` matches (it did not fill the page)."""
        density = (found + 1) / max(walked, 1)
        return Estimate(self.wanted, min(self.matches, density * shape.companies), self.wanted / density, self.index)


def estimate(shape: Shape, docs: int, prefix_docs: int, postings: int, wanted: int) -> Estimate:
    """``docs``: companies holding the rarest term; ``postings``/``prefix_docs``: postings read as words/by prefix."""
    matches = docs * shape.facet_share
    length = wanted * shape.companies / matches if matches > 0 else float("inf")
    index = (postings + shape.facet_postings) * _POSTING + prefix_docs * _PREFIX_POSTING
    return Estimate(wanted, matches, length, index)


def walk_cost(length: float, terms: int) -> float:
    return WALK_MARGIN * length * (_WALK_ROW + _WALK_TERM * (terms - 1))


def walk_rows(length: float, wanted: int) -> int:
    """The rows a walk expected to need ``length`` rows may read."""
    return int(min(WALK_LIMIT, max(wanted, WALK_MARGIN * length)))


def prefers_band(estimate: Estimate, shape: Shape) -> bool:
    band = estimate.band(shape)
    return band is not None and band * _BAND_ADVANTAGE < estimate.bitmap()


def index_cost(estimate: Estimate, shape: Shape) -> float:
    """The cost of reading through the index: the band if it is worth trying first, else the plain bitmap."""
    band = estimate.band(shape)
    return band if band is not None and prefers_band(estimate, shape) else estimate.bitmap()


def should_walk(estimate: Estimate, shape: Shape, terms: int = 1) -> bool:
    return estimate.walk_length <= WALK_LIMIT and walk_cost(estimate.walk_length, terms) <= index_cost(estimate, shape)


def walked_terms(estimates: Sequence[Estimate], shape: Shape) -> list[int]:
    """The terms of an "any" search one shared walk should serve (the rest are read through the index).

    The walk must reach the deepest of its terms, and checks every term on
    each row; each term left out costs its own index read. Walk the cheapest
    prefix of the terms by walk length.
    """
    order = sorted(range(len(estimates)), key=lambda i: estimates[i].walk_length)
    apart = [index_cost(estimates[i], shape) for i in order]
    best: list[int] = []
    best_cost = sum(apart)
    for k, i in enumerate(order):
        length = estimates[i].walk_length
        if length > WALK_LIMIT:
            break
        cost = walk_cost(length, len(estimates)) + sum(apart[k + 1 :])
        if cost < best_cost:
            best, best_cost = order[: k + 1], cost
    return best
