"""Store-neutral parts of ranked text search: how query terms become indexed words, and the "any" rule.

**Term expansion.** A prefix term ("base") matches every indexed word that
starts with it. Both text indexes can match prefixes themselves, but they do it
by gathering every posting of every such word first (FTS5 and GIN alike), which
for a common word costs milliseconds before the first row. So each store keeps
its vocabulary (``search_words``: word, number of companies) and a term is
looked up there first (``word_range``) and turned into its exact words
(``expansion``), which the indexes read lazily, in order. A prefix with many
rare words (brand names: "ber" -> 880 words) is cheaper with the index's own
prefix operator, and so is one with more words than the store's index handles
well (each store says how many), so it keeps that (``Expansion.words is
None``). Either way the term matches the same companies; the vocabulary only
decides how to ask, and gives the number of companies holding the words, which
the stores use to choose how to read.

**The "any" rule** (``match="any"`` with two or more matchable terms). Ranking
every company that has any of the words by how many words it has would, for
common words, rank the whole store to return one page. Instead:

1. each term brings its *candidates*: its first ``ANY_CANDIDATES_PER_TERM``
   matching companies (that also pass the filters) in text order (most
   employees first, then id) -- a term with fewer matches brings them all;
2. the union of the candidates is ordered by the number of distinct query
   terms each company matches (all terms, not only those that brought it),
   most first, then by employees (most first), then by id.

That ordered union is the whole result: paging (``o<offset>`` tokens) walks it
without repeats or gaps and ends with it (no next cursor), even where more
companies match some word. Each term's first candidates are found in its
posting order (or a bounded walk), so a search costs about the number of terms
times ``ANY_CANDIDATES_PER_TERM`` (the largest page), whatever the number of
matches. The rule is deterministic and both stores compute it exactly: SQLite
counts matched terms from the candidate lists (``membership``) and, where those
cannot tell, from the documents; PostgreSQL evaluates each term on the
candidates; ``ranked`` orders both. A search with a single matchable term is
not bounded: it is the "all" search of that term.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, Self, TypeVar

from companydata.text import Term

ANY_CANDIDATES_PER_TERM = 100
# Expanding pays a little per word, the prefix operator a little per company holding one: expand only when the words
# are this common on average (e.g. "base" -> 180 words, 106,000 companies; "ber" -> 880 words, 900 companies).
_DOCS_PER_WORD = 50
# Sorts before any word character: [word, word + _END) holds the word alone.
_END = "\x01"
# Sorts after every word character ([a-z0-9]): [word, word + _AFTER) holds the word and its extensions.
_AFTER = "{"


class _Comparable(Protocol):
    def __lt__(self, other: Self, /) -> bool: ...


K = TypeVar("K", bound=_Comparable)


@dataclass(frozen=True, slots=True)
class Expansion:
    """A term as the index is asked for it.

    ``words`` are the indexed words it matches (empty: none, so the term
    matches nothing), or ``None`` to use the index's prefix operator.
    ``docs`` counts companies per word (an upper bound on the term's matches,
    for cost estimates only).
    """

    term: Term
    words: tuple[str, ...] | None
    docs: int

    @property
    def matches_nothing(self) -> bool:
        return self.docs == 0


def word_range(term: Term) -> tuple[str, str]:
    """``(low, high)``: the vocabulary words ``low <= word < high`` are the ones ``term`` matches."""
    return term.word, term.word + (_AFTER if term.prefix else _END)


def expansion(term: Term, count: int, docs: int, words: Sequence[str], max_words: int) -> Expansion:
    """A term's expansion from its ``word_range`` in the vocabulary.

    ``count`` and ``docs`` are the number of words in the range and the sum of
    their company counts; ``words`` the first ``max_words`` of them, in order
    (ignored when there are more: then the prefix operator is used).
    """
    if not term.matchable or count == 0:
        return Expansion(term, (), 0)
    if term.prefix and (count > max_words or count * _DOCS_PER_WORD > docs):
        return Expansion(term, None, docs)
    return Expansion(term, tuple(words), docs)


def membership(key: K, listed: Sequence[K], listed_set: set[K]) -> bool | None:
    """Whether the company at ``key`` matches a term, from the term's candidate list alone; ``None``: unknown.

    The list holds the term's first matches in text order (``ANY_CANDIDATES_PER_TERM`` at most), so a key
    before its last entry, or any key when the list is shorter than that (it is every match), is decided.
    """
    if key in listed_set:
        return True
    if len(listed) < ANY_CANDIDATES_PER_TERM or key < listed[-1]:
        return False
    return None


def ranked(hits: Mapping[K, int]) -> list[K]:
    """Candidates in "any" order: most terms matched first, then text order (the key's own order)."""
    return sorted(hits, key=lambda k: (-hits[k], k))


def union(lists: Sequence[Sequence[K]]) -> list[K]:
    """Every key of the candidate lists, once, in text order."""
    return sorted({k for keys in lists for k in keys})
