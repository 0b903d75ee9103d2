"""Each distinct document is parsed and validated once; errors and limits are what they were."""

from __future__ import annotations

import pytest
from graphql import build_schema, specified_rules

from companydata.api.document_cache import CachedDocuments
from companydata.api.limits import QueryLimits
from companydata.api.schema import build_schema as build_api_schema

pytestmark = pytest.mark.anyio

RULES = (*specified_rules, QueryLimits)  # what Ariadne hands the validator
LOOKUP = "query GetCompany($company_id: ID) { get_company(company_id: $company_id) { id name } }"


def test_the_same_document_is_parsed_and_validated_once() -> None:
    cache = CachedDocuments()
    schema = build_api_schema()
    for _ in range(5):
        document = cache.parse(None, {"query": LOOKUP})
        assert cache.validate(schema, document, rules=RULES) == []
    assert (cache.parsed, cache.validated) == (1, 1)


def test_an_invalid_document_keeps_its_errors_from_the_cache() -> None:
    cache = CachedDocuments()
    schema = build_api_schema()
    bad = 'query { get_company(company_id: "x") { no_such_field } }'
    first = cache.validate(schema, cache.parse(None, {"query": bad}), rules=RULES)
    again = cache.validate(schema, cache.parse(None, {"query": bad}), rules=RULES)
    assert first and [e.message for e in again] == [e.message for e in first]
    assert cache.validated == 1


def test_the_cache_is_bounded_and_forgets_the_oldest() -> None:
    cache = CachedDocuments(size=2)
    schema = build_schema("type Query { a: Int, b: Int, c: Int }")
    for field in ("a", "b", "c", "a"):
        cache.validate(schema, cache.parse(None, {"query": f"{{ {field} }}"}))
    assert cache.parsed == 4  # "a" was evicted by "c" and parsed again
    assert len(cache._documents) == 2 and len(cache._errors) <= 2
