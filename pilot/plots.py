"""The report's plots as PNG bytes, drawn from ``report.json`` data with matplotlib's object API.

``matplotlib.figure.Figure`` is used directly (no pyplot): no global state, no GUI
backend, safe in any process. Three plots: latency distributions per tool for both
targets, parity by tool and by field, and the estimated monthly cost by category.

matplotlib is the ``plots`` extra (``pip install 'company-mcp[plots]'``), imported only when a
plot is drawn: without it every plot function raises ``PlotsUnavailable``, whose message says how
to get them, and the pilot writes its reports without the plots.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PLOTS_HINT = "the pilot draws its plots with matplotlib: pip install 'company-mcp[plots]'"

COLORS = {"baseline": "#4c72b0", "candidate": "#dd8452"}
CATEGORY_COLORS = {
    "compute": "#4c72b0",
    "api": "#55a868",
    "database": "#c44e52",
    "cache": "#8172b3",
    "network": "#937860",
    "observability": "#da8bc3",
}
MAX_FIELDS = 20


class PlotsUnavailable(RuntimeError):
    """matplotlib is not installed; the message says how to install the plots extra."""


def _new_figure(**kwargs: Any) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotsUnavailable(f"no plots: {PLOTS_HINT}") from exc
    return Figure(**kwargs)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def latency_plot(report: dict[str, Any]) -> bytes:
    samples = report["latency_samples_ms"]
    tools = sorted(set(samples["baseline"]) | set(samples["candidate"]))
    figure = _new_figure(figsize=(10, 1.0 + 0.7 * max(1, len(tools))))
    ax = figure.subplots()
    positions, data, colors = [], [], []
    for i, tool in enumerate(tools):
        for offset, side in ((-0.18, "baseline"), (0.18, "candidate")):
            values = samples[side].get(tool) or []
            if values:
                positions.append(i + offset)
                data.append(values)
                colors.append(COLORS[side])
    if data:
        boxes = ax.boxplot(data, positions=positions, widths=0.3, vert=False, patch_artist=True, showfliers=True)
        for patch, color in zip(boxes["boxes"], colors, strict=True):
            patch.set_facecolor(color)
            patch.set_alpha(0.75)
        ax.set_xscale("log")
    ax.set_yticks(range(len(tools)), tools)
    ax.set_xlabel("latency per call (ms, log scale)")
    ax.set_title("Latency by tool: baseline (blue) and candidate (orange)")
    ax.grid(axis="x", alpha=0.3)
    ax.invert_yaxis()
    return _png(figure)


def parity_plot(report: dict[str, Any]) -> bytes:
    tools = report["parity"]["tools"]
    names = sorted(tools)
    figure = _new_figure(figsize=(12, 1.5 + 0.45 * max(len(names), 6)))
    by_tool, by_field = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    values = [tools[n]["parity_pct"] or 0.0 if tools[n]["compared"] else 0.0 for n in names]
    bar_colors = ["#55a868" if v >= 100 else "#c44e52" for v in values]
    by_tool.barh(names, values, color=bar_colors)
    for y, (name, value) in enumerate(zip(names, values, strict=True)):
        label = f"{value:.1f} % of {tools[name]['compared']}" if tools[name]["compared"] else "not compared"
        by_tool.text(1, y, label, va="center", fontsize=8, color="white" if value > 25 else "black")
    by_tool.set_xlim(0, 100)
    by_tool.set_xlabel("calls with identical answers (%)")
    by_tool.set_title("Parity by tool")
    by_tool.invert_yaxis()
    fields = sorted(
        ((body["differing"], f"{tool}: {name}") for tool, t in tools.items() for name, body in t["fields"].items()),
        reverse=True,
    )
    differing = [(count, label) for count, label in fields if count][:MAX_FIELDS]
    if differing:
        by_field.barh([label for _, label in differing], [count for count, _ in differing], color="#c44e52")
        by_field.set_ylim(max(len(differing), len(names)) - 0.5, -0.5)  # bars as thick as the left panel's
        by_field.set_xlabel("calls in which the field differed")
        by_field.tick_params(axis="y", labelsize=8)
    else:
        by_field.text(0.5, 0.5, "every compared field matched", ha="center", va="center", fontsize=12)
        by_field.set_axis_off()
    by_field.set_title("Differing fields (top 20)")
    return _png(figure)


def cost_plot(report: dict[str, Any]) -> bytes:
    cost = report["cost"]
    sides = ("baseline", "candidate")
    figure = _new_figure(figsize=(10, 3.2))
    ax = figure.subplots()
    labels = [f"{side}\n({cost[side]['cloud']})" for side in sides]
    categories = sorted({line["category"] for side in sides for line in cost[side]["lines"]})
    left = [0.0, 0.0]
    for category in categories:
        widths = [sum(ln["usd"] for ln in cost[side]["lines"] if ln["category"] == category) for side in sides]
        ax.barh(labels, widths, left=left, label=category, color=CATEGORY_COLORS.get(category, "#8c8c8c"))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, total in enumerate(left):
        ax.text(total, y, f"  {total:,.2f} {cost['currency']}/month", va="center", fontsize=9)
    ax.set_xlim(0, max(max(left) * 1.35, 1.0))
    ax.set_xlabel(f"estimated {cost['currency']} per month at {cost['volume']:,} calls/month")
    ax.set_title("Estimated monthly cost by category")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=8, ncols=6, frameon=False)
    ax.invert_yaxis()
    return _png(figure)


def all_plots(report: dict[str, Any]) -> dict[str, bytes]:
    return {"latency": latency_plot(report), "parity": parity_plot(report), "cost": cost_plot(report)}
