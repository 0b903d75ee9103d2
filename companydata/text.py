"""Free-text search, store-neutral: how text becomes words, and which words a query asks for.

Both stores index the *same* document (``search_document``): the words of a
company's name, domain, description and tags, already folded and split here,
joined by single spaces. Every word is ``[a-z0-9]+``, so SQLite FTS5
(``unicode61``) and a PostgreSQL ``tsvector`` hold exactly the same tokens;
neither store's own parser gets a say (PostgreSQL's would keep "zusoto3.in" as
one host token, split "e-commerce" three ways, and so on).

A query is folded and split the same way (``parse_query``). Each term is an
exact word (under three characters) or a prefix. A query word that is not
ASCII after folding ("名前") can match no indexed word, so it is kept but marked
unmatchable instead of being handed to a store that might fold it further.

Ranking is store-neutral too, and uses no store-specific scores. Text
searches are ordered by employees (most first), then id ("text order").
``match="all"`` (the default) returns every company that has every term, in
text order. ``match="any"`` with two or more matchable terms ranks a bounded
candidate set by the number of terms matched, then text order (the rule is in
``companydata.ranking``); with one matchable term it is the "all" search.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

MAX_QUERY_TERMS = 16
# Shorter words match exactly: a one- or two-letter prefix would match most rows.
PREFIX_MIN_CHARS = 3
# Longer words are never indexed (PostgreSQL caps lexemes at 2 KB), so they cannot match either.
MAX_WORD_CHARS = 100

_WORD = re.compile(r"[^\W_]+")
_INDEXED_WORD = re.compile(rf"[a-z0-9]{{1,{MAX_WORD_CHARS}}}")
# Latin letters that NFKD does not decompose, folded the way people type them without the diacritic.
_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i", "ħ": "h"}
)
# ASCII letters and digits to lower case, every other byte to a space.
_ASCII_WORD_BYTES = bytes(ord(chr(b).lower()) if b < 128 and chr(b).isalnum() else 32 for b in range(256))
# Dropped from a query when other words remain: they match nearly every row and say little.
_STOPWORD_TEXT = (
    "a an and are as at be by for from in into is it its of on or our that the their this to we with you your"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

Match = Literal["all", "any"]


def words(text: str) -> list[str]:
    """The words of ``text``: letters and digits, diacritics removed, lower case, in order (repeats kept)."""
    if text.isascii():  # the common case, and every generated row
        return _WORD.findall(text.lower())
    decomposed = unicodedata.normalize("NFKD", text)  # "Zu\u0308rich" and "Zürich" are one word: "zurich"
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(stripped.lower().translate(_FOLD))


def indexable(word: str) -> bool:
    return _INDEXED_WORD.fullmatch(word) is not None


def search_document(name: str, domain: str, description: str, tags: Iterable[str]) -> str:
    """The text both stores index for one company: its indexable words, space-separated.

    The domain's dots split it ("zusoto3.in" -> "zusoto3 in"), as they would in a sentence.
    """
    text = " ".join((name, domain, description, *tags))
    if text.isascii():  # the same words as ``words`` gives, about five times faster (it runs per seeded row)
        found = text.encode().translate(_ASCII_WORD_BYTES).decode().split()
        if len(text) <= MAX_WORD_CHARS or max(map(len, found), default=0) <= MAX_WORD_CHARS:
            return " ".join(found)
    else:
        found = words(text)
    return " ".join(w for w in found if indexable(w))


@dataclass(frozen=True, slots=True)
class Term:
    word: str
    prefix: bool  # True: matches every indexed word that starts with ``word``

    @property
    def matchable(self) -> bool:
        return indexable(self.word)


@dataclass(frozen=True, slots=True)
class TextQuery:
    """The terms of a free-text query, distinct and in the order given."""

    terms: tuple[Term, ...]
    match: Match

    @property
    def matchable_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.matchable)

    @property
    def matches_nothing(self) -> bool:
        """True when no row can match: an unmatchable term under "all", or no matchable term at all."""
        if self.match == "all":
            return len(self.matchable_terms) < len(self.terms)
        return not self.matchable_terms


def parse_query(query: str | None, match: Match) -> TextQuery | None:
    """The terms of ``query``, or ``None`` when it has no words (then the search is by filters alone).

    Common English words are dropped unless the text has nothing else; at most
    ``MAX_QUERY_TERMS`` terms are kept.
    """
    found = list(dict.fromkeys(words(query or "")))
    found = [w for w in found if w not in STOPWORDS] or found
    if not found:
        return None
    terms = tuple(Term(w, len(w) >= PREFIX_MIN_CHARS) for w in found[:MAX_QUERY_TERMS])
    return TextQuery(terms, match)


def term_matches(term: Term, document_words: Iterable[str]) -> bool:
    """Reference semantics of one term against a document's words (for tests and for readers)."""
    if not term.matchable:
        return False
    return any(w.startswith(term.word) if term.prefix else w == term.word for w in document_words)


class MatchCounter:
    """Counts how many of a query's terms a document matches (``term_matches``, made fast for many documents)."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._terms = [(t.word, t.prefix) for t in terms if t.matchable]

    def __call__(self, sorted_words: Sequence[str]) -> int:
        """``sorted_words``: the document's distinct words, sorted."""
        count = 0
        for word, prefix in self._terms:
            at = bisect_left(sorted_words, word)  # the word itself, else the first word it is a prefix of
            if at < len(sorted_words) and (sorted_words[at].startswith(word) if prefix else sorted_words[at] == word):
                count += 1
        return count


def count_matched(terms: Iterable[Term], sorted_words: Sequence[str]) -> int:
    """How many of ``terms`` match a document, given its distinct words in sorted order."""
    return MatchCounter(terms)(sorted_words)
