"""Fixtures for the auth tests: a fake clock and a local OIDC issuer over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from core.auth import OidcConfig, OidcVerifier
from tests.auth.issuer import DEFAULT_AUDIENCE, FakeClock, LocalIssuer

AUD = DEFAULT_AUDIENCE
MakeVerifier = Callable[..., OidcVerifier]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def _issuer_server() -> Iterator[LocalIssuer]:
    with LocalIssuer() as issuer:
        yield issuer


@pytest.fixture
def local_issuer(_issuer_server: LocalIssuer, clock: FakeClock) -> LocalIssuer:
    """The shared issuer, reset, minting at ``clock``'s time (tests move the clock, not the wall)."""
    _issuer_server.reset()
    _issuer_server.clock = clock
    if not _issuer_server.running:
        _issuer_server.start()
    return _issuer_server


@pytest.fixture
async def make_verifier(local_issuer: LocalIssuer, clock: FakeClock) -> AsyncIterator[MakeVerifier]:
    made: list[OidcVerifier] = []

    def make(**overrides: Any) -> OidcVerifier:
        fields: dict[str, Any] = {"issuer": local_issuer.issuer, "audiences": (AUD,), **overrides}
        verifier = OidcVerifier(OidcConfig(**fields), clock=clock)
        made.append(verifier)
        return verifier

    yield make
    for verifier in made:
        await verifier.aclose()
