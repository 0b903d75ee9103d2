from __future__ import annotations

import pytest

from core.cursor import CursorCodec
from core.errors import ValidationFailed

codec = CursorCodec(b"k" * 32)


def test_round_trip() -> None:
    cursor = codec.encode(tool="t", principal="p", query="q", position="40")
    assert codec.decode(cursor, tool="t", principal="p", query="q") == "40"


@pytest.mark.parametrize("other", [{"tool": "u"}, {"principal": "someone-else"}, {"query": "other"}])
def test_foreign_cursor_is_rejected(other: dict[str, str]) -> None:
    cursor = codec.encode(tool="t", principal="p", query="q", position="40")
    with pytest.raises(ValidationFailed) as caught:
        codec.decode(cursor, **{"tool": "t", "principal": "p", "query": "q", **other})
    assert caught.value.field == "cursor"


def test_cursor_from_another_deployment_key_is_rejected() -> None:
    cursor = CursorCodec(b"x" * 32).encode(tool="t", principal="p", query="q", position="40")
    with pytest.raises(ValidationFailed):
        codec.decode(cursor, tool="t", principal="p", query="q")
