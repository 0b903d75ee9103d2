"""The ai_search evaluation set (bench/ai_search_eval.jsonl) against the small seeded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.fake.main import STORE_FILE
from bench.ai_search_eval import REQUIRED_RATE, evaluate, load_cases, rate
from companydata.sqlite_store import SqliteStore

pytestmark = pytest.mark.anyio


def test_the_set_has_many_shapes() -> None:
    cases = load_cases()
    prompts = [c.prompt for c in cases]
    assert len(cases) >= 80
    assert any(p.isupper() for p in prompts) and any("Muenchen" in p for p in prompts)
    assert sum(any(w in p for w in ("five", "two thousand", "fifty", "ten years")) for p in prompts) >= 3
    assert all(c.expect for c in cases), "every case names the filters a person would expect"


async def test_the_rules_understand_at_least_95_percent(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = SqliteStore(data_dir / STORE_FILE)
    try:
        outcomes = await evaluate(store, load_cases())
    finally:
        await store.aclose()
    understood = rate(outcomes)
    failures = [f"{o.case.prompt!r}: {o.problems[:2]}" for o in outcomes if not o.ok]
    with capsys.disabled():
        print(f"\nai_search understanding rate: {understood:.1%} of {len(outcomes)} prompts")
    assert understood >= REQUIRED_RATE, "\n".join(failures)
    assert sum(len(o.items) for o in outcomes) > len(outcomes), "the results were checked, not only the filters"
