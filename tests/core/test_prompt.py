"""The ai_search prompt parser: what a user types becomes the filters they meant."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.model import CompanyFilters
from core.tools.prompt import ParsedPrompt, parse_prompt

CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "fintech companies in Germany with more than 200 employees founded after 2015",
        {"industry": "Financial Technology", "country": "DE", "min_employees": 201, "founded_after": 2015},
    ),
    (
        "biotech startups in Boston",
        {"industry": "Biotechnology", "country": "US", "city": "Boston", "max_employees": 200},
    ),
    (
        "Software companies in DE with 50-200 employees",
        {"industry": "Software", "country": "DE", "min_employees": 50, "max_employees": 200},
    ),
    ("companies with at least 1k employees", {"min_employees": 1000}),
    (
        "IT services firms in the UK founded since 2010",
        {"industry": "IT Services", "country": "GB", "founded_after": 2009},
    ),
    (
        "AI companies in San Francisco founded in the 90s",
        {
            "industry": "Artificial Intelligence",
            "country": "US",
            "city": "San Francisco",
            "founded_after": 1989,
            "founded_before": 2000,
        },
    ),
    ("e-commerce companies with fewer than 50 staff", {"industry": "E-commerce", "max_employees": 49}),
    (
        "US cybersecurity companies with 5,000+ employees",
        {"industry": "Cybersecurity", "country": "US", "min_employees": 5000},
    ),
    (
        "companies founded between 2000 and 2010 in france",
        {"country": "FR", "founded_after": 1999, "founded_before": 2011},
    ),
    ("German insurtech with under 10k employees", {"industry": "Insurance", "country": "DE", "max_employees": 9999}),
    ("healthcare in Zürich", {"industry": "Healthcare", "country": "CH", "city": "Zurich"}),
    (
        "Fintech in München with 10 to 100 people",
        {
            "industry": "Financial Technology",
            "country": "DE",
            "city": "Munich",
            "min_employees": 10,
            "max_employees": 100,
        },
    ),
    ("logistics founded before 1990", {"industry": "Logistics", "founded_before": 1990}),
    ("show me drone companies started after 2018", {"industry": "Aerospace & Defense", "founded_after": 2018}),
    ("headcount over 500 automotive Japan", {"industry": "Automotive", "country": "JP", "min_employees": 501}),
    (
        "500 employees or more, founded 2015 or later, in India",
        {"country": "IN", "min_employees": 500, "founded_after": 2014},
    ),
    ("digital health companies in the us", {"industry": "Digital Health", "country": "US"}),
    ("u.s. payments companies", {"industry": "Financial Technology", "country": "US"}),
    ("companies in Sao Paulo", {"country": "BR", "city": "Sao Paulo"}),
    ("companies with over 1.5 million employees", {"min_employees": 1_500_001}),
    ("Companies in IL with < 100 employees", {"country": "IL", "max_employees": 99}),
    ("staff of at least 20 in the Netherlands", {"country": "NL", "min_employees": 20}),
    ("pre-2000 manufacturing", {"industry": "Manufacturing", "founded_before": 2000}),
    ("companies founded in 2019", {"founded_after": 2018, "founded_before": 2020}),
    (
        "FINTECH COMPANIES IN GERMANY WITH MORE THAN 200 EMPLOYEES",
        {"industry": "Financial Technology", "country": "DE", "min_employees": 201},
    ),
    (
        "fintech founded after 2015 and before 2020",
        {"industry": "Financial Technology", "founded_after": 2015, "founded_before": 2020},
    ),
    (
        "companies in NYC with between 1,000 and 5,000 employees",
        {"country": "US", "city": "New York", "min_employees": 1000, "max_employees": 5000},
    ),
]


@pytest.mark.parametrize(("prompt", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_prompt_becomes_the_filters_it_means(prompt: str, expected: dict[str, Any]) -> None:
    assert parse_prompt(prompt).understood() == expected


@pytest.mark.parametrize(
    ("prompt", "bound"),
    [
        ("companies with more than 200 employees", {"min_employees": 201}),
        ("companies with over 200 employees", {"min_employees": 201}),
        ("companies with above 200 employees", {"min_employees": 201}),
        ("companies with at least 200 employees", {"min_employees": 200}),
        ("companies with 200+ employees", {"min_employees": 200}),
        ("companies with 200 or more employees", {"min_employees": 200}),
        ("companies with fewer than 200 employees", {"max_employees": 199}),
        ("companies with less than 200 employees", {"max_employees": 199}),
        ("companies with below 200 employees", {"max_employees": 199}),
        ("companies with up to 200 employees", {"max_employees": 200}),
        ("companies with 200 employees or fewer", {"max_employees": 200}),
        ("founded after 2015", {"founded_after": 2015}),
        ("founded since 2015", {"founded_after": 2014}),
        ("founded before 2015", {"founded_before": 2015}),
        ("started after 2015", {"founded_after": 2015}),
        ("established in 2015", {"founded_after": 2014, "founded_before": 2016}),
        ("companies from the 1990s", {"founded_after": 1989, "founded_before": 2000}),
    ],
)
def test_bounds_follow_the_store_semantics(prompt: str, bound: dict[str, int]) -> None:
    """min/max_employees are inclusive; founded_after/before are exclusive (founded_year > after)."""
    assert parse_prompt(prompt).understood() == bound


def test_number_forms() -> None:
    assert parse_prompt("over 5,000 employees").min_employees == 5001
    assert parse_prompt("at least 10k employees").min_employees == 10_000
    assert parse_prompt("at least 1.5k employees").min_employees == 1500
    assert parse_prompt("at least 2 thousand employees").min_employees == 2000
    assert parse_prompt("under 1K staff").max_employees == 999


@pytest.mark.parametrize(
    "prompt",
    [
        "is it in the cloud",
        "what do you know about it",
        "show me companies in it",
        "tell us about fintech",
        "no idea, go on",
        "be at my place by noon",
    ],
)
def test_two_letter_words_are_not_countries(prompt: str) -> None:
    assert parse_prompt(prompt).country is None


def test_iso_codes_count_when_written_as_codes() -> None:
    assert parse_prompt("fintech in DE").country == "DE"
    assert parse_prompt("fintech in de").country == "DE"
    assert parse_prompt("payments in NO").country == "NO"
    assert parse_prompt("UK robotics").country == "GB"
    assert parse_prompt("IT companies in Italy").understood() == {"industry": "IT Services", "country": "IT"}


def test_unknown_words_are_kept_for_ranking() -> None:
    parsed = parse_prompt("companies that make carbon accounting tools for breweries")
    assert parsed.understood() == {"query": "carbon accounting breweries"}  # "make", "tools", "for" are filler
    # Several industries are several values: the results cover each.
    assert parse_prompt("fintech or insurtech in NYC").understood() == {
        "industries": ["Financial Technology", "Insurance"],
        "country": "US",
        "city": "New York",
    }


def test_unparseable_prompt_yields_only_its_meaningful_words() -> None:
    assert parse_prompt("Quantum widgets for whales!!").understood() == {"query": "quantum widgets whales"}
    assert parse_prompt("the of and to").understood() == {}
    assert parse_prompt("").understood() == {}
    assert parse_prompt("top 10 fintech companies").understood() == {"industry": "Financial Technology"}


def test_a_city_implies_its_country_but_an_explicit_country_wins() -> None:
    assert parse_prompt("startups in Bangalore").understood() == {
        "country": "IN",
        "city": "Bangalore",
        "max_employees": 200,
    }
    assert parse_prompt("Bengaluru").city == "Bangalore"
    assert parse_prompt("Mexico City logistics").understood() == {
        "industry": "Logistics",
        "country": "MX",
        "city": "Mexico City",
    }


def test_parsed_prompt_gives_search_filters() -> None:
    parsed = parse_prompt("robotics in Berlin since 2010")
    assert parsed.filters() == CompanyFilters(
        industry="Robotics", country="DE", city="Berlin", founded_after=2009, match="any"
    )
    assert ParsedPrompt().understood() == {}


KEYS = {
    "query", "industry", "country", "city", "min_employees", "max_employees", "founded_after", "founded_before",
    "industries", "countries", "cities", "exclude_countries",
}  # fmt: skip
FRAGMENTS = st.sampled_from(
    [
        "fintech", "in", "DE", "it", "IT", "more than", "fewer than", "between", "and", "-", "+", "employees",
        "founded", "after", "since", "the", "90s", "1990s", "2015", "5,000", "1.5k", "99999999999999999999", "k",
        "'s", "u.s.", "Zürich", "São Paulo", " ", ",", "<", ">=", "~", "İ", "ﬁ", "\u0301", "٣", "½", "\x00", "\n",
        "five", "hundred", "a", "thousand", "one", "dozen", "or", "outside", "non", "not", "last", "years", "old",
        "older than", "younger than", "startup", "large", "small", "mid-sized", "Germny", "Muenchen", "Berlin",
        "France", "US", "software", "hospitals", "ago", "decade", "young", "0", "301",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses(prompt: str) -> None:
    understood = parse_prompt(prompt).understood()
    assert set(understood) <= KEYS


@settings(max_examples=500, deadline=None)
@given(st.lists(FRAGMENTS, max_size=25).map(" ".join))
def test_any_mix_of_tricky_fragments_parses_to_valid_filters(prompt: str) -> None:
    parsed = parse_prompt(prompt)
    assert set(parsed.understood()) <= KEYS
    for name in ("min_employees", "max_employees", "founded_after", "founded_before"):
        value = getattr(parsed, name)
        assert value is None or (isinstance(value, int) and value >= 0)
    assert parsed.country is None or len(parsed.country) == 2
    assert parsed.query is None or parsed.query.strip() == parsed.query != ""
    parsed.filters()


def test_very_long_prompt_is_cheap() -> None:
    parsed = parse_prompt("fintech in Berlin with more than 5 employees " * 1000)
    assert parsed.industry == "Financial Technology"


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("startups in Germany", {"country": "DE", "max_employees": 200}),
        ("small fintech companies", {"industry": "Financial Technology", "max_employees": 50}),
        ("mid-sized insurers", {"industry": "Insurance", "min_employees": 51, "max_employees": 1000}),
        ("large logistics firms in the US", {"industry": "Logistics", "country": "US", "min_employees": 1001}),
        ("enterprise software vendors", {"industry": "Software"}),  # "enterprise software" is the industry
        ("small companies with over 10 employees", {"min_employees": 11, "max_employees": 50}),  # a number wins
        ("companies with over 1k staff", {"min_employees": 1001}),
        ("between 50 and 500 people", {"min_employees": 50, "max_employees": 500}),
    ],
)
def test_size_words(prompt: str, expected: dict[str, Any]) -> None:
    assert parse_prompt(prompt, reference_year=2026).understood() == expected


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("founded in the last 5 years", {"founded_after": 2021}),  # 2022..2026
        ("founded within the past decade", {"founded_after": 2016}),
        ("older than 20 years", {"founded_before": 2006}),  # age > 20: founded 2005 or earlier
        ("at least 20 years old", {"founded_before": 2007}),
        ("less than 10 years old", {"founded_after": 2016}),
        ("founded less than 5 years ago", {"founded_after": 2021}),
        ("young companies", {"founded_after": 2021}),
        ("since 2015", {"founded_after": 2014}),
        ("consultants with over 20 years of experience", {"industry": "Consulting", "query": "experience"}),
    ],
)
def test_age_words_count_from_the_reference_year(prompt: str, expected: dict[str, Any]) -> None:
    assert parse_prompt(prompt, reference_year=2026).understood() == expected


def test_the_reference_year_defaults_to_now() -> None:
    from datetime import UTC, datetime

    assert parse_prompt("founded in the last 5 years").founded_after == datetime.now(UTC).year - 5


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("companies in France or Spain", {"countries": ["FR", "ES"]}),
        ("fintech and insurtech", {"industries": ["Financial Technology", "Insurance"]}),
        ("France, Spain and Italy", {"countries": ["FR", "ES", "IT"]}),
        ("fintech in DE or FR", {"industry": "Financial Technology", "countries": ["DE", "FR"]}),
        ("Berlin or Munich", {"country": "DE", "cities": ["Berlin", "Munich"]}),
        ("London or Paris", {"countries": ["GB", "FR"], "cities": ["London", "Paris"]}),
        ("fintech outside the US", {"industry": "Financial Technology", "exclude_countries": ["US"]}),
        ("non-US banks", {"industry": "Financial Technology", "exclude_countries": ["US"]}),
        ("excluding France and Spain", {"exclude_countries": ["FR", "ES"]}),
        ("software in Germany but not in Berlin", {"industry": "Software", "country": "DE"}),  # no city, no "not"
    ],
)
def test_several_values_and_negations(prompt: str, expected: dict[str, Any]) -> None:
    assert parse_prompt(prompt).understood() == expected


def test_several_values_become_one_search_each() -> None:
    searches = parse_prompt("fintech or insurtech in France or Spain with over 100 staff").searches()
    combos = {(f.industry, f.country) for f in searches}
    assert combos == {(i, c) for i in ("Financial Technology", "Insurance") for c in ("FR", "ES")}
    assert all(f.min_employees == 101 and f.match == "any" for f in searches)
    many = parse_prompt("fintech, insurtech, biotech, robotics and gaming in FR, ES, DE, IT, NL").searches()
    assert len(many) == 8  # bounded fan-out


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("companies that make software for hospitals", {"industry": "Healthcare"}),
        ("HR software", {"industry": "Human Resources"}),
        ("payments companies", {"industry": "Financial Technology"}),
        ("b2b saas for HR", {"industry": "Human Resources"}),
        ("fintech and software companies", {"industries": ["Financial Technology", "Software"]}),  # listed: both
        ("please find me some really good companies that build things", {"query": "things"}),
    ],
)
def test_near_words_and_filler(prompt: str, expected: dict[str, Any]) -> None:
    assert parse_prompt(prompt).understood() == expected


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("fintec in Germny", {"industry": "Financial Technology", "country": "DE"}),
        ("logisitcs in Frnace", {"industry": "Logistics", "country": "FR"}),
        ("mid market companies", {"min_employees": 51, "max_employees": 1000}),  # "market" is no "marketing"
        ("fewer than fifty staff", {"max_employees": 49}),
        ("five hundred and fifty employees or more", {"min_employees": 550}),
        ("founded in two thousand fifteen", {"founded_after": 2014, "founded_before": 2016}),
        ("over a thousand employees", {"min_employees": 1001}),
        ("one of the best fintechs", {"industry": "Financial Technology"}),
        ("Muenchen", {"country": "DE", "city": "Munich"}),
        ("firms in Deutschland or Frankreich", {"countries": ["DE", "FR"]}),
    ],
)
def test_typos_number_words_and_other_languages(prompt: str, expected: dict[str, Any]) -> None:
    assert parse_prompt(prompt).understood() == expected
