"""Pictures of a replay (matplotlib, PNG): the map of zones, corridors and accepted flights, the
delay histogram, airborne flights over the day, and corridor use.

Plots read the replay document (so a replay saved as JSON can be drawn later) plus the zones
and corridor network for the map. Figures are built with :class:`matplotlib.figure.Figure`
directly (no pyplot state, no display needed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patches import Polygon as PolygonPatch
from shapely.geometry import shape

from airspace.corridors import CorridorNetwork
from airspace.zones import Restriction, Zone
from scenarios.metrics import FLYING_STATES, airborne_counts, edge_utilisation, final_decisions

ZONE_COLOURS = {
    Restriction.PROHIBITED: "#d62728",
    Restriction.REQ_AUTHORISATION: "#ff7f0e",
    Restriction.CONDITIONAL: "#bcbd22",
    Restriction.NO_RESTRICTION: "#7f7f7f",
}


def _lonlat_axes(fig: Figure, title: str):
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(title)
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    return ax


def _corridor_lines(corridors: CorridorNetwork | None) -> tuple[list[np.ndarray], list[str]]:
    """Corridor graph edges as lon/lat polylines, with their corridor ids."""
    if corridors is None:
        return [], []
    lines, ids = [], []
    for _, _, d in sorted(corridors.graph.edges(data=True), key=lambda e: (e[0], e[1])):
        g = d.get("geometry")
        if g is None:
            continue
        xy = np.asarray(g.coords)
        lon, lat = corridors.projection.to_lonlat(xy[:, 0], xy[:, 1])
        lines.append(np.column_stack([lon, lat]))
        ids.append(str(d.get("corridor", "")))
    return lines, ids


def _flight_sets(document: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """Flights re-planned at least once, and flights revoked (their final state)."""
    replanned = {
        str(d["flight"]) for d in document.get("decisions", []) if d.get("kind") == "replanned"
    }
    revoked = {f for f, state in document.get("final", {}).items() if state == "revoked"}
    return replanned, revoked


def map_figure(
    document: Mapping[str, Any],
    *,
    zones: Sequence[Zone] = (),
    corridors: CorridorNetwork | None = None,
) -> Figure:
    """The map of :func:`plot_map`, framed on the flights (zones and corridors if none)."""
    fig = Figure(figsize=(10, 10), dpi=110)
    ax = _lonlat_axes(fig, f"{document.get('scenario', '')}: zones, corridors, accepted flights")
    for z in zones:
        colour = ZONE_COLOURS.get(z.restriction, "#7f7f7f")
        for v in z.volumes:
            poly = v.polygon
            ax.add_patch(
                PolygonPatch(
                    np.asarray(poly.exterior.coords),
                    closed=True,
                    fc=colour,
                    ec=colour,
                    alpha=0.18,
                    lw=1,
                )
            )
    lines, _ = _corridor_lines(corridors)
    if lines:
        ax.add_collection(
            LineCollection(lines, colors="#1f77b4", linewidths=1.2, alpha=0.6, label="corridors")
        )
    final = document.get("final", {})
    replanned, revoked = _flight_sets(document)
    tracks: dict[str, list[np.ndarray]] = {"accepted": [], "replanned": [], "revoked": []}
    extent: list[np.ndarray] = []
    n_areas = 0
    for fid, d in final_decisions(document.get("decisions", [])).items():
        if fid in revoked:
            group = "revoked"
        elif final.get(fid) not in FLYING_STATES:
            continue
        else:
            group = "replanned" if fid in replanned else "accepted"
        if d.get("trajectory"):
            xy = np.asarray(d["trajectory"])[:, :2]
            tracks[group].append(xy)
            extent.append(xy)
        elif d.get("area") is not None and group != "revoked":
            ring = np.asarray(shape(d["area"]).exterior.coords)
            ax.add_patch(
                PolygonPatch(ring, closed=True, fc="#2ca02c", ec="#2ca02c", alpha=0.3, lw=0.5)
            )
            extent.append(ring[:, :2])
            n_areas += 1
    style: dict[str, dict[str, Any]] = {
        "accepted": {"colors": "#111111", "linewidths": 0.5},
        "replanned": {"colors": "#9467bd", "linewidths": 1.0},
        "revoked": {"colors": "#d62728", "linewidths": 1.0, "linestyles": "dashed"},
    }
    if tracks["accepted"]:
        n = len(tracks["accepted"])
        alpha = max(0.03, min(0.6, 30.0 / math.sqrt(n)))
        ax.add_collection(LineCollection(tracks["accepted"], alpha=alpha, **style["accepted"]))
    for group in ("replanned", "revoked"):
        if tracks[group]:
            ax.add_collection(LineCollection(tracks[group], alpha=0.8, **style[group]))
    handles: list[Artist] = [
        Patch(fc=ZONE_COLOURS[r], alpha=0.4, label=str(r))
        for r in ZONE_COLOURS
        if any(z.restriction == r for z in zones)
    ]
    if lines:
        handles.append(Line2D([], [], color="#1f77b4", label="corridors"))
    handles.append(
        Line2D([], [], color="#111111", label=f"accepted flights ({len(tracks['accepted'])})")
    )
    if tracks["replanned"]:
        handles.append(
            Line2D(
                [], [], color="#9467bd", label=f"re-planned flights ({len(tracks['replanned'])})"
            )
        )
    if tracks["revoked"]:
        handles.append(
            Line2D(
                [],
                [],
                color="#d62728",
                ls="--",
                label=f"revoked flights ({len(tracks['revoked'])})",
            )
        )
    if n_areas:
        handles.append(Patch(fc="#2ca02c", alpha=0.3, label=f"area operations ({n_areas})"))
    ax.legend(handles=handles, loc="upper right", fontsize="small")
    if extent:
        pts = np.vstack(extent)
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        pad = max(x1 - x0, y1 - y0, 0.005) * 0.08
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
    else:
        ax.autoscale_view()
    lat0 = np.mean(ax.get_ylim())
    ax.set_aspect(1.0 / math.cos(math.radians(lat0)), adjustable="datalim")
    return fig


def plot_map(
    document: Mapping[str, Any],
    path: Path,
    *,
    zones: Sequence[Zone] = (),
    corridors: CorridorNetwork | None = None,
) -> Path:
    """Map of zones (coloured by restriction), corridors and the accepted trajectories/areas;
    re-planned flights in purple, revoked ones dashed red; framed on the flights."""
    map_figure(document, zones=zones, corridors=corridors).savefig(path)
    return path


def delays_figure(document: Mapping[str, Any]) -> Figure:
    """The figure of :func:`plot_delays`."""
    delays = [
        float(d.get("delay_s") or 0.0)
        for d in document.get("decisions", [])
        if d.get("kind") == "request" and d.get("status") == "approved"
    ]
    fig = Figure(figsize=(8, 5), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    m = document.get("metrics", {}).get("delay_s", {})
    ax.set_title(
        f"Assigned departure delays (n={len(delays)}, mean {m.get('mean', 0):.0f} s, p95 {m.get('p95', 0):.0f} s)"
    )
    if not any(delays):
        ax.set_axis_off()
        what = (
            f"no delays: all {len(delays)} approved requests depart at their earliest time"
            if delays
            else "no approved requests"
        )
        ax.text(0.5, 0.5, what, ha="center", va="center", fontsize="large", transform=ax.transAxes)
        return fig
    minutes = np.asarray(delays) / 60.0
    ax.hist(minutes, bins=max(10, min(60, int(math.sqrt(len(minutes) or 1)))), color="#1f77b4")
    ax.set_xlabel("delay (min)")
    ax.set_ylabel("approved requests")
    ax.set_yscale("log" if len(delays) > 200 else "linear")
    return fig


def plot_delays(document: Mapping[str, Any], path: Path) -> Path:
    """Histogram of the departure delays the planner assigned to approved requests (a sentence
    instead when there are none)."""
    delays_figure(document).savefig(path)
    return path


def plot_airborne(document: Mapping[str, Any], path: Path) -> Path:
    """Number of flights airborne over the day (local clock of the scenario start)."""
    t, n = airborne_counts(document.get("decisions", []), document.get("final", {}), step_s=60.0)
    start = datetime.fromisoformat(document["start"]) if document.get("start") else None
    fig = Figure(figsize=(10, 4.5), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    if start is not None:
        x = start.hour + start.minute / 60.0 + t / 3600.0
        ax.set_xlabel(f"local time (h), {start.date().isoformat()} UTC{start.strftime('%z')}")
    else:
        x = t / 3600.0
        ax.set_xlabel("hours after start")
    ax.step(x, n, where="post", color="#d62728")
    ax.fill_between(x, n, step="post", alpha=0.2, color="#d62728")
    ax.set_ylabel("flights airborne")
    ax.set_title(f"Airborne flights (peak {int(n.max()) if n.size else 0})")
    fig.savefig(path)
    return path


def plot_corridor_use(
    document: Mapping[str, Any], path: Path, *, corridors: CorridorNetwork | None = None
) -> Path:
    """Corridor-edge utilisation: the network coloured by flights per corridor, and the top 20."""
    corridor_use_figure(document, corridors=corridors).savefig(path)
    return path


def corridor_use_figure(
    document: Mapping[str, Any], *, corridors: CorridorNetwork | None = None
) -> Figure:
    """The figure of :func:`plot_corridor_use`."""
    use = edge_utilisation(document.get("decisions", []), document.get("final", {}))
    fig = Figure(figsize=(14, 7), dpi=110)
    ax_map = fig.add_subplot(1, 2, 1)
    ax_bar = fig.add_subplot(1, 2, 2)
    lines, ids = _corridor_lines(corridors)
    if lines:
        values = np.array([use.get(i, 0) for i in ids], dtype=float)
        lc = LineCollection(
            lines,
            array=values,
            cmap="viridis",
            linewidths=1.0 + 3.0 * values / max(1.0, values.max()),
        )
        ax_map.add_collection(lc)
        fig.colorbar(lc, ax=ax_map, label="flights")
        ax_map.autoscale_view()
        ax_map.set_aspect(1.0 / math.cos(math.radians(np.mean(ax_map.get_ylim()))))
    ax_map.set_title("Flights per corridor")
    ax_map.set_xlabel("longitude (°)")
    ax_map.set_ylabel("latitude (°)")
    top = use.most_common(20)
    if top:
        ax_bar.barh([k for k, _ in reversed(top)], [v for _, v in reversed(top)], color="#1f77b4")
    ax_bar.set_xlabel("flights")
    ax_bar.set_ylabel("corridor")
    ax_bar.set_title("Busiest corridors")
    fig.tight_layout()
    return fig


def write_plots(
    document: Mapping[str, Any],
    out_dir: Path | str,
    *,
    zones: Sequence[Zone] = (),
    corridors: CorridorNetwork | None = None,
) -> list[Path]:
    """Write all replay plots as PNG files into ``out_dir`` (created if needed).

    Returns
    -------
    list of Path
        ``map.png``, ``delays.png``, ``airborne.png`` and ``corridor_use.png``.
    """
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    return [
        plot_map(document, d / "map.png", zones=zones, corridors=corridors),
        plot_delays(document, d / "delays.png"),
        plot_airborne(document, d / "airborne.png"),
        plot_corridor_use(document, d / "corridor_use.png", corridors=corridors),
    ]
