"""``--fail-on``: comma-separated rules such as ``parity<100,p99_ratio>1.2,error_rate>0.01``.

A rule is ``METRIC[:TOOL] OP NUMBER`` with OP one of ``< <= > >= == !=`` (a trailing
``%`` on the number is allowed). It is parsed with one regular expression and
compared with ``operator``; nothing is evaluated. A rule "trips" when the comparison
holds: ``parity<100`` trips when parity is below 100 %. Metrics are about the
candidate unless their name says otherwise (``baseline_error_rate``); ``:TOOL``
narrows a per-tool metric to one tool.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

METRICS: dict[str, str] = {
    "parity": "calls whose answers match, in % (0-100)",
    "mismatches": "number of calls whose answers differ",
    "p50_ratio": "candidate p50 latency / baseline p50",
    "p95_ratio": "candidate p95 latency / baseline p95",
    "p99_ratio": "candidate p99 latency / baseline p99",
    "p50_ms": "candidate p50 latency in ms",
    "p95_ms": "candidate p95 latency in ms",
    "p99_ms": "candidate p99 latency in ms",
    "error_rate": "candidate share of calls that failed with a fault (backend, timeout, transport, protocol)",
    "tool_error_rate": "candidate share of calls answered with any typed error",
    "baseline_error_rate": "baseline share of calls that failed with a fault",
    "throughput_ratio": "candidate calls per second / baseline calls per second",
    "cost_ratio": "candidate estimated monthly cost / baseline estimated monthly cost",
}
PER_TOOL = frozenset(METRICS) - {"mismatches", "throughput_ratio", "cost_ratio", "baseline_error_rate"}
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_RULE = re.compile(r"^\s*([a-z0-9_]+)(?::([A-Za-z0-9_()/]+))?\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*%?\s*$")


@dataclass(frozen=True, slots=True)
class Rule:
    metric: str
    tool: str | None
    op: str
    threshold: float

    @property
    def key(self) -> str:
        return f"{self.metric}:{self.tool}" if self.tool else self.metric

    @property
    def text(self) -> str:
        return f"{self.key}{self.op}{self.threshold:g}"


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: Rule
    value: float | None  # None: the metric has no value in this run (e.g. a tool that was not called)
    tripped: bool

    @property
    def text(self) -> str:
        shown = "n/a" if self.value is None else f"{self.value:.4g}"
        return f"{self.rule.text} ({self.rule.key} = {shown})"


def parse_fail_on(text: str | None) -> list[Rule]:
    """Raises ``ValueError`` naming the bad rule and the known metrics."""
    rules: list[Rule] = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        match = _RULE.match(part)
        if match is None:
            raise ValueError(f"--fail-on {part!r}: expected METRIC[:TOOL]<OP>NUMBER, e.g. parity<100 or p99_ratio>1.2")
        metric, tool, op, number = match.groups()
        if metric not in METRICS:
            raise ValueError(f"--fail-on {part!r}: unknown metric {metric!r}; known: {', '.join(sorted(METRICS))}")
        if tool is not None and metric not in PER_TOOL:
            raise ValueError(f"--fail-on {part!r}: {metric} is not per tool")
        rules.append(Rule(metric, tool, op, float(number)))
    return rules


def evaluate(rules: list[Rule], metrics: Mapping[str, float | None]) -> list[Verdict]:
    verdicts = []
    for rule in rules:
        value = metrics.get(rule.key)
        usable = value is not None and not math.isnan(value)
        verdicts.append(
            Verdict(rule, value if usable else None, usable and _OPS[rule.op](value or 0.0, rule.threshold))
        )
    return verdicts
