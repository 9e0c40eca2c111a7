"""The corridor network graph (:class:`CorridorNetwork`): corridors snapped into nodes,
junctions where corridors share a layer, edges with their layers (see :mod:`airspace.corridors`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from airspace.corridors.compile import CompiledNetwork, compile_network
from airspace.corridors.format import (  # noqa: F401 (the path: doctests)
    QINGDAO_CORRIDORS_PATH,
    Corridor,
    CorridorFormatError,
    Vertiport,
    parse_corridors,
)
from airspace.corridors.layers import direction_parity_xy, layer_altitudes_m, track_deg
from airspace.corridors.report import NetworkIssue, NetworkReport, network_report
from airspace.deployment import QINGDAO, Deployment
from airspace.errors import AirspaceError
from airspace.projection import Projection
from airspace.zones import Zone


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return int(i)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class CorridorNetwork:
    """A corridor network as a directed graph in the deployment's metric projection.

    Nodes are integers ``0..n-1`` with attributes ``x_m``, ``y_m``, ``lon``, ``lat`` and
    ``vertiport`` (id or ``None``). Edges carry ``corridor``, ``geometry`` (shapely LineString
    in metres, oriented tail to head), ``length_m``, ``lower_m``, ``upper_m``, ``width_m``,
    ``speed_max_mps``, ``track_deg`` and ``layers_m`` (the layers this direction may use).

    Build one with :meth:`from_geojson`.
    """

    def __init__(
        self,
        corridors: Sequence[Corridor],
        vertiports: Sequence[Vertiport],
        deployment: Deployment = QINGDAO,
        *,
        snap_tolerance_m: float = 5.0,
        separation_vertical_m: float | None = None,
    ):
        if snap_tolerance_m < 0:
            raise AirspaceError("snap_tolerance_m must be >= 0")
        self.deployment = deployment
        self.projection = Projection.for_deployment(deployment)
        self.separation_vertical_m = float(
            deployment.separation_vertical_m
            if separation_vertical_m is None
            else separation_vertical_m
        )
        if not self.separation_vertical_m > 0:
            raise AirspaceError("separation_vertical_m must be positive")
        self.snap_tolerance_m = float(snap_tolerance_m)
        self.corridors = {c.id: c for c in corridors}
        self.vertiports = {v.id: v for v in vertiports}
        self.graph = nx.DiGraph()
        self.build_issues: list[NetworkIssue] = []
        self._xy: tuple[np.ndarray, np.ndarray] | None = None
        self._build()

    @classmethod
    def from_geojson(
        cls,
        source: str | Path | dict,
        deployment: Deployment = QINGDAO,
        *,
        snap_tolerance_m: float = 5.0,
        separation_vertical_m: float | None = None,
    ) -> CorridorNetwork:
        """Load a network from a GeoJSON file or dict.

        Parameters
        ----------
        source : str, Path or dict
            A FeatureCollection of corridor LineStrings and vertiport Points.
        deployment : Deployment
            Gives the projection and the default vertical separation.
        snap_tolerance_m : float
            Endpoints (and vertiports) closer than this become one node.
        separation_vertical_m : float, optional
            ``S_v`` for the layers; the deployment's by default.

        Examples
        --------
        >>> net = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH)
        >>> net.graph.number_of_edges() > 300
        True
        """
        corridors, vertiports = parse_corridors(source)
        return cls(
            corridors,
            vertiports,
            deployment,
            snap_tolerance_m=snap_tolerance_m,
            separation_vertical_m=separation_vertical_m,
        )

    # -- building --------------------------------------------------------------------

    def _layers(self, c: Corridor) -> tuple[float, ...]:
        return layer_altitudes_m(c.lower_m, c.upper_m, self.separation_vertical_m)

    def _build(self) -> None:
        proj = self.projection
        cors = list(self.corridors.values())
        tol = self.snap_tolerance_m
        flat = np.array([p for c in cors for p in c.coords_lonlat], dtype=np.float64)
        x, y = proj.to_xy(flat[:, 0], flat[:, 1])
        lines: list[LineString] = []
        k = 0
        for c in cors:
            n = len(c.coords_lonlat)
            line = LineString(np.column_stack([x[k : k + n], y[k : k + n]]))
            k += n
            if line.length <= tol:
                raise CorridorFormatError(
                    f"is {line.length:.1f} m long, shorter than the snap tolerance", corridor=c.id
                )
            lines.append(line)
        layers = [set(self._layers(c)) for c in cors]

        # Split positions (distance along each line) at crossings and T-junctions that share a layer.
        splits: list[set[float]] = [{0.0, ln.length} for ln in lines]
        for i, d in self._junctions(lines, layers, tol):
            splits[i].add(d)

        # Node points: every split position; snap within the tolerance (vertiports take priority).
        node_pts: list[tuple[float, float]] = []
        owners: list[tuple[int, float]] = []
        for i, line in enumerate(lines):
            for d in sorted(splits[i]):
                p = line.interpolate(d)
                node_pts.append((p.x, p.y))
                owners.append((i, d))
        vp = list(self.vertiports.values())
        if vp:
            vx, vy = proj.to_xy([v.lon for v in vp], [v.lat for v in vp])
            vp_xy = list(zip(vx.tolist(), vy.tolist(), strict=True))
        else:
            vp_xy = []
        all_pts = np.array(node_pts + vp_xy, dtype=np.float64)
        geoms = shapely.points(all_pts)
        uf = _UnionFind(len(all_pts))
        ptree = shapely.STRtree(geoms)
        qa, qb = ptree.query(geoms, predicate="dwithin", distance=tol)
        for a, b in zip(qa.tolist(), qb.tolist(), strict=True):
            if a < b:
                uf.union(a, b)
        roots = [uf.find(i) for i in range(len(all_pts))]
        root_to_node: dict[int, int] = {}
        members: dict[int, list[int]] = {}
        for i, r in enumerate(roots):
            members.setdefault(r, []).append(i)
        n_line_pts = len(node_pts)
        for r, idx in sorted(members.items()):
            node = len(root_to_node)
            root_to_node[r] = node
            vps = [vp[i - n_line_pts] for i in idx if i >= n_line_pts]
            if vps:
                pos = all_pts[[i for i in idx if i >= n_line_pts]].mean(axis=0)
            else:
                pos = all_pts[idx].mean(axis=0)
            self.graph.add_node(
                node,
                x_m=float(pos[0]),
                y_m=float(pos[1]),
                vertiport=vps[0].id if vps else None,
            )
            for extra in vps[1:]:
                self.build_issues.append(
                    NetworkIssue(
                        "duplicate",
                        f"vertiport {extra.id!r} lies within {tol} m of vertiport {vps[0].id!r}",
                        vertiport=extra.id,
                    )
                )
        xs = np.array([self.graph.nodes[n]["x_m"] for n in self.graph.nodes])
        ys = np.array([self.graph.nodes[n]["y_m"] for n in self.graph.nodes])
        lons, lats = proj.to_lonlat(xs, ys)
        for n in self.graph.nodes:
            self.graph.nodes[n]["lon"] = float(lons[n])
            self.graph.nodes[n]["lat"] = float(lats[n])
        self._vertiport_node = {
            d["vertiport"]: n for n, d in self.graph.nodes(data=True) if d["vertiport"]
        }

        # Edges: one per piece of a corridor between consecutive split positions.
        point_node = {owners[i]: root_to_node[roots[i]] for i in range(n_line_pts)}
        for i, (c, line) in enumerate(zip(cors, lines, strict=True)):
            ds = sorted(splits[i])
            for d0, d1 in zip(ds[:-1], ds[1:], strict=True):
                u, v = point_node[(i, d0)], point_node[(i, d1)]
                if u == v:
                    continue
                piece = substring(line, d0, d1)
                coords = np.asarray(piece.coords)
                coords[0] = (self.graph.nodes[u]["x_m"], self.graph.nodes[u]["y_m"])
                coords[-1] = (self.graph.nodes[v]["x_m"], self.graph.nodes[v]["y_m"])
                piece = LineString(coords)
                self._add_edge(c, u, v, piece)
                if not c.oneway:
                    self._add_edge(c, v, u, LineString(coords[::-1]))

    @staticmethod
    def _junctions(
        lines: list[LineString], layers: list[set[float]], tol: float
    ) -> list[tuple[int, float]]:
        """Split positions ``(line, distance along it)`` where corridors sharing a layer meet:
        proper crossings and ends lying on (or within ``tol`` of) another corridor."""
        arr = np.array(lines, dtype=object)
        a, b = shapely.STRtree(arr).query(arr, predicate="dwithin", distance=tol)
        keep = np.array(
            [
                x < y and bool(layers[x] & layers[y])
                for x, y in zip(a.tolist(), b.tolist(), strict=True)
            ],
            dtype=bool,
        )
        a, b = a[keep], b[keep]
        if a.size == 0:
            return []
        pair_idx: list[np.ndarray] = []
        points: list[np.ndarray] = []
        parts, idx = shapely.get_parts(shapely.intersection(arr[a], arr[b]), return_index=True)
        is_point = shapely.get_type_id(parts) == 0
        pair_idx.append(idx[is_point])
        points.append(parts[is_point])
        for line_i, other_i in ((a, b), (b, a)):
            for end in (shapely.get_point(arr[line_i], 0), shapely.get_point(arr[line_i], -1)):
                near = shapely.distance(arr[other_i], end) <= tol
                k = np.nonzero(near)[0]
                foot = shapely.line_interpolate_point(
                    arr[other_i][k], shapely.line_locate_point(arr[other_i][k], end[k])
                )
                pair_idx.extend([k, k])
                points.extend([foot, end[k]])
        pi = np.concatenate(pair_idx)
        pts = np.concatenate(points)
        out: list[tuple[int, float]] = []
        for side in (a, b):
            lines_i = side[pi]
            near = shapely.distance(arr[lines_i], pts) <= tol
            loc = shapely.line_locate_point(arr[lines_i][near], pts[near])
            out.extend(zip(lines_i[near].tolist(), loc.tolist(), strict=True))
        return out

    def _add_edge(self, c: Corridor, u: int, v: int, geom: LineString) -> None:
        if self.graph.has_edge(u, v):
            other = self.graph.edges[u, v]["corridor"]
            if any(i.kind == "duplicate" and i.corridor == c.id for i in self.build_issues):
                return
            self.build_issues.append(
                NetworkIssue(
                    "duplicate",
                    f"corridor {c.id!r} joins the same nodes {u}->{v} as corridor {other!r}; "
                    "only the first is used",
                    corridor=c.id,
                )
            )
            return
        gx, gy = (
            self.graph.nodes[v]["x_m"] - self.graph.nodes[u]["x_m"],
            (self.graph.nodes[v]["y_m"] - self.graph.nodes[u]["y_m"]),
        )
        trk = track_deg(gx, gy)
        self.graph.add_edge(
            u,
            v,
            corridor=c.id,
            geometry=geom,
            length_m=float(geom.length),
            lower_m=c.lower_m,
            upper_m=c.upper_m,
            width_m=c.width_m,
            speed_max_mps=c.speed_max_mps,
            oneway=c.oneway,
            track_deg=trk,
            layers_m=layer_altitudes_m(
                c.lower_m, c.upper_m, self.separation_vertical_m, parity=direction_parity_xy(gx, gy)
            ),
        )

    # -- queries ---------------------------------------------------------------------

    def vertiport_node(self, vertiport_id: str) -> int:
        """The graph node of a vertiport (``KeyError`` naming it if unknown or unconnected)."""
        try:
            return self._vertiport_node[vertiport_id]
        except KeyError:
            raise KeyError(f"no vertiport {vertiport_id!r} in this network") from None

    def node_xy_m(self) -> np.ndarray:
        """Node positions in metres, shape ``(n, 2)``, row ``i`` for node ``i``."""
        g = self.graph
        return np.array(
            [(g.nodes[n]["x_m"], g.nodes[n]["y_m"]) for n in range(g.number_of_nodes())]
        )

    def nearest_nodes(
        self, lon: float, lat: float, *, k: int = 1, max_distance_m: float = math.inf
    ) -> list[tuple[int, float]]:
        """The ``k`` nodes nearest to a position that have out- or in-edges, with distances (m)."""
        x, y = self.projection.to_xy([lon], [lat])
        xy, connected = self._xy_cache()
        d = np.hypot(xy[:, 0] - x[0], xy[:, 1] - y[0])
        d = np.where(connected, d, np.inf)
        order = np.argsort(d, kind="stable")[:k]
        return [(int(i), float(d[i])) for i in order if d[i] <= max_distance_m]

    def _xy_cache(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.graph.number_of_nodes()
        if self._xy is None or len(self._xy[0]) != n:
            connected = np.array([self.graph.degree(i) > 0 for i in range(n)], dtype=bool)
            self._xy = (self.node_xy_m(), connected)
        return self._xy

    # -- compile and report ----------------------------------------------------------

    def compile(self) -> CompiledNetwork:
        """Flatten the graph into CSR arrays (see :class:`CompiledNetwork`)."""
        return compile_network(self)

    def report(
        self, zones: Sequence[Zone] | None = None, *, ceiling_m: float | None = None
    ) -> NetworkReport:
        """What a network designer has to fix (see :func:`network_report`)."""
        return network_report(self, zones, ceiling_m=ceiling_m)
