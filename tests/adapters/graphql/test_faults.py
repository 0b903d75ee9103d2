"""Backend faults end as typed errors, on time: through a stand-in API over real sockets."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest

from adapters.graphql.errors import IDENTITY_REFUSED
from core.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    CoreError,
    NotFound,
    ValidationFailed,
    WriteOutcomeUnknown,
)
from tests.adapters.graphql.fault_server import (
    BUSY_503,
    Answer,
    Cut,
    FaultServer,
    RstServer,
    graphql_error,
    json_answer,
    refused_url,
)
from tests.adapters.graphql.helpers import READS, WRITES, backend_at, call, search

pytestmark = pytest.mark.anyio

BUSY = BUSY_503


def assert_clean(error: CoreError) -> None:
    """A message for the caller: short, one line, no traceback or raw backend text."""
    assert "Traceback" not in error.message and "\n" not in error.message
    assert len(error.message) <= 300
    assert "secret-backend-detail" not in error.message


async def test_slow_backend_times_out_within_the_deadline(api: FaultServer) -> None:
    api.script(json_answer({"data": {}}, delay_s=5))
    async with backend_at(api.url, call_timeout_s=1.0) as backend:
        started = time.monotonic()
        with pytest.raises(BackendTimeout) as caught:
            await search(backend)
        elapsed = time.monotonic() - started
    assert 0.95 <= elapsed <= 1.1, elapsed  # the deadline + 10 %
    assert_clean(caught.value)


async def test_a_slow_write_times_out_too_and_is_sent_once(api: FaultServer) -> None:
    api.script(json_answer({"data": {}}, delay_s=5))
    async with backend_at(api.url, call_timeout_s=0.5) as backend:
        started = time.monotonic()
        with pytest.raises(BackendTimeout):
            await call(backend, "create_collection")
        assert time.monotonic() - started <= 0.55
    assert len(api.seen) == 1


async def test_waiting_for_a_slot_counts_against_the_deadline(api: FaultServer) -> None:
    api.default_delay_s = 2.0
    outcomes: list[str] = []
    async with backend_at(api.url, call_timeout_s=0.5, max_concurrency=1) as backend:

        async def one() -> None:
            try:
                await search(backend)
                outcomes.append("ok")
            except BackendTimeout:
                outcomes.append("timeout")

        started = time.monotonic()
        async with anyio.create_task_group() as tasks:
            for _ in range(3):
                tasks.start_soon(one)
        assert time.monotonic() - started <= 0.55
    assert outcomes == ["timeout"] * 3


@pytest.mark.parametrize("status", [502, 503, 504])
@pytest.mark.parametrize("operation", READS)
async def test_reads_are_retried_on_gateway_errors(api: FaultServer, operation: str, status: int) -> None:
    api.script(Answer(b"busy", status=status, content_type="text/plain"))
    async with backend_at(api.url) as backend:
        await call(backend, operation)
    assert len(api.seen) == 2


@pytest.mark.parametrize("operation", WRITES)
@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (BUSY, "backend_unavailable"),  # 503: the API did not take it
        (graphql_error("UNAVAILABLE"), "backend_unavailable"),  # the API's store is down: nothing was written
        (Answer(b"", status=502), "timeout"),  # the gateway lost the answer: it may have happened
        (Answer(b"", status=504), "timeout"),
        (Cut(), "timeout"),  # the connection was cut after the write was sent
    ],
    ids=["503", "store-unavailable", "502", "504", "cut"],
)
async def test_writes_are_never_retried_and_an_unknown_outcome_says_so(
    api: FaultServer, operation: str, fault: Answer | Cut, expected: str
) -> None:
    api.script(fault, fault, fault)
    async with backend_at(api.url) as backend:
        with pytest.raises(CoreError) as caught:
            await call(backend, operation)
    assert len(api.seen) == 1
    assert caught.value.type == expected
    if expected == "timeout":
        assert isinstance(caught.value, WriteOutcomeUnknown) and "may or may not have taken effect" in str(caught.value)
    assert_clean(caught.value)


@pytest.mark.parametrize("operation", READS)
async def test_reads_are_retried_while_the_apis_store_is_unavailable(api: FaultServer, operation: str) -> None:
    api.script(graphql_error("UNAVAILABLE"), graphql_error("UNAVAILABLE"))
    async with backend_at(api.url) as backend:
        await call(backend, operation)
    assert len(api.seen) == 3


async def test_reads_give_up_after_the_retries(api: FaultServer) -> None:
    api.script(*[BUSY] * 5)
    async with backend_at(api.url, read_retries=2) as backend:
        with pytest.raises(BackendUnavailable) as caught:
            await search(backend)
    assert len(api.seen) == 3
    assert_clean(caught.value)


async def test_500_is_unavailable_and_not_retried(api: FaultServer) -> None:
    api.script(Answer(b"secret-backend-detail: stack trace", status=500, content_type="text/plain"))
    async with backend_at(api.url) as backend:
        with pytest.raises(BackendUnavailable) as caught:
            await search(backend)
    assert len(api.seen) == 1
    assert_clean(caught.value)


async def test_a_response_cut_mid_body_is_unavailable(api: FaultServer) -> None:
    api.script(Cut(), Cut(), Cut())
    async with backend_at(api.url) as backend:
        with pytest.raises(BackendUnavailable) as caught:
            await search(backend)
    assert len(api.seen) == 3  # a read: retried, then given up
    assert_clean(caught.value)


async def test_a_cut_read_then_success_recovers(api: FaultServer) -> None:
    api.script(Cut())
    async with backend_at(api.url) as backend:
        page = await search(backend)
    assert page.items and len(api.seen) == 2


@pytest.mark.parametrize(
    ("operation", "attempts", "expected"),
    [("search_companies", 3, BackendUnavailable), ("create_collection", 1, WriteOutcomeUnknown)],
)
async def test_a_reset_connection_is_unavailable_for_a_read_and_unknown_for_a_write(
    operation: str, attempts: int, expected: type[CoreError]
) -> None:
    """The reset comes after the request was sent: a write may have reached the API, so it is not 'unavailable'."""
    with RstServer().running() as server:
        async with backend_at(server.url) as backend:
            with pytest.raises(expected) as caught:
                await call(backend, operation)
        assert server.connections == attempts
    assert_clean(caught.value)


async def test_a_refused_connection_is_unavailable() -> None:
    async with backend_at(refused_url()) as backend:
        with anyio.fail_after(5), pytest.raises(BackendUnavailable) as caught:
            await search(backend)
    assert_clean(caught.value)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(b"<html>secret-backend-detail</html>", content_type="text/html"),
        Answer(b"\xff\xfe not utf-8"),
        json_answer(["not", "an", "object"]),
        json_answer({"hello": "no data"}),
        json_answer({"data": None}),
        json_answer({"data": {"search_companies": {"items": [{"id": 1}], "next_cursor": None}}}),
        json_answer({"data": {"search_companies": {"items": [], "next_cursor": 5}}}),
        json_answer({"data": {"something_else": {}}}),
        json_answer({"data": {"search_companies": None}}),
        Answer(b"[" * 100_000),
    ],
    ids=["html", "bytes", "list", "no-data", "null-data", "bad-item", "bad-cursor", "other-field", "null", "deep"],
)
async def test_unreadable_answers_are_backend_errors(api: FaultServer, answer: Answer) -> None:
    api.script(answer)
    async with backend_at(api.url) as backend:
        with pytest.raises(BackendError) as caught:
            await search(backend)
    assert type(caught.value) is BackendError
    assert len(api.seen) == 1
    assert_clean(caught.value)


async def test_an_oversized_answer_is_refused(api: FaultServer) -> None:
    api.script(json_answer({"data": {"search_companies": {"items": [], "next_cursor": "x" * 5000}}}))
    async with backend_at(api.url, max_response_bytes=1000) as backend:
        with pytest.raises(BackendError, match="too large"):
            await search(backend)


@pytest.mark.parametrize(
    ("answer", "expected", "details"),
    [
        (graphql_error("NOT_FOUND", "No company with id 'c_9'."), NotFound, {}),
        (graphql_error("VALIDATION", "Invalid country.", field="country"), ValidationFailed, {"field": "country"}),
        (graphql_error("VALIDATION", "Variable '$limit' got invalid value."), ValidationFailed, {"field": "arguments"}),
        (graphql_error("VALIDATION", "Bad.", field="a\nb"), ValidationFailed, {"field": "arguments"}),
        (graphql_error("FORBIDDEN", "secret-backend-detail"), BackendError, {}),
        (graphql_error("INTERNAL", "secret-backend-detail: relation does not exist"), BackendError, {}),
        (graphql_error("SOMETHING_NEW", "secret-backend-detail"), BackendError, {}),
        (json_answer({"data": None, "errors": [{"message": "secret-backend-detail"}]}), BackendError, {}),
        (
            json_answer({"errors": [{"errorType": "UnauthorizedException", "message": "secret-backend-detail"}]}),
            BackendError,
            {},
        ),
        (Answer(b'{"errors":[{"message":"secret-backend-detail"}]}', status=401), BackendError, {}),
        (Answer(b"secret-backend-detail", status=403, content_type="text/plain"), BackendError, {}),
        (Answer(b"", status=302), BackendError, {}),
        (Answer(b"slow down", status=429, content_type="text/plain"), BackendUnavailable, {}),
        (json_answer({"errors": [{"message": "m", "extensions": {"code": "VALIDATION"}}]}, 400), ValidationFailed, {}),
    ],
)
async def test_graphql_and_http_errors_map_to_typed_errors(
    api: FaultServer, answer: Answer, expected: type[CoreError], details: dict[str, Any]
) -> None:
    api.script(answer)
    async with backend_at(api.url) as backend:
        with pytest.raises(CoreError) as caught:
            await search(backend)
    assert type(caught.value) is expected
    assert caught.value.details() == details or not details
    assert len(api.seen) == 1
    assert_clean(caught.value)


async def test_forbidden_says_the_server_was_refused_not_the_caller(api: FaultServer) -> None:
    api.script(graphql_error("FORBIDDEN", "No principal."))
    async with backend_at(api.url) as backend:
        with pytest.raises(BackendError) as caught:
            await call(backend, "list_collections")
    assert caught.value.type == "backend_error"
    assert caught.value.message == IDENTITY_REFUSED


async def test_api_messages_are_passed_on_sanitized(api: FaultServer) -> None:
    api.script(graphql_error("NOT_FOUND", "No \x1b[31mcompany\x00 with\r\nid " + "x" * 5000))
    async with backend_at(api.url) as backend:
        with pytest.raises(NotFound) as caught:
            await backend.get_company(company_id="c_9")
    message = caught.value.message
    assert message.startswith("No [31mcompany with id x")
    assert len(message) == 300 and message.endswith("…")
    assert all(ch.isprintable() for ch in message)


async def test_the_concurrency_cap_holds(api: FaultServer) -> None:
    api.default_delay_s = 0.1
    results: list[object] = []
    async with backend_at(api.url, max_concurrency=4) as backend:

        async def one() -> None:
            results.append(await search(backend))

        async with anyio.create_task_group() as tasks:
            for _ in range(20):
                tasks.start_soon(one)
    assert len(results) == 20
    assert api.max_in_flight == 4
