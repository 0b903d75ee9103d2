"""flags.json is re-read whenever it changes, also when an edit keeps its size and puts its mtime back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.fake.flags import JsonFileFlags
from core.ports import FlagsUnavailable

pytestmark = pytest.mark.anyio


async def test_a_same_size_edit_with_the_mtime_restored_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "flags.json"
    path.write_text('{"mutations": true }')
    flags = JsonFileFlags(path)
    assert await flags.get_flags() == {"mutations": True}
    before = os.stat(path)
    with path.open("r+") as handle:  # in place: same inode, same size
        handle.write('{"mutations": false}')
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert await flags.get_flags() == {"mutations": False}


async def test_a_corrupted_file_denies_until_it_is_fixed(tmp_path: Path) -> None:
    path = tmp_path / "flags.json"
    path.write_text('{"mutations": true}')
    flags = JsonFileFlags(path)
    assert await flags.get_flags() == {"mutations": True}
    path.write_text('{"mutations": tru}')
    for _ in range(2):  # every read fails closed, none serves the old "on"
        with pytest.raises(FlagsUnavailable):
            await flags.get_flags()
    path.write_text('{"mutations": false}')
    assert await flags.get_flags() == {"mutations": False}
