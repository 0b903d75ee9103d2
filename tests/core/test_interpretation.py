"""A model's answer becomes filters only when it is exactly the filter schema; several pages merge by turns."""

from __future__ import annotations

from typing import Any

import pytest

from core.interpretation import InvalidInterpretation, filter_schema, from_model_output
from core.model import CompanySummary
from core.operations import merge_ranked

VALID: dict[str, Any] = {
    "query": "  carbon accounting ",
    "industries": ["financial technology"],
    "countries": ["de"],
    "cities": ["muenchen", "Atlantis"],
    "exclude_countries": [],
    "min_employees": 10,
    "max_employees": None,
    "founded_after": None,
    "founded_before": 2020,
}


def test_a_valid_answer_is_normalised() -> None:
    parsed = from_model_output(VALID, "vertex")
    assert parsed.interpreter == "vertex" and parsed.industries == ("Financial Technology",)
    assert (
        parsed.countries == ("DE",) and parsed.cities == ("Munich", "Atlantis") and parsed.query == "carbon accounting"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"limit": 1000},  # no place for anything but filters
        {"owner": "bob"},
        {"industries": ["Bananas"]},
        {"countries": ["XX"]},
        {"min_employees": 500, "max_employees": 10},
        {"founded_after": 2019, "founded_before": 2020},
        {"min_employees": "ten"},
        {"industries": "Software"},
        {"countries": ["DE", "FR", "ES", "IT", "NL"]},  # more values than one prompt may fan out to
    ],
)
def test_anything_else_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidInterpretation):
        from_model_output({**VALID, **change}, "bedrock")


def test_a_missing_key_or_a_non_object_is_refused() -> None:
    with pytest.raises(InvalidInterpretation):
        from_model_output({k: v for k, v in VALID.items() if k != "cities"}, "bedrock")
    with pytest.raises(InvalidInterpretation):
        from_model_output(["not", "an", "object"], "bedrock")


def test_the_schema_is_strict() -> None:
    schema = filter_schema()
    assert schema["additionalProperties"] is False and set(schema["required"]) == set(schema["properties"])


def summary(n: int) -> CompanySummary:
    return CompanySummary(
        id=f"cmp_{n:08d}", name=str(n), domain=f"{n}.io", industry="X", country="DE", city="Berlin",
        employee_count=n, founded_year=2000,
    )  # fmt: skip


def test_pages_merge_by_turns_without_duplicates() -> None:
    a, b = [summary(1), summary(2), summary(3)], [summary(7), summary(2)]
    assert [s.id for s in merge_ranked([a, b], 10)] == [f"cmp_{n:08d}" for n in (1, 7, 2, 3)]
    assert len(merge_ranked([a, b], 2)) == 2 and merge_ranked([], 5) == []
