"""The pictures of a study report (matplotlib, PNG bytes): capacity curves with their knees,
and corridor utilisation heat maps. Labels are English only (the report's HTML headings carry
the zh-CN words; matplotlib's default font has no CJK glyphs).

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state, no display).
"""

from __future__ import annotations

import io
import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from airspace.corridors import CorridorNetwork
from scenarios.plots import _corridor_lines
from scenarios.study.curves import DEMAND_AXIS, Curve, knee, setting_of

METRIC_WORDS = {
    "delay_p95_s": "p95 departure delay (min)",
    "rejected_share": "rejected share (%)",
}
_SCALE = {"delay_p95_s": 1.0 / 60.0, "rejected_share": 100.0}


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def capacity_figure(panels: Sequence[tuple[str, list[Curve], float]]) -> bytes:
    """Capacity curves: one panel per metric, one line per setting, seeds' range shaded,
    the threshold dashed and each curve's knee marked."""
    fig = Figure(figsize=(6.2 * len(panels), 4.8), dpi=110)
    for k, (metric, curves, threshold) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), k + 1)
        scale = _SCALE.get(metric, 1.0)
        for i, c in enumerate(curves):
            colour = f"C{i % 10}"
            x = np.array([p.demand for p in c.points])
            y = np.array([p.mean for p in c.points]) * scale
            lo = np.array([p.low for p in c.points]) * scale
            hi = np.array([p.high for p in c.points]) * scale
            ax.plot(x, y, "o-", color=colour, label=c.label)
            ax.fill_between(x, lo, hi, color=colour, alpha=0.15, lw=0)
            kn = knee(c.points, threshold)
            if kn.demand is not None:
                ax.axvline(kn.demand, color=colour, ls=":", lw=1.2)
                ax.plot([kn.demand], [threshold * scale], marker="X", ms=11, color=colour, mec="k")
                ax.annotate(
                    f"knee {kn.words()}",
                    (kn.demand, threshold * scale),
                    textcoords="offset points",
                    xytext=(6, 8 + 14 * i),
                    fontsize="small",
                    color=colour,
                )
        ax.axhline(threshold * scale, color="#555555", ls="--", lw=1, label="threshold")
        ax.set_xlabel("demand (requests per day)")
        ax.set_ylabel(METRIC_WORDS.get(metric, metric))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    return _png(fig)


def mean_corridor_use(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Mean flights per corridor over runs (from their ``corridor_use`` JSON column)."""
    total: dict[str, float] = defaultdict(float)
    n = 0
    for r in rows:
        if r.get("status") != "ok" or not r.get("corridor_use"):
            continue
        n += 1
        for cid, v in json.loads(r["corridor_use"]).items():
            total[cid] += float(v)
    return {k: v / n for k, v in total.items()} if n else {}


def heatmap_figure(
    maps: Sequence[tuple[str, CorridorNetwork | None, dict[str, float]]],
) -> bytes:
    """Corridor utilisation heat maps: each network coloured by mean flights per corridor."""
    n = max(1, len(maps))
    fig = Figure(figsize=(6.0 * n, 6.2), dpi=100)
    vmax = max([max(u.values(), default=0.0) for _, _, u in maps] + [1.0])
    for k, (title, net, use) in enumerate(maps):
        ax = fig.add_subplot(1, n, k + 1)
        ax.set_title(title, fontsize="medium")
        lines, ids = _corridor_lines(net)
        if lines:
            values = np.array([use.get(i, 0.0) for i in ids])
            order = np.argsort(values)  # busiest drawn last, on top
            lc = LineCollection(
                [lines[i] for i in order],
                array=values[order],
                cmap="inferno_r",
                norm=None,
                linewidths=0.8 + 3.2 * values[order] / vmax,
            )
            lc.set_clim(0.0, vmax)
            ax.add_collection(lc)
            fig.colorbar(lc, ax=ax, label="flights per corridor", shrink=0.8)
            ax.autoscale_view()
            ax.set_aspect(1.0 / math.cos(math.radians(float(np.mean(ax.get_ylim())))))
        ax.set_xlabel("longitude (°)")
        ax.set_ylabel("latitude (°)")
        ax.xaxis.set_major_locator(MaxNLocator(5))
    fig.tight_layout()
    return _png(fig)


def heatmap_inputs(
    rows: Sequence[Mapping[str, Any]], network_for: Any, limit: int = 4
) -> list[tuple[str, CorridorNetwork | None, dict[str, float]]]:
    """For each setting (at most ``limit``): its network and mean use at its highest demand."""
    by_setting: dict[tuple, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        if r.get("status") == "ok":
            by_setting[setting_of(r)].append(r)
    out = []
    for setting in sorted(by_setting, key=lambda s: [str(v) for _, v in s])[:limit]:
        rs = by_setting[setting]
        top = max((r.get(DEMAND_AXIS) or 0) for r in rs)
        at_top = [r for r in rs if (r.get(DEMAND_AXIS) or 0) == top]
        label = " ".join(f"{k}={v}" for k, v in setting) or "all runs"
        title = f"{label}\n{top:,} requests/day, mean of {len(at_top)} run(s)" if top else label
        out.append((title, network_for(dict(setting)), mean_corridor_use(at_top)))
    return out
