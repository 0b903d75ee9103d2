"""Runs a workload against one target at a chosen concurrency and records every call.

Targets run one after the other (baseline first), so they never compete for the
machine and the candidate can take the baseline's answers as arguments. Within a
run, up to ``concurrency`` calls are in flight (a semaphore); a step waits for the
steps it takes values from. Steps start in order, so a waiting step only ever waits
for one that already holds a slot: no deadlock.

Writes are guarded here, in one place: a write tool is never called without
``include_writes``; writes run one at a time in workload order; and the first write
is the probe: once a target answers ``mutations_disabled``, no further write is sent
to it and the run says so.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from tqdm import tqdm

from pilot.targets import CallOutcome, TargetSession
from pilot.workload import Step, Unresolvable, Workload, resolve

RecordKind = Literal["ok", "error", "exception", "skipped"]


@dataclass(frozen=True, slots=True)
class CallRecord:
    step: int
    tool: str
    label: str
    arguments: dict[str, Any] | None  # as sent; None when skipped before the arguments were known
    kind: RecordKind
    error_type: str | None = None
    result: Any = None
    text_agrees: bool = True
    duration_ms: float | None = None
    note: str | None = None  # why a step was skipped

    @property
    def executed(self) -> bool:
        return self.kind != "skipped"


@dataclass
class TargetRun:
    target: str
    records: dict[int, CallRecord] = field(default_factory=dict)
    tools: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0
    writes: str = "not attempted"  # "not attempted" | "enabled" | "disabled: <reason>" | "not requested"

    def answers(self) -> dict[int, Any]:
        """Step index -> successful answer (what ``Ref`` s take values from)."""
        return {i: r.result for i, r in self.records.items() if r.kind == "ok"}

    def executed(self) -> list[CallRecord]:
        return [r for r in self.records.values() if r.executed]


@dataclass(frozen=True, slots=True)
class RunOptions:
    concurrency: int = 4
    include_writes: bool = False
    progress: bool = True


class _Run:
    def __init__(self, session: TargetSession, run: TargetRun, baseline: TargetRun | None, options: RunOptions) -> None:
        self.session = session
        self.run = run
        self.baseline = baseline
        self.options = options
        self.own: dict[int, Any] = {}
        # a finished baseline's answers; during the baseline's own run, refs read its growing answers
        self.shared: Mapping[int, Any] = baseline.answers() if baseline is not None else self.own
        self.done: dict[int, anyio.Event] = {}
        self.writes_disabled: str | None = None

    def dependencies(self, step: Step, previous_write: int | None) -> set[int]:
        deps = set(step.after)
        for ref in step.refs():
            # the baseline's own run must wait for its answers; a later run already has them
            if ref.source == "own" or self.baseline is None:
                deps.add(ref.step)
        if step.writes and previous_write is not None:
            deps.add(previous_write)
        return deps

    async def execute(self, step: Step, deps: set[int]) -> CallRecord:
        for dep in sorted(deps):
            await self.done[dep].wait()
        if step.writes and not self.options.include_writes:
            return _skipped(step, "write tool: runs only with --include-writes")
        if step.writes and self.writes_disabled is not None:
            return _skipped(step, f"writes disabled on this target: {self.writes_disabled}")
        try:
            arguments = resolve(step, self.own, self.shared)
        except Unresolvable as exc:
            return _skipped(step, f"argument unavailable: {exc}")
        outcome = await self.session.call(step.tool, arguments)
        if step.writes:
            self._note_write(outcome)
        if outcome.kind == "ok":
            self.own[step.index] = outcome.result
        return _record(step, arguments, outcome)

    def _note_write(self, outcome: CallOutcome) -> None:
        if outcome.error_type == "mutations_disabled":
            reason = outcome.result.get("error", {}).get("reason") if isinstance(outcome.result, dict) else None
            self.writes_disabled = f"mutations_disabled ({reason or 'no reason given'})"
            self.run.writes = f"disabled: {self.writes_disabled}"
        elif outcome.kind == "ok" and self.writes_disabled is None:
            self.run.writes = "enabled"


def _skipped(step: Step, note: str) -> CallRecord:
    return CallRecord(step.index, step.tool, step.label, None, "skipped", note=note)


def _record(step: Step, arguments: dict[str, Any], outcome: CallOutcome) -> CallRecord:
    return CallRecord(
        step=step.index,
        tool=step.tool,
        label=step.label,
        arguments=arguments,
        kind=outcome.kind,
        error_type=outcome.error_type,
        result=outcome.result,
        text_agrees=outcome.text_agrees,
        duration_ms=outcome.duration_ms,
    )


async def run_workload(
    session: TargetSession,
    workload: Workload,
    *,
    target: str,
    options: RunOptions,
    baseline: TargetRun | None = None,
) -> TargetRun:
    run = TargetRun(target=target, writes="not attempted" if options.include_writes else "not requested")
    run.tools = await session.list_tools()  # also opens the connection, so the first call is not skewed
    state = _Run(session, run, baseline, options)
    state.done = {step.index: anyio.Event() for step in workload.steps}
    slots = anyio.Semaphore(max(1, options.concurrency))
    bar = tqdm(
        total=len(workload.steps),
        desc=target[:40],
        unit="call",
        file=sys.stderr,
        disable=None if options.progress else True,  # None: off when stderr is not a terminal
        leave=True,
        dynamic_ncols=True,
    )

    async def one(step: Step, deps: set[int]) -> None:
        try:
            run.records[step.index] = await state.execute(step, deps)
        finally:
            state.done[step.index].set()
            slots.release()
            bar.update(1)

    started = time.perf_counter()
    previous_write: int | None = None
    try:
        async with anyio.create_task_group() as group:
            for step in workload.steps:
                deps = state.dependencies(step, previous_write)
                if step.writes:
                    previous_write = step.index
                await slots.acquire()
                group.start_soon(one, step, deps)
    finally:
        bar.close()
    run.wall_s = time.perf_counter() - started
    return run
