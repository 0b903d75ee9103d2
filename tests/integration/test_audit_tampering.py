"""Attacks on the local audit log, tried as whoever can edit ``audit.jsonl`` would: each one now makes
``company-mcp audit verify`` fail (exit 1, saying what it found), and the server refuses to chain over it."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.support import audit_records, in_process_client
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio


async def verify(data_dir: Path, *extra: str) -> tuple[int, str]:
    command = [sys.executable, "-m", "cli.main", "audit", "verify", "--data-dir", str(data_dir), *extra]
    done = await anyio.run_process(command, check=False)
    return done.returncode, (done.stdout + done.stderr).decode()


async def write_records(data_dir: Path, names: tuple[str, ...] = ("A", "B", "C")) -> list[str]:
    """Two records per allowed write (attempt, outcome); the log's lines."""
    async with in_process_client(data_dir, allow_mutations=True) as client:
        for name in names:
            ok(await client.call_tool("create_collection", {"name": name}))
    return log_lines(data_dir)


def log_lines(data_dir: Path) -> list[str]:
    return (data_dir / "audit.jsonl").read_text().splitlines()


def rewrite(data_dir: Path, lines: list[str]) -> None:
    (data_dir / "audit.jsonl").write_text("".join(line + "\n" for line in lines))


def recompute_without_the_key(lines: list[str], start: int) -> list[str]:
    """What an attacker can do with no key: re-link every record from ``start`` on with plain SHA-256."""
    out = list(lines)
    prev = json.loads(out[start - 1])["chain_hmac"] if start else "0" * 64
    for index in range(start, len(out)):
        record = json.loads(out[index])
        record["prev_hmac"] = prev
        body = {k: v for k, v in record.items() if k != "chain_hmac"}
        record["chain_hmac"] = hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        out[index] = json.dumps(record, separators=(",", ":"))
        prev = record["chain_hmac"]
    return out


async def test_an_intact_log_verifies(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4, 5, 6]
    code, out = await verify(data_dir)
    assert code == 0, out
    assert "6 records" in out and "keyed chain and signed checkpoint agree" in out


async def test_removing_the_last_records_is_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    rewrite(data_dir, lines[:-2])  # the last write's attempt and outcome, gone
    code, out = await verify(data_dir)
    assert code == 1
    assert "checkpoint says 6 keyed records but the log holds 4" in out and "removed from the end" in out


async def test_emptying_the_log_is_found(data_dir: Path) -> None:
    await write_records(data_dir)
    (data_dir / "audit.jsonl").write_text("")
    code, out = await verify(data_dir)
    assert code == 1
    assert "the log holds 0" in out and "emptied" in out


async def test_deleting_the_checkpoint_too_is_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    rewrite(data_dir, lines[:2])
    (data_dir / "audit.checkpoint").unlink()
    code, out = await verify(data_dir)
    assert (code, "the checkpoint is missing" in out) == (1, True)


async def test_a_checkpoint_rewritten_without_the_key_is_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    rewrite(data_dir, lines[:4])
    last = json.loads(lines[3])["chain_hmac"]
    forged = {"records": 4, "last_hmac": last, "mac": hashlib.sha256(f"4:{last}".encode()).hexdigest()}
    (data_dir / "audit.checkpoint").write_text(json.dumps(forged))
    code, out = await verify(data_dir)
    assert (code, "not signed with this deployment's audit key" in out) == (1, True)


async def test_an_edited_field_with_recomputed_hashes_is_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    edited = json.loads(lines[2])
    edited["principal"] = "local|someone-else"
    lines[2] = json.dumps(edited, separators=(",", ":"))
    rewrite(data_dir, recompute_without_the_key(lines, 2))
    code, out = await verify(data_dir)
    assert code == 1
    assert "line 3" in out and "edited or forged" in out


async def test_an_inserted_forged_record_is_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    forged = json.loads(lines[1]) | {"request_id": "f" * 32, "reason": "planted"}
    lines.insert(2, json.dumps(forged, separators=(",", ":")))
    rewrite(data_dir, recompute_without_the_key(lines, 2))
    code, out = await verify(data_dir)
    assert (code, "line 3" in out) == (1, True)


async def test_a_copied_genuine_record_is_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    lines.insert(4, lines[1])  # a real record, HMAC and all, in a second place
    rewrite(data_dir, lines)
    code, out = await verify(data_dir)
    assert code == 1
    assert "line 5" in out and "seq 2 where 5 was due" in out


async def test_reordered_records_are_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    lines[2], lines[3] = lines[3], lines[2]
    rewrite(data_dir, lines)
    code, out = await verify(data_dir)
    assert code == 1
    assert "line 3" in out and "reordered" in out


async def test_a_record_removed_from_the_middle_is_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    del lines[2]
    rewrite(data_dir, lines)
    code, out = await verify(data_dir)
    assert (code, "line 3" in out, "removed" in out) == (1, True, True)


async def test_a_shadowing_duplicate_key_is_found(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    # JSON parsers keep the last duplicate, so the HMAC still matches; a reader of the raw line sees "planted".
    lines[0] = '{"tool":"planted",' + lines[0][1:]
    rewrite(data_dir, lines)
    code, out = await verify(data_dir)
    assert code == 1
    assert "line 1" in out and "its JSON was altered" in out


async def test_the_server_refuses_to_chain_over_a_shortened_log(data_dir: Path) -> None:
    lines = await write_records(data_dir)
    rewrite(data_dir, lines[:2])
    async with in_process_client(data_dir, allow_mutations=True) as client:
        assert error(await client.call_tool("create_collection", {"name": "D"}))["type"] == "unavailable"
    assert log_lines(data_dir) == lines[:2]  # nothing written over the gap; the write was refused
    assert (await verify(data_dir))[0] == 1


async def test_a_checkpoint_one_record_behind_is_a_stop_between_record_and_checkpoint(data_dir: Path) -> None:
    await write_records(data_dir, ("A",))
    before = (data_dir / "audit.checkpoint").read_bytes()
    async with in_process_client(data_dir) as client:  # mutations off: one blocked record
        error(await client.call_tool("create_collection", {"name": "B"}))
    (data_dir / "audit.checkpoint").write_bytes(before)  # as if the process died before rewriting it
    code, out = await verify(data_dir)
    assert code == 0, out
    assert "1 record(s) after the checkpoint" in out
    await write_records(data_dir, ("C",))  # the next append goes on from the log's real end
    code, out = await verify(data_dir)
    assert code == 0 and "5 records" in out and "after the checkpoint" not in out


async def test_a_copy_elsewhere_verifies_with_its_key_and_checkpoint_given(data_dir: Path, tmp_path: Path) -> None:
    await write_records(data_dir, ("A",))
    copy = tmp_path / "exported.jsonl"
    copy.write_bytes((data_dir / "audit.jsonl").read_bytes())
    options = ["--file", str(copy), "--key-file", str(data_dir / "audit.key")]
    code, out = await verify(data_dir, *options, "--checkpoint", str(data_dir / "audit.checkpoint"))
    assert code == 0, out
    code, out = await verify(data_dir, *options)  # no checkpoint beside the copy
    assert (code, "checkpoint is missing" in out) == (1, True)


def legacy_lines(records: list[dict[str, Any]]) -> list[str]:
    """Lines as the previous release wrote them: ``prev_sha256`` = SHA-256 of the line before, no key."""
    lines: list[str] = []
    prev = "0" * 64
    for record in records:
        line = json.dumps({**record, "prev_sha256": prev}, separators=(",", ":"))
        lines.append(line)
        prev = hashlib.sha256(line.encode()).hexdigest()
    return lines


LEGACY = [
    {
        "ts": f"2026-01-01T00:00:0{n}.000Z",
        "request_id": f"req{n}",
        "principal": "local|alice",
        "tool": "create_collection",
        "args_sha256": f"{n:064x}",
        "decision": "blocked",
        "reason": "mutations_disabled:default",
        "phase": "decision",
        "outcome": None,
    }
    for n in range(1, 4)
]


async def test_an_old_unkeyed_log_still_verifies_and_says_what_it_cannot_show(data_dir: Path) -> None:
    rewrite(data_dir, legacy_lines(LEGACY))
    code, out = await verify(data_dir)
    assert code == 0, out
    assert "legacy unkeyed chain: 3 records" in out and "removed from the end" in out
    lines = legacy_lines(LEGACY)
    lines[1] = lines[1].replace("alice", "mallory")
    rewrite(data_dir, lines)
    code, out = await verify(data_dir)
    assert (code, "line 3" in out, "prev_sha256" in out) == (1, True, True)


async def test_new_records_after_an_old_log_seal_it(data_dir: Path) -> None:
    rewrite(data_dir, legacy_lines(LEGACY))
    lines = await write_records(data_dir, ("A",))
    assert len(lines) == 5
    assert "args_sha256" in json.loads(lines[0]) and "args_hmac" in json.loads(lines[3])
    code, out = await verify(data_dir)
    assert code == 0, out
    assert "5 records" in out and "the first 3 are legacy unkeyed records, sealed" in out
    # Rewriting the legacy part with recomputed SHA-256 links no longer passes: the keyed chain holds its end.
    edited = [dict(record) for record in LEGACY]
    edited[0]["principal"] = "local|mallory"
    rewrite(data_dir, legacy_lines(edited) + lines[3:])
    code, out = await verify(data_dir)
    assert (code, "line 4" in out) == (1, True)


async def test_keyed_records_without_the_key_are_not_passed(data_dir: Path) -> None:
    await write_records(data_dir, ("A",))
    (data_dir / "audit.key").unlink()
    code, out = await verify(data_dir)
    assert code == 1
    assert "no audit key" in out and str(data_dir / "audit.key") in out


async def test_the_key_is_private_and_kept_across_restarts(data_dir: Path) -> None:
    await write_records(data_dir, ("A",))
    key = data_dir / "audit.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert (data_dir / "audit.checkpoint").stat().st_mode & 0o777 == 0o600
    first = key.read_bytes()
    await write_records(data_dir, ("B",))
    assert key.read_bytes() == first
    assert (await verify(data_dir))[0] == 0
    assert all(first.hex() not in line for line in log_lines(data_dir))


async def test_argument_digests_are_keyed(data_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    for root in (data_dir, other):
        async with in_process_client(root) as client:
            for _ in range(2):
                error(await client.call_tool("request_email_discovery", {"company_id": "cmp_00000001"}))
    mine, theirs = audit_records(data_dir), audit_records(other)
    assert mine[0]["args_hmac"] == mine[1]["args_hmac"]  # same arguments, same key: the same digest
    assert mine[0]["args_hmac"] != theirs[0]["args_hmac"]  # another deployment's key: another digest
    plain = hashlib.sha256(b'{"company_id":"cmp_00000001"}').hexdigest()
    assert plain not in {mine[0]["args_hmac"], theirs[0]["args_hmac"]}  # no longer recoverable by guessing
    assert "args_sha256" not in mine[0]
