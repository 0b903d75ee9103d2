from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.azure.azure_support import AzureWorld, azure_world
from tests.adapters.azure.standins import AppConfigStandIn, IngestionStandIn


@pytest.fixture(autouse=True)
def _quiet_exporters(monkeypatch: pytest.MonkeyPatch) -> None:
    # The exporters' own telemetry about themselves (statsbeat) and remote control plane would call Azure.
    monkeypatch.setenv("APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL", "true")
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED", "true")


@pytest.fixture
def ingestion() -> Iterator[IngestionStandIn]:
    with IngestionStandIn() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def appconfig() -> Iterator[AppConfigStandIn]:
    with AppConfigStandIn() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AzureWorld]:
    with azure_world(tmp_path) as found:
        yield found
