"""The store-neutral text rules: how documents and queries become words and terms."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companydata.generator import generate_companies
from companydata.text import (
    MAX_QUERY_TERMS,
    MAX_WORD_CHARS,
    Term,
    indexable,
    parse_query,
    search_document,
    term_matches,
    words,
)


@settings(max_examples=500, deadline=None)
@given(
    name=st.text(),
    domain=st.text(alphabet=st.characters(max_codepoint=127)),
    description=st.text(alphabet=st.sampled_from("ab Z9-_.'\t\n\\é" + "x" * 5)),
    tags=st.lists(st.text(max_size=120)),
)
def test_document_is_the_indexable_words_of_its_parts(
    name: str, domain: str, description: str, tags: list[str]
) -> None:
    document = search_document(name, domain, description, tags)
    expected = [w for w in words(" ".join((name, domain, description, *tags))) if indexable(w)]
    assert document == " ".join(expected)  # the fast ASCII path and the general one agree
    word = rf"[a-z0-9]{{1,{MAX_WORD_CHARS}}}"
    assert document == "" or re.fullmatch(rf"{word}( {word})*", document)


def test_long_words_are_not_indexed() -> None:
    long_word = "a" * (MAX_WORD_CHARS + 1)
    assert search_document(long_word, "x.io", "fine", []) == "x io fine"
    query = parse_query(long_word, "all")
    assert query is not None and not query.terms[0].matchable and query.matches_nothing


def test_generated_documents_keep_every_word() -> None:
    for company in generate_companies(300):
        text = " ".join((company.name, company.domain, company.description, *company.tags))
        assert search_document(company.name, company.domain, company.description, company.tags).split() == [
            w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)
        ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zürich", ["zurich"]),
        ("Zu\u0308rich", ["zurich"]),
        ("ŁÓDŹ straße Ørsted", ["lodz", "strasse", "orsted"]),
        ("zusoto3.in", ["zusoto3", "in"]),
        ("e-commerce", ["e", "commerce"]),
        ("O'Brien's", ["o", "brien", "s"]),
        ("snake_case", ["snake", "case"]),
        ("\uff21\uff22\uff23\uff11\uff12", ["abc12"]),  # full-width "ABC12"
        ("名前 café", ["名前", "cafe"]),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_query_terms() -> None:
    query = parse_query("The cloud, CLOUD and ai for the win", "all")
    assert query is not None
    assert query.terms == (Term("cloud", True), Term("ai", False), Term("win", True))  # stopwords dropped, deduped
    only_stopwords = parse_query("the and", "any")
    assert only_stopwords is not None and [t.word for t in only_stopwords.terms] == ["the", "and"]
    assert parse_query(" ?! ", "all") is None and parse_query(None, "all") is None
    many = parse_query(" ".join(f"w{k}" for k in range(40)), "any")
    assert many is not None and len(many.terms) == MAX_QUERY_TERMS


def test_unmatchable_terms() -> None:
    under_all = parse_query("名前 cloud", "all")
    under_any = parse_query("名前 cloud", "any")
    alone = parse_query("名前", "any")
    assert under_all is not None and under_all.matches_nothing
    assert under_any is not None and not under_any.matches_nothing
    assert [t.word for t in under_any.matchable_terms] == ["cloud"]
    assert alone is not None and alone.matches_nothing


def test_term_semantics() -> None:
    document = ["cloud", "based", "planning", "ai"]
    assert term_matches(Term("clo", True), document)
    assert not term_matches(Term("clo", False), document)
    assert term_matches(Term("ai", False), document)
    assert not term_matches(Term("a", False), document)
    assert not term_matches(Term("名前", True), ["名前"])  # never indexed, so never matched
