"""Fixtures for the auth tests: a fake clock and a local OIDC issuer over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auth.issuer import FakeClock, LocalIssuer


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
