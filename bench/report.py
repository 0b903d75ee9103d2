"""The benchmark's outputs: a Markdown table on stdout, JSON under bench/results/, and a latency plot (PNG)."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render straight to PNG
import matplotlib.pyplot as plt


def machine() -> dict[str, Any]:
    import os

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "system": platform.platform(),
    }


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}x" if baseline else "-"


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "## Overhead and bare-SDK comparison (sequential, one keep-alive connection)",
        "",
        "| revision | tool | store p50 ms | bare SDK p50 / p99 ms | product p50 / p99 ms | product ÷ bare (p50) "
        "| budget: store + bare + 0.3 ms | within |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["latency"]:
        budget = row["store"]["p50_ms"] + row["bare"]["p50_ms"] + 0.3
        lines.append(
            f"| {row['revision']} | {row['tool']} | {row['store']['p50_ms']:.3f} | "
            f"{row['bare']['p50_ms']:.3f} / {row['bare']['p99_ms']:.3f} | "
            f"{row['product']['p50_ms']:.3f} / {row['product']['p99_ms']:.3f} | "
            f"{ratio(row['product']['p50_ms'], row['bare']['p50_ms'])} | {budget:.3f} | "
            f"{'yes' if row['product']['p50_ms'] <= budget else 'NO'} |"
        )
    lines += [
        "",
        "## Throughput (tool calls per second; get_company)",
        "",
        "| revision | server | workers | clients | calls/s | vs bare SDK (1 worker) | load tool |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["throughput"]:
        base = next(
            (
                b["calls_per_s"]
                for b in results["throughput"]
                if b["server"] == "bare-sdk"
                and b["revision"] == row["revision"]
                and b["connections"] == row["connections"]
            ),
            0,
        )
        lines.append(
            f"| {row['revision']} | {row['server']} | {row['workers']} | {row['connections']} | "
            f"{row['calls_per_s']:.0f} | {ratio(row['calls_per_s'], base)} | {row['tool']} |"
        )
    process = results["process"]
    lines += [
        "",
        "## Process",
        "",
        "| figure | company-mcp | bare SDK | difference |",
        "|---|---|---|---|",
        f"| cold start, median of {process['runs']} (s) | {process['product_cold_start_s']:.2f} | "
        f"{process['bare_cold_start_s']:.2f} | {process['product_cold_start_s'] - process['bare_cold_start_s']:+.2f} |",
        f"| RSS after {process['rss']['calls']} calls (MB) | {process['rss']['rss_after_mb']:.1f} | - | - |",
    ]
    for extra in results.get("sections", []):
        lines += ["", extra]
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> None:
    rows = results["latency"]
    fig, axes = plt.subplots(1, len(rows), figsize=(4 * len(rows), 4), squeeze=False)
    for axis, row in zip(axes[0], rows, strict=True):
        data = [row["samples"]["store"], row["samples"]["bare"], row["samples"]["product"]]
        axis.boxplot(data, showfliers=False, whis=(1, 99))
        axis.set_xticks([1, 2, 3], ["store", "bare SDK", "company-mcp"])
        axis.set_title(f"{row['tool']}\n{row['revision']}", fontsize=9)
        axis.set_ylabel("ms")
    fig.suptitle("Latency per call (p1-p99 whiskers)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(results: dict[str, Any], out: Path) -> str:
    out.mkdir(parents=True, exist_ok=True)
    table = markdown(results)
    slim = {**results, "latency": [{k: v for k, v in row.items() if k != "samples"} for row in results["latency"]]}
    (out / "results.json").write_text(json.dumps({**slim, "machine": machine()}, indent=2))
    (out / "results.md").write_text(table)
    plot(results, out / "latency.png")
    return table
