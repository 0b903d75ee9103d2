"""The store-neutral search rules: term expansion, the "any" rule, facet tokens, and the PostgreSQL cost model."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companydata import postgres_costs as costs
from companydata.facets import facet_filter, facet_token, row_facets, year_token
from companydata.generator import generate_companies
from companydata.postgres_costs import Shape
from companydata.ranking import ANY_CANDIDATES_PER_TERM, expansion, membership, ranked, union, word_range
from companydata.store_rules import filter_conditions
from companydata.text import Term, count_matched, term_matches
from core.model import CompanyFilters

VOCABULARY = sorted(["base", "based", "basel", "baseline", "basket", "bas", "ba", "zeta", "base9"])


def in_range(term: Term) -> list[str]:
    low, high = word_range(term)
    return [w for w in VOCABULARY if low <= w < high]


@pytest.mark.parametrize("word", ["ba", "bas", "base", "based", "zeta", "zz", "a"])
def test_a_terms_word_range_holds_exactly_the_words_it_matches(word: str) -> None:
    for term in (Term(word, prefix=True), Term(word, prefix=False)):
        assert in_range(term) == [w for w in VOCABULARY if term_matches(term, [w])]


def test_expansion_turns_a_term_into_its_words_or_keeps_the_prefix_operator() -> None:
    exact = Term("ai", prefix=False)
    assert expansion(exact, 1, 40, ["ai"], 16).words == ("ai",)
    assert expansion(exact, 0, 0, [], 16).matches_nothing
    prefix = Term("base", prefix=True)
    common = expansion(prefix, 3, 90_000, ["base", "based", "basel"], 16)
    assert common.words == ("base", "based", "basel") and common.docs == 90_000
    assert expansion(prefix, 17, 90_000, [], 16).words is None  # more words than the store takes
    assert expansion(prefix, 10, 12, [f"base{k}" for k in range(10)], 16).words is None  # many rare words
    assert expansion(prefix, 0, 0, [], 16).matches_nothing
    assert expansion(Term("名前", prefix=True), 1, 5, ["x"], 16).matches_nothing


def test_membership_is_decided_by_a_terms_list_where_it_can_be() -> None:
    full = list(range(10, 10 + ANY_CANDIDATES_PER_TERM * 2, 2))[:ANY_CANDIDATES_PER_TERM]
    members = set(full)
    assert membership(full[3], full, members) is True
    assert membership(full[3] + 1, full, members) is False  # before the last entry: would be listed
    assert membership(full[-1] + 1, full, members) is None  # after it: the list says nothing
    short = full[:5]
    assert membership(10**9, short, set(short)) is False  # a short list is every match


def test_candidates_rank_by_terms_matched_then_text_order() -> None:
    assert union([[5, 1], [3, 1]]) == [1, 3, 5]
    assert ranked({5: 2, 1: 1, 3: 2, 9: 1}) == [3, 5, 1, 9]
    assert ranked({(-10, 4): 1, (-20, 7): 1, (-10, 2): 2}) == [(-10, 2), (-20, 7), (-10, 4)]


@settings(max_examples=300, deadline=None)
@given(
    document=st.lists(st.sampled_from(["base", "based", "ai", "aix", "cloud", "b", "9", "z0"]), max_size=8),
    query=st.lists(st.sampled_from(["bas", "base", "ai", "a", "clo", "b", "9", "z", "名前"]), min_size=1, max_size=5),
)
def test_count_matched_is_term_matches_counted(document: list[str], query: list[str]) -> None:
    terms = [Term(w, prefix=len(w) >= 3) for w in dict.fromkeys(query)]
    words = sorted(set(document))
    assert count_matched(terms, words) == sum(term_matches(t, document) for t in terms)


def test_facet_tokens_are_words_of_their_own_for_the_values_as_compared() -> None:
    company = next(generate_companies(1))
    tokens = row_facets(company.country, company.industry, company.city, company.founded_year).split()
    assert all(re.fullmatch(r"[a-z0-9]+", t) for t in tokens) and len(set(tokens)) == 4
    filters = CompanyFilters(
        country=f" {company.country.lower()} ", industry=company.industry.upper(), city=company.city
    )
    assert set(facet_filter(filter_conditions(filters)).tokens) == set(tokens[:3])
    assert facet_token("c", "DE") != facet_token("t", "DE") and facet_token("t", "São Paulo") == facet_token(
        "t", "São Paulo"
    )
    assert year_token(1998) == "y1998" and year_token(-5) == "yn5"
    bounds = facet_filter(filter_conditions(CompanyFilters(min_employees=5, founded_before=2000)))
    assert bounds.tokens == () and (bounds.min_employees, bounds.founded_before, bounds.max_employees) == (
        5,
        2000,
        None,
    )


SHAPE = Shape(companies=1_000_000, facet_share=1.0, facet_postings=0)


def test_costs_walk_dense_matches_and_index_sparse_ones() -> None:
    dense = costs.estimate(SHAPE, docs=280_000, prefix_docs=0, postings=280_000, wanted=21)
    assert costs.should_walk(dense, SHAPE) and dense.walk_length < 100
    rare = costs.estimate(SHAPE, docs=900, prefix_docs=0, postings=900, wanted=21)
    assert not costs.should_walk(rare, SHAPE) and not costs.prefers_band(rare, SHAPE)
    # Mid-frequency words for the "any" rule: too deep to walk, too many to read all.
    mid = costs.estimate(SHAPE, docs=10_000, prefix_docs=0, postings=10_000, wanted=ANY_CANDIDATES_PER_TERM)
    assert not costs.should_walk(mid, SHAPE) and costs.prefers_band(mid, SHAPE)
    assert costs.walk_rows(dense.walk_length, 21) <= costs.WALK_LIMIT


def test_costs_a_failed_walk_lowers_the_estimate() -> None:
    guess = costs.estimate(SHAPE, docs=30_000, prefix_docs=30_000, postings=0, wanted=21)
    after = guess.after_walk(SHAPE, walked=1_400, found=0)
    assert after.matches < guess.matches and after.walk_length > guess.walk_length


def test_costs_one_walk_serves_many_dense_terms() -> None:
    software = Shape(companies=1_000_000, facet_share=0.095, facet_postings=95_000)
    common = [costs.estimate(software, 250_000, 0, 250_000, ANY_CANDIDATES_PER_TERM) for _ in range(12)]
    assert costs.walked_terms(common, software) == list(range(12))
    rare = [costs.estimate(SHAPE, 1_000, 0, 1_000, ANY_CANDIDATES_PER_TERM) for _ in range(3)]
    assert costs.walked_terms(rare, SHAPE) == []
    mixed = [*rare, common[0]]
    assert costs.walked_terms(mixed, software) == [3]
