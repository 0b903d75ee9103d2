"""The generator: deterministic, unique domains, consistent geography, plausible distributions."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import pytest

from companydata.generator import (
    CORE_COUNT,
    GeneratedCompany,
    company_at,
    core_brand,
    generate_batches,
    generate_companies,
)
from companydata.vocabulary import COUNTRIES, COUNTRY_SEEDS, INDUSTRIES, INDUSTRY_SEEDS
from core.lexicon import CITY_ALIASES, ISO_COUNTRY_CODES, city_country, country_by_code, industry_by_name
from core.model import Company

SAMPLE = list(generate_companies(5_000))


def test_same_rows_every_time() -> None:
    again = list(generate_companies(5_000))
    assert again == SAMPLE
    assert [company_at(i) for i in (0, 17, 4_999)] == [SAMPLE[0], SAMPLE[17], SAMPLE[4_999]]


def test_start_and_batches_give_the_same_rows() -> None:
    assert list(generate_companies(300, start=200)) == SAMPLE[200:300]
    batches = list(generate_batches(1_000, batch_size=300))
    assert [len(b) for b in batches] == [300, 300, 300, 100]
    assert [c for b in batches for c in b] == SAMPLE[:1_000]


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, ("cmp_00000000", "Dutopu", "dutopu.fr", "Gaming", "FR", "Bordeaux", 1135, 2016, "2025-06-04T08:42:53Z")),
        (1, ("cmp_00000001", "Doduna", "doduna.com", "Software", "US", "Denver", 826, 2020, "2025-12-22T07:31:21Z")),
        (
            999_999,
            (
                "cmp_00999999",
                "Zusoto Pvt. Ltd.",
                "zusoto3.in",
                "Automotive",
                "IN",
                "Mumbai",
                160,
                1995,
                "2025-05-14T21:09:20Z",
            ),
        ),
    ],
)
def test_pinned_rows(index: int, expected: tuple[object, ...]) -> None:
    """Any change to these is a change of the seeded data every store and test relies on."""
    c = company_at(index)
    got = (c.id, c.name, c.domain, c.industry, c.country, c.city, c.employee_count, c.founded_year, c.updated_at)
    assert got == expected


def test_domains_unique_over_200k_rows() -> None:
    domains = [c.domain for c in generate_companies(200_000)]
    assert len(set(domains)) == len(domains)


def test_brand_slugs_are_distinct_letters_so_domains_are_unique_for_any_n() -> None:
    # Uniqueness by construction: distinct letter-only slugs, plus a numeric lap suffix after CORE_COUNT rows.
    slugs = [core_brand(k)[0] for k in range(CORE_COUNT)]
    assert len(set(slugs)) == CORE_COUNT
    assert all(s.isalpha() and s.islower() for s in slugs)
    lap_two = company_at(CORE_COUNT + 5)
    assert re.fullmatch(r"[a-z]+2\.[a-z.]+", lap_two.domain)


def test_every_row_is_a_valid_company_with_consistent_fields() -> None:
    for i, c in enumerate(SAMPLE):
        assert c.id == f"cmp_{i:08d}"
        assert c.country in ISO_COUNTRY_CODES
        assert city_country(c.city) == c.country, (c.city, c.country)
        country = COUNTRY_SEEDS[c.country]
        assert country_by_code(c.country) is not None and c.domain.endswith("." + country.tld)
        assert re.fullmatch(r"[a-z0-9]+(\.[a-z]+)+", c.domain)
        assert c.website == f"https://{c.domain}"
        industry = industry_by_name(c.industry)
        assert industry is not None and industry.name == c.industry
        assert 2 <= len(c.tags) <= 5 and len(set(c.tags)) == len(c.tags)
        assert set(c.tags) <= set(INDUSTRY_SEEDS[c.industry].tags)
        assert 1 <= c.employee_count <= 200_000
        assert 1950 <= c.founded_year <= 2025
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", c.updated_at)
        assert datetime.fromisoformat(c.updated_at).year in (2025, 2026)
        assert c.name.split()[0] in c.description  # descriptions name the company, so text search finds it
    assert isinstance(SAMPLE[0].to_company(), Company)


def test_distributions_look_like_a_real_directory() -> None:
    employees = [c.employee_count for c in SAMPLE]
    assert sum(e < 200 for e in employees) / len(employees) > 0.7  # most companies are small
    assert max(employees) > 10_000  # ... with a long tail
    assert sum(c.founded_year >= 2015 for c in SAMPLE) / len(SAMPLE) > 0.3  # skewed recent
    countries = Counter(c.country for c in SAMPLE)
    assert countries.most_common(1)[0][0] == "US"
    assert len(countries) == len(COUNTRIES)  # every seeded country occurs
    assert len({c.industry for c in SAMPLE}) == len(INDUSTRIES)


def test_index_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        company_at(-1)
    with pytest.raises(ValueError):
        company_at(100_000_000)


def test_vocabulary_is_consistent() -> None:
    assert len(ISO_COUNTRY_CODES) == 249
    assert all(c.code in ISO_COUNTRY_CODES for c in COUNTRIES)
    cities = [city for c in COUNTRIES for city in c.cities]
    assert len(cities) == len(set(cities))  # a city names one country, so it can imply it
    assert all(4 <= len(c.cities) <= 10 for c in COUNTRIES)
    assert all(city_country(city) is not None for city in CITY_ALIASES.values())
    keywords = [k for ind in INDUSTRIES for k in ind.keywords]
    assert len(keywords) == len(set(keywords))  # a keyword names one industry
    assert industry_by_name("financial technology") is industry_by_name("Financial Technology")


def test_generated_company_fields_match_the_public_model() -> None:
    assert list(GeneratedCompany._fields) == list(Company.model_fields)
