"""The keyed chain and its checkpoint, as pure functions: what verifies, what does not, and why."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from core.audit_chain import GENESIS, AuditKey, ChainError, ChainTail, Checkpoint, verify_chain, verify_log

KEY = AuditKey(b"a" * 32)
OTHER = AuditKey(b"b" * 32)


def chain(count: int, key: AuditKey = KEY) -> tuple[list[str], ChainTail]:
    lines: list[str] = []
    tail = ChainTail(0, GENESIS)
    for n in range(count):
        line, tail = tail.append({"tool": "create_collection", "n": n}, key)
        lines.append(line)
    return lines, tail


def checkpoint_of(tail: ChainTail, key: AuditKey = KEY) -> str:
    return Checkpoint.sign(key, tail.records, tail.last_hmac).to_json()


def test_a_key_is_long_enough_and_never_shows_itself() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        AuditKey(b"short")
    assert "a" * 32 not in repr(KEY) and "a" * 32 not in str(KEY)


def test_argument_digests_need_the_key() -> None:
    args = {"company_id": "cmp_00000001", "roles": ["ceo"]}
    assert KEY.args_hmac(args) == KEY.args_hmac({"roles": ["ceo"], "company_id": "cmp_00000001"})
    assert KEY.args_hmac(args) != OTHER.args_hmac(args)
    # Subkeys per use: an argument digest never equals a record's chain HMAC over the same bytes.
    assert KEY.args_hmac({"x": 1}) != KEY.record_hmac({"x": 1})


def test_a_chain_with_its_checkpoint_verifies() -> None:
    lines, tail = chain(4)
    report = verify_log(lines, KEY, checkpoint_of(tail))
    assert (report.ok, report.records, report.past_checkpoint) == (True, 4, 0)
    assert verify_log([], KEY, Checkpoint.sign(KEY, 0, GENESIS).to_json()).ok


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda lines: lines[:-1], "removed from the end"),
        (lambda lines: [], "emptied"),
        (lambda lines: [lines[0], lines[2], lines[1], lines[3]], "reordered"),
        (lambda lines: [lines[0], lines[0], *lines[1:]], "seq 1 where 2 was due"),
        (lambda lines: [lines[0], lines[1].replace("create", "delete"), *lines[2:]], "edited or forged"),
        (lambda lines: [*lines[:2], "", *lines[2:]], "empty line"),
    ],
)
def test_each_kind_of_damage_is_named(damage: Callable[[list[str]], list[str]], problem: str) -> None:
    lines, tail = chain(4)
    report = verify_log(damage(lines), KEY, checkpoint_of(tail))
    assert not report.ok and problem in (report.problem or "")


def test_the_checkpoint_must_exist_be_signed_and_name_the_right_record() -> None:
    lines, tail = chain(3)
    assert "missing" in (verify_log(lines, KEY, None).problem or "")
    assert "not signed" in (verify_log(lines, KEY, checkpoint_of(tail, OTHER)).problem or "")
    assert "not valid" in (verify_log(lines, KEY, "[]").problem or "")
    other_lines, other_tail = chain(3, OTHER)
    assert not verify_log(other_lines, KEY, checkpoint_of(other_tail)).ok  # another key's log
    wrong = Checkpoint.sign(KEY, 2, json.loads(lines[0])["chain_hmac"]).to_json()
    assert "rewritten" in (verify_log(lines, KEY, wrong).problem or "")


def test_records_past_the_checkpoint_verify_by_their_hmacs() -> None:
    lines, _ = chain(3)
    earlier = Checkpoint.sign(KEY, 2, json.loads(lines[1])["chain_hmac"]).to_json()
    report = verify_log(lines, KEY, earlier)
    assert (report.ok, report.past_checkpoint) == (True, 1)


def test_no_key_reads_only_legacy_records() -> None:
    lines, tail = chain(1)
    assert "no audit key" in (verify_chain(lines, None).problem or "")
    assert "no audit key" in (verify_log([], None, checkpoint_of(tail)).problem or "")


def test_the_sink_will_not_chain_over_a_gap() -> None:
    lines, tail = chain(3)
    checkpoint = Checkpoint.sign(KEY, tail.records, tail.last_hmac)
    assert ChainTail.after(lines[-1], KEY).disagreement_with(checkpoint) is None
    assert ChainTail.after(lines[-2], KEY).disagreement_with(checkpoint) is not None  # last record removed
    assert ChainTail.after(None, KEY).disagreement_with(checkpoint) is not None  # emptied
    behind = Checkpoint.sign(KEY, 2, json.loads(lines[1])["chain_hmac"])
    assert ChainTail.after(lines[-1], KEY).disagreement_with(behind) is None  # stopped before the checkpoint
    with pytest.raises(ChainError, match="this deployment's audit key"):
        ChainTail.after(lines[-1], OTHER)
    with pytest.raises(ChainError, match="not valid JSON"):
        ChainTail.after(lines[-1][:-5], KEY)  # a torn last line
