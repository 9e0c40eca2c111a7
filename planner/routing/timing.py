"""Timing one path of the corridor network exactly: the climb to its entry node, each edge at
its layer (vertical layer changes at nodes, the zone blocks of :mod:`planner.routing.blocks`),
the descent to the destination, and the 4D trajectory of it (see :mod:`planner.routing`)."""

from __future__ import annotations

import math

import numpy as np

from airspace.corridors import CompiledNetwork, CorridorNetwork
from airspace.zones import Zone
from planner.routing.plan import Query, RoutePlan


def mixed_s(dist_m: float, alt_m: np.ndarray | float, ctx: Query) -> np.ndarray:
    """Seconds of a mixed climbing/descending leg: the longer of its horizontal time at the
    query's access speed and its vertical time at its vertical rate."""
    return np.maximum(dist_m / ctx.access_speed_mps, np.abs(alt_m) / ctx.vertical_rate_mps)


class PathTimer:
    """The static per-edge facts a path is timed with (the points along each edge's centreline
    as fractions of its length, its length, its corridor id), read once from the network.

    Examples
    --------
    >>> from airspace.corridors import CorridorNetwork, QINGDAO_CORRIDORS_PATH
    >>> net = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH)
    >>> timer = PathTimer(net, net.compile())
    >>> len(timer.length_m) == net.compile().n_edges
    True
    """

    def __init__(self, network: CorridorNetwork, compiled: CompiledNetwork):
        self.network = network
        self.compiled = compiled
        self.projection = network.projection
        c = compiled
        self.edge_pts: list[list[list[float]]] = []
        self.edge_frac: list[list[float]] = []
        for uv in c.edge_uv:
            pts = np.asarray(network.graph.edges[uv]["geometry"].coords)
            seg = np.hypot(np.diff(pts[:, 0]), np.diff(pts[:, 1]))
            cum = np.concatenate([[0.0], np.cumsum(seg)])
            frac = cum / cum[-1] if cum[-1] > 0 else cum
            self.edge_pts.append(pts[1:, :2].tolist())
            self.edge_frac.append(frac[1:].tolist())
        self.length_m: list[float] = c.length_m.tolist()
        self.corridor_ids = [network.graph.edges[uv]["corridor"] for uv in c.edge_uv]
        # lon/lat of the same points, unprojected once (PROJ maps each point on its own, so
        # these are the very values a trajectory's unprojection would give)
        flat = [p for edge in self.edge_pts for p in edge]
        node_xy = np.asarray(c.node_xy_m, dtype=np.float64).reshape(-1, 2)
        xs = np.array([p[0] for p in flat] + node_xy[:, 0].tolist(), dtype=np.float64)
        ys = np.array([p[1] for p in flat] + node_xy[:, 1].tolist(), dtype=np.float64)
        lon, lat = self.projection.to_lonlat(xs, ys) if xs.size else (xs, ys)
        lonlat = list(zip(lon.tolist(), lat.tolist(), strict=True))
        self.edge_lonlat: list[list[tuple[float, float]]] = []
        at = 0
        for edge in self.edge_pts:
            self.edge_lonlat.append(lonlat[at : at + len(edge)])
            at += len(edge)
        self.node_lonlat: list[tuple[float, float]] = lonlat[at:]

    def plan(
        self,
        ctx: Query,
        zones: list[Zone],
        entry: int,
        exit_: int,
        edges: list[int],
        idle_alt_m: float = math.nan,
    ) -> RoutePlan | None:
        """Time a path exactly (layer changes, blocks) and build its trajectory; ``None`` if
        blocked. ``zones`` are the router's zones (the authorisation blocks index them)."""
        c = self.compiled
        g = self.network.graph
        alt = ctx.choice.edge_alt_m
        vr = ctx.vertical_rate_mps
        ex, ey = c.node_xy_m[entry]
        xx, xy = c.node_xy_m[exit_]
        ox, oy = ctx.origin_xy
        dx, dy = ctx.destination_xy
        if ctx.ends_lonlat is None:
            lon, lat = self.projection.to_lonlat([ox, dx], [oy, dy])
            ctx.ends_lonlat = ((float(lon[0]), float(lat[0])), (float(lon[1]), float(lat[1])))
        rows: list[tuple[float, float, float, float]] = [(ox, oy, 0.0, ctx.depart_s)]
        lonlat: list[tuple[float, float]] = [ctx.ends_lonlat[0], self.node_lonlat[entry]]
        first_alt = float(alt[edges[0]]) if edges else idle_alt_m
        d_acc = math.hypot(ex - ox, ey - oy)
        t = ctx.depart_s + float(mixed_s(d_acc, first_alt, ctx))
        rows.append((ex, ey, first_alt, t))
        h = first_alt
        length = d_acc
        if ctx.lists is None:
            ctx.lists = (
                alt.tolist(),
                ctx.choice.edge_slot.tolist(),
                ctx.travel_s.tolist(),
                *(a.tolist() for a in ctx.block[:3]),
                *(a.tolist() for a in ctx.auth),
            )
        alt_l, slot_l, travel_l, bptr, blo, bhi, aptr, alo, ahi, azone = ctx.lists
        length_l = self.length_m
        auth: list[str] = []
        for e in edges:
            he = alt_l[e]
            if slot_l[e] < 0:
                return None
            if he != h:
                t += abs(he - h) / vr
                rows.append((rows[-1][0], rows[-1][1], he, t))
                lonlat.append(lonlat[-1])
                h = he
            t_dep, t_arr = t, t + travel_l[e]
            for j in range(bptr[e], bptr[e + 1]):
                if blo[j] <= t_arr and bhi[j] >= t_dep:
                    return None
            for j in range(aptr[e], aptr[e + 1]):
                if alo[j] <= t_arr and ahi[j] >= t_dep:
                    zid = zones[azone[j]].identifier
                    if zid not in auth:
                        auth.append(zid)
            span = t_arr - t_dep
            for (px, py), f in zip(self.edge_pts[e], self.edge_frac[e], strict=True):
                rows.append((px, py, he, t_dep + f * span))
            lonlat.extend(self.edge_lonlat[e])
            t = t_arr
            length += length_l[e]
        d_egr = math.hypot(dx - xx, dy - xy)
        t += float(mixed_s(d_egr, h, ctx))
        rows.append((dx, dy, 0.0, t))
        lonlat.append(ctx.ends_lonlat[1])
        length += d_egr
        arr = np.array(rows, dtype=np.float64)
        traj = arr.copy()
        traj[:, :2] = lonlat
        nodes = [entry] + [int(c.head[e]) for e in edges]
        return RoutePlan(
            edges=[self.corridor_ids[e] for e in edges],
            nodes=nodes,
            layer_m=first_alt,
            edge_layers_m=[alt_l[e] for e in edges],
            length_m=length,
            duration_s=t - ctx.depart_s,
            trajectory=traj,
            depart_s=ctx.depart_s,
            entry_node=entry,
            exit_node=exit_,
            entry_vertiport=g.nodes[entry]["vertiport"],
            exit_vertiport=g.nodes[exit_]["vertiport"],
            authorisation_zones=auth,
            trajectory_xy=arr,
        )
