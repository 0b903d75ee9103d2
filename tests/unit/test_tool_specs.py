"""The tool declarations keep the public contract honest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.model import READ_SCOPE, WRITE_SCOPE
from core.tools.registry import all_tools

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "tools.json"


def current_listing() -> list[dict]:  # type: ignore[type-arg]
    return [spec.to_mcp_tool().model_dump(mode="json", by_alias=True, exclude_none=True) for spec in all_tools()]


def test_tool_schemas_match_the_snapshot() -> None:
    """A change to a tool's public contract must be deliberate: regenerate with UPDATE_SNAPSHOTS=1."""
    listing = current_listing()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(listing, indent=2, sort_keys=True) + "\n")
    assert listing == json.loads(SNAPSHOT.read_text())


def test_nine_tools_six_read_three_write() -> None:
    specs = all_tools()
    assert len(specs) == 9 and len({s.name for s in specs}) == 9
    assert sum(not s.mutates for s in specs) == 6


@pytest.mark.parametrize("spec", all_tools(), ids=lambda s: s.name)
def test_every_spec_declares_writes_and_derives_annotations(spec) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(spec.mutates, bool)
    assert spec.scope == (WRITE_SCOPE if spec.mutates else READ_SCOPE)
    annotations = spec.annotations()
    assert annotations.read_only_hint is (not spec.mutates)
    assert annotations.title == spec.title
    if spec.mutates:
        assert annotations.destructive_hint is False
    schema = spec.to_mcp_tool().input_schema
    assert schema.get("additionalProperties") is False  # unknown arguments are errors
    if "limit" in schema.get("properties", {}):
        assert "maximum" not in schema["properties"]["limit"]  # clamped, not rejected
