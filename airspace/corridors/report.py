"""The network designer's report: what in a corridor network has to be fixed
(:func:`network_report`, behind :meth:`CorridorNetwork.report`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString

from airspace.zones import Restriction, Zone

if TYPE_CHECKING:
    from airspace.corridors.network import CorridorNetwork


@dataclass(frozen=True)
class NetworkIssue:
    """One thing a network designer has to fix."""

    kind: str
    """``disconnected``, ``dead_end``, ``unreachable``, ``prohibited_zone``, ``above_ceiling``,
    ``no_layer``, ``vertiport_unconnected`` or ``duplicate``."""
    message: str
    corridor: str | None = None
    node: int | None = None
    zone: str | None = None
    vertiport: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The issue as a JSON object (``None`` fields left out)."""
        out: dict[str, Any] = {"kind": self.kind, "message": self.message}
        for k in ("corridor", "node", "zone", "vertiport"):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        return out


@dataclass
class NetworkReport:
    """Sizes of a network and the issues found in it."""

    nodes: int
    edges: int
    corridors: int
    vertiports: int
    component_sizes: list[int]
    total_length_m: float
    issues: list[NetworkIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the network has no issue."""
        return not self.issues

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON object."""
        kinds: dict[str, int] = {}
        for i in self.issues:
            kinds[i.kind] = kinds.get(i.kind, 0) + 1
        return {
            "ok": self.ok,
            "nodes": self.nodes,
            "edges": self.edges,
            "corridors": self.corridors,
            "vertiports": self.vertiports,
            "components": len(self.component_sizes),
            "component_sizes": self.component_sizes,
            "total_length_km": round(self.total_length_m / 1000.0, 3),
            "issue_counts": kinds,
            "issues": [i.to_json() for i in self.issues],
        }


def network_report(
    net: CorridorNetwork, zones: Sequence[Zone] | None = None, *, ceiling_m: float | None = None
) -> NetworkReport:
    """What a network designer has to fix.

    Parameters
    ----------
    zones : sequence of Zone, optional
        Corridors crossing a permanently PROHIBITED volume within their band are reported.
    ceiling_m : float, optional
        True-height ceiling; the deployment's rule set ceiling by default (120 m in China).

    Returns
    -------
    NetworkReport
    """
    g = net.graph
    issues = list(net.build_issues)
    comps = sorted(nx.weakly_connected_components(g), key=lambda c: (-len(c), min(c)))
    for comp in comps[1:]:
        cors = sorted({g.edges[e]["corridor"] for e in g.subgraph(comp).edges})
        vps = sorted(g.nodes[n]["vertiport"] for n in comp if g.nodes[n]["vertiport"])
        if not cors and vps:
            for v in vps:
                issues.append(
                    NetworkIssue(
                        "vertiport_unconnected",
                        f"vertiport {v!r} is farther than {net.snap_tolerance_m} m from every corridor",
                        vertiport=v,
                    )
                )
            continue
        what = ", ".join(cors[:5]) + (" ..." if len(cors) > 5 else "")
        issues.append(
            NetworkIssue(
                "disconnected",
                f"{len(comp)} nodes (corridors {what}) are not connected to the main network",
                corridor=cors[0] if cors else None,
                node=min(comp),
            )
        )
    und = g.to_undirected(as_view=True)
    for node in sorted(g.nodes):
        if g.nodes[node]["vertiport"]:
            continue
        if und.degree(node) == 1:
            nb = next(iter(und.neighbors(node)))
            cid = (
                g.edges[node, nb]["corridor"]
                if g.has_edge(node, nb)
                else g.edges[nb, node]["corridor"]
            )
            issues.append(
                NetworkIssue(
                    "dead_end",
                    f"corridor {cid!r} ends at node {node} "
                    f"({g.nodes[node]['lon']:.5f}, {g.nodes[node]['lat']:.5f}) without a vertiport or junction",
                    corridor=cid,
                    node=node,
                )
            )
        elif g.degree(node) > 0 and (g.in_degree(node) == 0 or g.out_degree(node) == 0):
            way = "leave" if g.out_degree(node) == 0 else "reach"
            issues.append(
                NetworkIssue(
                    "dead_end",
                    f"one-way corridors at node {node} "
                    f"({g.nodes[node]['lon']:.5f}, {g.nodes[node]['lat']:.5f}): no way to {way} it",
                    node=node,
                )
            )
    main_vps = [n for n in (comps[0] if comps else ()) if g.nodes[n]["vertiport"]]
    if len(main_vps) > 1:
        scc = {n: i for i, c in enumerate(nx.strongly_connected_components(g)) for n in c}
        groups = {scc[n] for n in main_vps}
        if len(groups) > 1:
            for n in sorted(main_vps):
                if scc[n] != scc[main_vps[0]]:
                    v = g.nodes[n]["vertiport"]
                    issues.append(
                        NetworkIssue(
                            "unreachable",
                            f"vertiport {v!r} cannot both reach and be reached from vertiport "
                            f"{g.nodes[main_vps[0]]['vertiport']!r} (one-way corridors)",
                            vertiport=v,
                            node=n,
                        )
                    )
    ceiling = _ceiling_m(net) if ceiling_m is None else float(ceiling_m)
    for c in net.corridors.values():
        if c.upper_m > ceiling:
            issues.append(
                NetworkIssue(
                    "above_ceiling",
                    f"upper_m {c.upper_m:g} m is above the {ceiling:g} m true-height ceiling",
                    corridor=c.id,
                )
            )
    for (u, v), d in sorted(g.edges.items()):
        if not d["layers_m"]:
            issues.append(
                NetworkIssue(
                    "no_layer",
                    f"band {d['lower_m']:g}-{d['upper_m']:g} m holds no "
                    f"{net.separation_vertical_m:g} m layer for its direction "
                    f"({d['track_deg']:.0f} deg, node {u} -> {v})",
                    corridor=d["corridor"],
                )
            )
    if zones:
        issues.extend(_zone_issues(net, zones))
    lengths = [d["length_m"] for _, _, d in g.edges(data=True)]
    return NetworkReport(
        nodes=g.number_of_nodes(),
        edges=g.number_of_edges(),
        corridors=len(net.corridors),
        vertiports=len(net.vertiports),
        component_sizes=[len(c) for c in comps],
        total_length_m=float(sum(lengths)),
        issues=issues,
    )


def _ceiling_m(net: CorridorNetwork) -> float:
    from airspace.rulesets import RULESETS

    return float(RULESETS[net.deployment.rules].ceiling_m)


def _zone_issues(net: CorridorNetwork, zones: Sequence[Zone]) -> list[NetworkIssue]:
    cors = list(net.corridors.values())
    proj = net.projection
    buffers = []
    for c in cors:
        ll = np.asarray(c.coords_lonlat)
        x, y = proj.to_xy(ll[:, 0], ll[:, 1])
        buffers.append(LineString(np.column_stack([x, y])).buffer(c.width_m / 2.0))
    tree = shapely.STRtree(buffers)
    out: list[NetworkIssue] = []
    for z in zones:
        if z.restriction != Restriction.PROHIBITED or not z.is_permanent:
            continue
        for vol in z.volumes:
            lo, hi = vol.band_agl_m(net.deployment)
            poly = proj.geometry_to_xy(vol.polygon)
            for i in tree.query(poly, predicate="intersects"):
                c = cors[int(i)]
                if lo < c.upper_m and hi > c.lower_m:
                    out.append(
                        NetworkIssue(
                            "prohibited_zone",
                            f"crosses the permanently prohibited zone {z.identifier!r} "
                            f"({_band_text(lo, hi)}) within its band {c.lower_m:g}-{c.upper_m:g} m",
                            corridor=c.id,
                            zone=z.identifier,
                        )
                    )
    seen: set[tuple[str | None, str | None]] = set()
    unique = []
    for i in out:
        if (i.corridor, i.zone) not in seen:
            seen.add((i.corridor, i.zone))
            unique.append(i)
    return unique


def _band_text(lo: float, hi: float) -> str:
    a = "GND" if not math.isfinite(lo) else f"{lo:g} m"
    b = "UNL" if not math.isfinite(hi) else f"{hi:g} m"
    return f"{a}-{b} AGL"
