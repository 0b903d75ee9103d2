"""The edge's translation is total: whatever the API sends, the result is ``data`` or a core error."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.graphql.bearer import CachedBearerToken, Token
from adapters.graphql.errors import MAX_MESSAGE_CHARS, raise_for_errors, read_payload, sanitize
from core.errors import BackendError, CoreError, NotFound
from tests.auth.issuer import FakeClock

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
error_objects = st.fixed_dictionaries(
    {},
    optional={
        "message": json_values,
        "path": json_values,
        "extensions": st.fixed_dictionaries(
            {},
            optional={
                "code": st.sampled_from(["NOT_FOUND", "VALIDATION", "FORBIDDEN", "INTERNAL", "X"]) | json_values,
                "field": json_values,
            },
        )
        | json_values,
        "errorType": json_values,
    },
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "data": json_values | st.dictionaries(st.text(max_size=8), json_values),
            "errors": st.lists(error_objects, max_size=3) | json_values,
        },
    ).map(lambda v: json.dumps(v).encode()),
)


@given(status=st.integers(100, 599), body=bodies)
def test_any_answer_gives_data_or_a_core_error(status: int, body: bytes) -> None:
    try:
        data = raise_for_errors(read_payload(status, body))
    except CoreError as exc:
        assert exc.message and len(exc.message) <= MAX_MESSAGE_CHARS + 100
        assert all(unicodedata.category(ch) != "Cc" for ch in exc.message)
    else:
        assert isinstance(data, dict) and status == 200


@given(text=st.text())
def test_sanitized_messages_are_one_short_printable_line(text: str) -> None:
    clean = sanitize(text, "default")
    assert 0 < len(clean) <= MAX_MESSAGE_CHARS
    assert all(unicodedata.category(ch) not in ("Cc", "Zl", "Zp") for ch in clean)


def test_a_null_echo_before_the_coded_error_does_not_hide_its_code() -> None:
    """graphql-js (AppSync's simulator) reports the null it puts in a non-null field first, without a code."""
    echo = {"message": "Cannot return null for non-nullable field Query.get_company.", "path": ["get_company"]}
    coded = {"message": "No company with id 'x'.", "errorType": "NOT_FOUND", "errorInfo": None, "path": ["get_company"]}
    with pytest.raises(NotFound):
        raise_for_errors(read_payload(200, json.dumps({"data": None, "errors": [echo, coded]}).encode()))
    # Alone, or at another path than the coded error, an uncoded error still fails the call.
    for errors in ([echo], [{**echo, "path": ["other"]}, coded]):
        with pytest.raises(BackendError) as failed:
            raise_for_errors(read_payload(200, json.dumps({"data": None, "errors": errors}).encode()))
        assert not isinstance(failed.value, NotFound)


def test_sanitize_keeps_ordinary_messages() -> None:
    assert (
        sanitize("No company with id 'c_9'. Use search_companies.", "d")
        == "No company with id 'c_9'. Use search_companies."
    )
    assert sanitize(None, "d") == sanitize("  \x00 ", "d") == "d"


@pytest.mark.anyio
async def test_a_short_lived_token_is_refreshed_at_half_its_life() -> None:
    clock = FakeClock(1_000.0)
    fetched: list[float] = []

    async def fetch() -> Token:
        fetched.append(clock())
        return Token(f"t{len(fetched)}", clock() + 120)

    cache = CachedBearerToken(fetch, margin_s=300, clock=clock)
    assert await cache.get() == "t1"
    clock.advance(59)
    assert await cache.get() == "t1"
    clock.advance(1)
    assert await cache.get() == "t2"


@pytest.mark.anyio
async def test_a_failed_fetch_is_tried_again_next_time() -> None:
    attempts: list[int] = []

    async def fetch() -> Token:
        attempts.append(1)
        if len(attempts) == 1:
            raise CoreError("no token")
        return Token("t", 10_000_000_000.0)

    cache = CachedBearerToken(fetch)
    with pytest.raises(CoreError):
        await cache.get()
    assert await cache.get() == "t"
