"""One stand-in company API for the module's tests (reset before each test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.adapters.graphql.fault_server import FaultServer, running


@pytest.fixture(scope="session")
def _fault_server() -> Iterator[FaultServer]:
    with running(FaultServer()) as server:
        yield server


@pytest.fixture
def api(_fault_server: FaultServer) -> FaultServer:
    _fault_server.reset()
    return _fault_server
