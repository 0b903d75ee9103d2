"""The ``ai_search`` evaluation: how often the rules understand a prompt as a person would, and how fast.

``bench/ai_search_eval.jsonl`` holds one case per line: the prompt, the ``understood`` filters a person
would expect (a fixed reference year, ``REFERENCE_YEAR``, for the ages) and ``min_results``. A case is
understood when the interpreter's filters equal the expected ones exactly *and* the results, fetched by
the real ``ai_search`` handler from a seeded store, hold at least ``min_results`` companies that all
satisfy the expected filters. ``tests/core/test_ai_search_eval.py`` fails below ``REQUIRED_RATE``;
``python -m bench.ai_search_eval`` (and ``make bench``) prints the rate and the interpreter's p50/p99.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from companydata.seed import seed_sqlite
from companydata.sqlite_store import SqliteStore
from core.cursor import CursorCodec
from core.interpreters import RulesInterpreter
from core.model import CompanySummary, Principal
from core.ports import Backend, PromptInterpreter
from core.tools.companies import ai_search
from core.tools.contracts import AiSearchInput
from core.tools.spec import ToolContext

CASES_FILE = Path(__file__).with_name("ai_search_eval.jsonl")
REFERENCE_YEAR = 2026
REQUIRED_RATE = 0.95
_FILTER_KEYS = ("interpreter", "fallback")


@dataclass(frozen=True, slots=True)
class Case:
    prompt: str
    expect: dict[str, Any]
    min_results: int = 1


@dataclass(slots=True)
class Outcome:
    case: Case
    understood: dict[str, Any]
    items: list[CompanySummary]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    return [Case(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def violations(item: CompanySummary, expect: dict[str, Any]) -> list[str]:
    """What about ``item`` contradicts the expected filters."""
    found = []
    industries = expect.get("industries") or ([expect["industry"]] if "industry" in expect else None)
    countries = expect.get("countries") or ([expect["country"]] if "country" in expect else None)
    cities = expect.get("cities") or ([expect["city"]] if "city" in expect else None)
    if industries and item.industry not in industries:
        found.append(f"{item.id} industry {item.industry}")
    if countries and item.country not in countries:
        found.append(f"{item.id} country {item.country}")
    if cities and item.city not in cities:
        found.append(f"{item.id} city {item.city}")
    if item.country in expect.get("exclude_countries", ()):
        found.append(f"{item.id} in excluded {item.country}")
    low, high = expect.get("min_employees"), expect.get("max_employees")
    if (low is not None and item.employee_count < low) or (high is not None and item.employee_count > high):
        found.append(f"{item.id} employees {item.employee_count}")
    after, before = expect.get("founded_after"), expect.get("founded_before")
    if (after is not None and item.founded_year <= after) or (before is not None and item.founded_year >= before):
        found.append(f"{item.id} founded {item.founded_year}")
    return found


def _context(backend: Backend, interpreter: PromptInterpreter, limit: int) -> ToolContext:
    principal = Principal(issuer="eval", subject="eval")
    return ToolContext(
        tool="ai_search",
        principal=principal,
        backend=backend,
        cursors=CursorCodec(b"e" * 32),
        limit=limit,
        prompt_interpreter=interpreter,
    )


async def evaluate(
    backend: Backend, cases: list[Case], interpreter: PromptInterpreter | None = None, limit: int = 20
) -> list[Outcome]:
    """Each case through the real ``ai_search`` handler over ``backend``."""
    interpreter = interpreter or RulesInterpreter(lambda: REFERENCE_YEAR)
    ctx = _context(backend, interpreter, limit)
    outcomes = []
    for case in cases:
        result = await ai_search(AiSearchInput(prompt=case.prompt, limit=limit), ctx)
        understood = result.understood.model_dump(exclude_none=True, exclude=set(_FILTER_KEYS))
        outcome = Outcome(case, understood, result.items)
        if understood != case.expect:
            outcome.problems.append(f"understood {understood}, expected {case.expect}")
        if len(result.items) < case.min_results:
            outcome.problems.append(f"{len(result.items)} results, expected at least {case.min_results}")
        for item in result.items:
            outcome.problems += violations(item, case.expect)
        outcomes.append(outcome)
    return outcomes


def rate(outcomes: list[Outcome]) -> float:
    return sum(o.ok for o in outcomes) / len(outcomes) if outcomes else 0.0


def interpreter_latency_ms(cases: list[Case], repeats: int) -> dict[str, float]:
    """The rules' own time per prompt (no store), p50 and p99 over every prompt ``repeats`` times."""
    interpreter = RulesInterpreter(lambda: REFERENCE_YEAR)
    samples: list[float] = []

    async def measure() -> None:
        for _ in range(repeats):
            for case in cases:
                started = time.perf_counter()
                await interpreter.interpret(case.prompt)
                samples.append((time.perf_counter() - started) * 1000)

    anyio.run(measure)
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": statistics.median(samples), "p99_ms": cuts[98], "samples": len(samples)}


def run(store_path: Path, *, repeats: int) -> dict[str, Any]:
    """The figures ``bench/run.py`` reports: rate over the cases on ``store_path``, interpreter p50/p99."""
    cases = load_cases()

    async def scored() -> list[Outcome]:
        store = SqliteStore(store_path)
        try:
            return await evaluate(store, cases)
        finally:
            await store.aclose()

    outcomes = anyio.run(scored)
    return {
        "cases": len(cases),
        "understood": sum(o.ok for o in outcomes),
        "rate": rate(outcomes),
        "failures": [{"prompt": o.case.prompt, "problems": o.problems[:3]} for o in outcomes if not o.ok],
        "interpreter": interpreter_latency_ms(cases, repeats),
    }


def markdown(figures: dict[str, Any]) -> str:
    latency = figures["interpreter"]
    lines = [
        "## ai_search understanding",
        "",
        f"{figures['understood']} of {figures['cases']} prompts understood as a person would "
        f"({figures['rate']:.1%}; required {REQUIRED_RATE:.0%}). Rules interpreter alone: "
        f"p50 {latency['p50_ms']:.3f} ms, p99 {latency['p99_ms']:.3f} ms over {latency['samples']} parses.",
    ]
    for failure in figures["failures"]:
        lines.append(f"- not understood: `{failure['prompt']}`: {'; '.join(failure['problems'])}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.ai_search_eval", description=__doc__)
    parser.add_argument("--store", type=Path, help="a seeded SQLite store (default: seed 3,000 companies)")
    parser.add_argument("--repeats", type=int, default=20, help="timing passes over every prompt")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ai-search-eval-") as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "companies.sqlite"
            seed_sqlite(store, 3_000, progress=False)
        figures = run(store, repeats=args.repeats)
    print(markdown(figures))
    return 0 if figures["rate"] >= REQUIRED_RATE else 1


if __name__ == "__main__":
    sys.exit(main())
