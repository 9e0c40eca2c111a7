"""Routing over the corridor network: from a lon/lat origin to a lon/lat destination, the
fastest corridor routes that no active PROHIBITED zone blocks while the flight would be on them,
as 4D trajectories the planner consumes.

A route is: take-off at the origin and a climbing leg to an entry node of the network (one of
the nearest nodes, vertiports included), the corridor edges at their altitude layers (the layer
set of each edge follows its direction, see :mod:`airspace.corridors`; at a node where the
layer changes the drone climbs or descends vertically), then a descending leg from the exit node
to the destination. A mixed climbing/descending leg takes the longer of its horizontal and
vertical times (DESIGN.md). Cruise speed on an edge is ``min(speed_mps, edge speed limit)``;
access and egress legs fly at ``speed_mps`` or, when it is not given, at the slowest corridor
limit of the network.

Blocking: an edge flown at layer altitude ``h`` is blocked while an active PROHIBITED zone
volume intersects the corridor (centreline buffered by half its width) and the volume's band
overlaps ``[h - S_v/2, h + S_v/2]``. The fastest route comes from a time-dependent Dijkstra
(:func:`planner.routing_kernels.td_dijkstra`) over the compiled network; alternatives from
:func:`shortest_simple_paths` between the same entry and exit nodes (networkx's Yen loop over
a numba port of its spur search: networkx's paths in networkx's order, computed once per
entry, exit, speed, layer choice and set of edges blocked in the horizon, then re-timed and
re-checked against the zones at each request's own time). Waiting is not allowed on the way; the access/egress legs and vertical layer
changes are not checked against zones here (the decision layer checks the whole trajectory).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from heapq import heappop, heappush
from itertools import count
from typing import Any

import networkx as nx
import numpy as np
import shapely

from airspace.clock import Clock
from airspace.corridors import CompiledNetwork, CorridorNetwork
from airspace.deployment import Deployment
from airspace.schedule import active_seconds
from airspace.zones import Restriction, Zone
from planner.routing_kernels import bidirectional_dijkstra, td_dijkstra

_WINDOW_S = 86400.0
PATH_CACHE_SIZE = 8192
"""Default bound of each router cache: origin/destination path streams (least recently used
dropped; about 12 kB each on the Qingdao demo network), snapped endpoints and per-speed travel
times (oldest dropped). ``QINGKONG_ROUTER_CACHE_SIZE`` sets it for the service."""


class RoutingError(ValueError):
    """A route request that cannot be served as given (e.g. origin far from every corridor)."""


@dataclass(frozen=True)
class RoutePlan:
    """One corridor route with its 4D trajectory.

    ``trajectory`` rows are ``[lon, lat, altitude_m AGL, t_s]`` (planner seconds), starting on the
    ground at the origin at ``depart_s`` and ending on the ground at the destination. Shifting
    all ``t_s`` by a delay gives the same route flown later.
    """

    edges: list[str]
    """Corridor ids of the edges flown, in order (a corridor split at junctions repeats)."""
    nodes: list[int]
    layer_m: float
    """Cruise altitude of the first edge (``edge_layers_m`` holds each edge's)."""
    edge_layers_m: list[float]
    length_m: float
    duration_s: float
    trajectory: np.ndarray
    depart_s: float
    entry_node: int
    exit_node: int
    entry_vertiport: str | None = None
    exit_vertiport: str | None = None
    authorisation_zones: list[str] = field(default_factory=list)
    """REQ_AUTHORISATION zones active on the route while it is flown (the flight needs review)."""

    @property
    def arrival_s(self) -> float:
        return self.depart_s + self.duration_s

    def to_json(self) -> dict[str, Any]:
        """The ``route`` object of a decision."""
        return {
            "edges": list(self.edges),
            "layer_m": self.layer_m,
            "edge_layers_m": list(self.edge_layers_m),
            "length_m": round(self.length_m, 3),
            "duration_s": round(self.duration_s, 3),
            "entry_vertiport": self.entry_vertiport,
            "exit_vertiport": self.exit_vertiport,
            "authorisation_zones": list(self.authorisation_zones),
        }

    def to_geojson_feature(self, epoch: datetime | None = None) -> dict[str, Any]:
        """A GeoJSON LineString with ``[lon, lat, altitude_m]`` positions and per-point times."""
        props: dict[str, Any] = self.to_json()
        props["t_s"] = [round(float(t), 3) for t in self.trajectory[:, 3]]
        if epoch is not None:
            clock = Clock(epoch)
            props["times"] = [
                clock.to_datetime(t).isoformat(timespec="milliseconds")
                for t in self.trajectory[:, 3]
            ]
        return {
            "type": "Feature",
            "properties": props,
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [round(float(r[0]), 7), round(float(r[1]), 7), round(float(r[2]), 2)]
                    for r in self.trajectory
                ],
            },
        }


@dataclass
class _LayerChoice:
    edge_slot: np.ndarray
    edge_alt_m: np.ndarray
    block_edge: np.ndarray
    block_zone: np.ndarray
    auth_edge: np.ndarray
    auth_zone: np.ndarray
    blocks: dict[tuple[datetime, int], tuple[tuple, tuple]] = field(default_factory=dict)
    """Per zone window (see :meth:`Router._zone_intervals`): the edge block and authorisation
    CSR arrays of this layer choice."""


class Router:
    """Fastest corridor routes around active zones.

    Parameters
    ----------
    network : CorridorNetwork
    zone_index : airspace.geoawareness.ZoneIndex or None
        The zones to respect (PROHIBITED ones block, REQ_AUTHORISATION ones are reported).
    deployment : Deployment
    separation_vertical_m : float, optional
        ``S_v`` for the layer slabs; the network's by default.
    max_access_m : float
        Farthest an origin or destination may be from its entry/exit node.
    access_candidates : int
        How many nearest nodes are tried as entry and as exit.

    Examples
    --------
    >>> from airspace.corridors import CorridorNetwork, QINGDAO_CORRIDORS_PATH
    >>> from airspace.deployment import QINGDAO
    >>> from datetime import datetime, timezone
    >>> net = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH)
    >>> router = Router(net, None, QINGDAO)
    >>> plan = router.routes((120.384, 36.062), (120.468, 36.107), 0.0,
    ...                      datetime(2026, 12, 1, tzinfo=timezone.utc), k=1)[0]
    >>> plan.entry_vertiport, plan.exit_vertiport
    ('VP-WUSI', 'VP-LAOSHAN')
    """

    def __init__(
        self,
        network: CorridorNetwork,
        zone_index: Any,
        deployment: Deployment,
        separation_vertical_m: float | None = None,
        *,
        max_access_m: float = 3000.0,
        access_candidates: int = 1,
        cache_size: int | None = None,
    ):
        self.cache_size = PATH_CACHE_SIZE if cache_size is None else int(cache_size)
        if self.cache_size < 1:
            raise ValueError(f"cache_size must be at least 1; got {cache_size}")
        self.network = network
        self.deployment = deployment
        self.projection = network.projection
        self.separation_vertical_m = float(
            network.separation_vertical_m
            if separation_vertical_m is None
            else separation_vertical_m
        )
        self.max_access_m = float(max_access_m)
        self.access_candidates = int(access_candidates)
        self.compiled: CompiledNetwork = network.compile()
        c = self.compiled
        alts = c.layers_m[~np.isnan(c.layers_m)]
        self.slot_alt_m = np.unique(alts).astype(np.float64) if alts.size else np.zeros(1)
        self._edge_index = {uv: i for i, uv in enumerate(c.edge_uv)}
        self._edge_geoms = [network.graph.edges[uv]["geometry"] for uv in c.edge_uv]
        self._min_speed_mps = float(c.speed_max_mps.min()) if c.n_edges else 1.0
        self._edge_pts: list[list[list[float]]] = []
        self._edge_frac: list[list[float]] = []
        for geom in self._edge_geoms:
            pts = np.asarray(geom.coords)
            seg = np.hypot(np.diff(pts[:, 0]), np.diff(pts[:, 1]))
            cum = np.concatenate([[0.0], np.cumsum(seg)])
            frac = cum / cum[-1] if cum[-1] > 0 else cum
            self._edge_pts.append(pts[1:, :2].tolist())
            self._edge_frac.append(frac[1:].tolist())
        self._length_l: list[float] = c.length_m.tolist()
        self._corridor_ids = [network.graph.edges[uv]["corridor"] for uv in c.edge_uv]
        self._adjacency = graph_adjacency(network.graph, self._edge_index, c.n_nodes)
        self._endpoints: dict[tuple[float, float], tuple[list, tuple[float, float]]] = {}
        self._travel: dict[float, np.ndarray] = {}
        self._travel_lists: dict[float, list[float]] = {}
        self._path_cache: OrderedDict[tuple, _PathStream] = OrderedDict()
        self.set_zones(zone_index)

    # -- zones ------------------------------------------------------------------------

    def set_zones(self, zone_index: Any) -> None:
        """(Re)compute which zone volumes touch which edge layers (after zones change)."""
        self.zone_index = zone_index
        self.zones: list[Zone] = list(zone_index.zones) if zone_index is not None else []
        c = self.compiled
        hit_e: list[int] = []
        hit_col: list[int] = []
        hit_z: list[int] = []
        hit_auth: list[bool] = []
        if zone_index is not None and c.n_edges and len(zone_index.volumes):
            buffers = shapely.buffer(np.array(self._edge_geoms, dtype=object), c.width_m / 2.0)
            ei, vi = zone_index.tree.query(buffers, predicate="intersects")
            half = self.separation_vertical_m / 2.0
            for e, v in zip(ei.tolist(), vi.tolist(), strict=True):
                vol = zone_index.volumes[v]
                zone = self.zones[vol.zone_index]
                if zone.restriction == Restriction.PROHIBITED:
                    auth = False
                elif zone.restriction == Restriction.REQ_AUTHORISATION:
                    auth = True
                else:
                    continue
                for col in range(int(c.layer_count[e])):
                    h = c.layers_m[e, col]
                    if vol.lower_agl_m < h + half and vol.upper_agl_m > h - half:
                        hit_e.append(e)
                        hit_col.append(col)
                        hit_z.append(vol.zone_index)
                        hit_auth.append(auth)
        self._hit_e = np.array(hit_e, dtype=np.int64)
        self._hit_col = np.array(hit_col, dtype=np.int64)
        self._hit_z = np.array(hit_z, dtype=np.int64)
        self._hit_auth = np.array(hit_auth, dtype=bool)
        self._choices: dict[int, _LayerChoice] = {}
        self._zone_windows: dict[
            tuple[datetime, int], tuple[np.ndarray, np.ndarray, np.ndarray]
        ] = {}

    def _choice(self, layer_offset: int) -> _LayerChoice:
        ch = self._choices.get(layer_offset)
        if ch is not None:
            return ch
        c = self.compiled
        col = np.minimum(layer_offset, c.layer_count - 1)
        usable = c.layer_count > 0
        alt = np.where(usable, c.layers_m[np.arange(c.n_edges), np.maximum(col, 0)], np.nan)
        slot = np.where(usable, np.searchsorted(self.slot_alt_m, np.nan_to_num(alt)), -1).astype(
            np.int64
        )
        keep = self._hit_col == col[self._hit_e] if self._hit_e.size else np.zeros(0, dtype=bool)
        blk = keep & ~self._hit_auth
        ath = keep & self._hit_auth
        ch = _LayerChoice(
            edge_slot=slot,
            edge_alt_m=alt,
            block_edge=self._hit_e[blk],
            block_zone=self._hit_z[blk],
            auth_edge=self._hit_e[ath],
            auth_zone=self._hit_z[ath],
        )
        self._choices[layer_offset] = ch
        return ch

    def _zone_intervals(
        self, epoch: datetime, depart_s: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Active intervals of every zone over a two-day window from the departure's day:
        CSR ``(ptr, lo_s, hi_s)`` by zone index."""
        day = int(math.floor(depart_s / _WINDOW_S))
        key = (epoch, day)
        got = self._zone_windows.get(key)
        if got is not None:
            return got
        lo_s, hi_s = day * _WINDOW_S, (day + 2) * _WINDOW_S
        clock = Clock(epoch, self.deployment.tz)
        t0, t1 = clock.to_datetime(lo_s), clock.to_datetime(hi_s)
        ptr = [0]
        los: list[float] = []
        his: list[float] = []
        for z in self.zones:
            for a_s, b_s in active_seconds(z, clock, t0, t1):
                los.append(a_s)
                his.append(b_s)
            ptr.append(len(los))
        # Outside the window nothing is known: treat the window's ends as open-ended.
        lo_arr, hi_arr = np.array(los, dtype=np.float64), np.array(his, dtype=np.float64)
        lo_arr[lo_arr <= lo_s] = -np.inf
        hi_arr[hi_arr >= hi_s] = np.inf
        got = (np.array(ptr, dtype=np.int64), lo_arr, hi_arr)
        if len(self._zone_windows) > 16:
            self._zone_windows.clear()
        self._zone_windows[key] = got
        return got

    def _edge_blocks(
        self, edges: np.ndarray, zones: np.ndarray, zint: tuple[np.ndarray, np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """CSR ``(ptr, lo_s, hi_s, zone)`` of the intervals during which each edge is hit."""
        zptr, zlo, zhi = zint
        m = self.compiled.n_edges
        counts = zptr[zones + 1] - zptr[zones]
        rep_e = np.repeat(edges, counts)
        rep_z = np.repeat(zones, counts)
        starts = np.repeat(zptr[zones], counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        idx = starts + within
        order = np.argsort(rep_e, kind="stable")
        ptr = np.zeros(m + 1, dtype=np.int64)
        np.add.at(ptr, rep_e + 1, 1)
        return np.cumsum(ptr), zlo[idx][order], zhi[idx][order], rep_z[order]

    # -- routing ----------------------------------------------------------------------

    def routes(
        self,
        origin_lonlat: Sequence[float],
        destination_lonlat: Sequence[float],
        depart_s: float,
        epoch: datetime,
        k: int = 3,
        speed_mps: float | None = None,
        vertical_rate_mps: float = 3.0,
        *,
        layer_offset: int = 0,
    ) -> list[RoutePlan]:
        """Up to ``k`` routes from origin to destination, fastest first.

        Parameters
        ----------
        origin_lonlat, destination_lonlat : (lon, lat)
        depart_s : float
            Take-off time, planner seconds after ``epoch``.
        epoch : datetime
            Aware instant of ``t_s = 0`` (zone schedules are evaluated against it).
        k : int
            Number of alternatives wanted (the fastest plus up to ``k-1`` others).
        speed_mps : float, optional
            Requested cruise speed; each edge is flown at ``min(speed_mps, its limit)``.
        vertical_rate_mps : float
            Climb and descent rate.
        layer_offset : int
            0 flies the lowest layer each edge's direction allows, 1 the next one (or the
            highest available), ... : alternatives in altitude for the same route.

        Returns
        -------
        list of RoutePlan
            Empty when every route is blocked by active zones.

        Raises
        ------
        RoutingError
            Bad speeds, or origin/destination farther than ``max_access_m`` from the network.
        """
        if speed_mps is not None and not (math.isfinite(speed_mps) and speed_mps > 0):
            raise RoutingError(f"speed_mps must be a positive number, got {speed_mps}")
        if not (math.isfinite(vertical_rate_mps) and vertical_rate_mps > 0):
            raise RoutingError(f"vertical_rate_mps must be positive, got {vertical_rate_mps}")
        if not math.isfinite(depart_s):
            raise RoutingError("depart_s must be a finite number of seconds")
        if k < 1 or layer_offset < 0:
            raise RoutingError("k must be >= 1 and layer_offset >= 0")
        if epoch.tzinfo is None:
            raise RoutingError("epoch must carry a time zone")
        c = self.compiled
        starts, (ox, oy) = self._endpoint(origin_lonlat, "origin")
        ends, (dx, dy) = self._endpoint(destination_lonlat, "destination")
        ctx = _Query(
            origin_xy=(ox, oy),
            destination_xy=(dx, dy),
            depart_s=float(depart_s),
            epoch=epoch,
            speed_mps=speed_mps,
            access_speed_mps=float(speed_mps) if speed_mps is not None else self._min_speed_mps,
            vertical_rate_mps=float(vertical_rate_mps),
            choice=self._choice(layer_offset),
            layer_offset=int(layer_offset),
        )
        speed = np.inf if speed_mps is None else float(speed_mps)
        travel = self._travel.get(speed)
        if travel is None:
            if len(self._travel) >= self.cache_size:  # drop the oldest speed
                oldest = next(iter(self._travel))
                del self._travel[oldest], self._travel_lists[oldest]
            travel = self._travel[speed] = c.length_m / np.minimum(speed, c.speed_max_mps)
            self._travel_lists[speed] = travel.tolist()
        ctx.travel_s = travel
        zint = self._zone_intervals(epoch, depart_s)
        key = (epoch, int(math.floor(depart_s / _WINDOW_S)))
        got = ctx.choice.blocks.get(key)
        if got is None:
            if len(ctx.choice.blocks) > 16:
                ctx.choice.blocks.clear()
            got = ctx.choice.blocks[key] = (
                self._edge_blocks(ctx.choice.block_edge, ctx.choice.block_zone, zint),
                self._edge_blocks(ctx.choice.auth_edge, ctx.choice.auth_zone, zint),
            )
        ctx.block, ctx.auth = got

        n_slots = self.slot_alt_m.size
        n_states = c.n_nodes * n_slots
        init = np.full(n_states, np.inf)
        egress = np.full(n_states, np.inf)
        for node, dist in starts:
            init[node * n_slots : (node + 1) * n_slots] = depart_s + self._mixed_s(
                dist, self.slot_alt_m, ctx
            )
        for node, dist in ends:
            egress[node * n_slots : (node + 1) * n_slots] = self._mixed_s(
                dist, self.slot_alt_m, ctx
            )
        best, pred_edge, pred_state, end_state = td_dijkstra(
            c.indptr,
            c.head,
            ctx.travel_s,
            ctx.choice.edge_slot,
            ctx.block[0],
            ctx.block[1],
            ctx.block[2],
            self.slot_alt_m,
            ctx.vertical_rate_mps,
            init,
            egress,
        )
        if end_state < 0:
            return []
        path_edges: list[int] = []
        s = int(end_state)
        while pred_edge[s] >= 0:
            path_edges.append(int(pred_edge[s]))
            s = int(pred_state[s])
        path_edges.reverse()
        entry = s // n_slots
        exit_ = int(end_state) // n_slots
        first = self._plan(
            ctx, entry, exit_, path_edges, float(self.slot_alt_m[int(end_state) % n_slots])
        )
        plans = [first] if first is not None else []
        if k > 1 and first is not None and path_edges:
            plans.extend(self._alternatives(ctx, entry, exit_, path_edges, k - 1))
        plans.sort(key=lambda p: p.duration_s)
        return plans[:k]

    def _endpoint(
        self, lonlat: Sequence[float], what: str
    ) -> tuple[list[tuple[int, float]], tuple[float, float]]:
        """Nearest entry/exit nodes of a position and its projected ``(x, y)``: the network is
        static, so both are remembered per position."""
        key = (float(lonlat[0]), float(lonlat[1]))
        got = self._endpoints.get(key)
        if got is not None:
            return got
        net = self.network
        near = net.nearest_nodes(
            *lonlat, k=self.access_candidates, max_distance_m=self.max_access_m
        )
        if not near:
            nearest = net.nearest_nodes(*lonlat, k=1)
            dist = f"{nearest[0][1]:.0f} m" if nearest else "far"
            raise RoutingError(
                f"{what} {tuple(lonlat)} is {dist} from the nearest corridor node "
                f"(at most {self.max_access_m:g} m allowed)"
            )
        x, y = self.projection.to_xy([lonlat[0]], [lonlat[1]])
        got = (near, (float(x[0]), float(y[0])))
        if len(self._endpoints) >= self.cache_size:  # drop the oldest position
            del self._endpoints[next(iter(self._endpoints))]
        self._endpoints[key] = got
        return got

    def _mixed_s(self, dist_m: float, alt_m: np.ndarray | float, ctx: _Query) -> np.ndarray:
        return np.maximum(dist_m / ctx.access_speed_mps, np.abs(alt_m) / ctx.vertical_rate_mps)

    def _alternatives(
        self, ctx: _Query, entry: int, exit_: int, best: list[int], want: int
    ) -> list[RoutePlan]:
        c = self.compiled
        bptr, blo, bhi, _ = ctx.block
        horizon = ctx.depart_s + 3.0 * (
            ctx.travel_s[best].sum() + 2 * self.slot_alt_m.max() / ctx.vertical_rate_mps
        )
        has_block = np.zeros(c.n_edges, dtype=bool)
        if blo.size:
            owner = np.repeat(np.arange(c.n_edges), np.diff(bptr))
            has_block[owner[(blo <= horizon) & (bhi >= ctx.depart_s)]] = True
        best_nodes = [int(c.tail[best[0]])] + [int(c.head[e]) for e in best]
        out: list[RoutePlan] = []
        paths = self._simple_paths(ctx, entry, exit_, has_block)
        for i in range(4 * want + 1):
            got = paths.get(i)
            if got is None:
                break
            nodes, edges = got
            if nodes == best_nodes:
                continue
            plan = self._plan(ctx, entry, exit_, edges)
            if plan is not None:
                out.append(plan)
                if len(out) >= want:
                    break
        return out

    def _simple_paths(
        self, ctx: _Query, entry: int, exit_: int, has_block: np.ndarray
    ) -> _PathStream:
        """:func:`shortest_simple_paths` from ``entry`` to ``exit_`` under the static
        weights of this query (edge travel time at the query's speed; edges of an unusable
        layer or with a block in the horizon left out), remembered across queries.

        The network is static, and the weight function depends only on the speed, the layer
        choice and ``has_block``, which make the key: a stream read again yields the very
        paths, in the very order, that a fresh generator would.
        """
        speed = math.inf if ctx.speed_mps is None else float(ctx.speed_mps)
        key = (entry, exit_, speed, ctx.layer_offset, np.flatnonzero(has_block).tobytes())
        cache = self._path_cache
        got = cache.get(key)
        if got is not None:
            cache.move_to_end(key)
            return got
        usable = ~has_block & (ctx.choice.edge_slot >= 0)
        got = _PathStream(
            shortest_simple_paths(
                self._adjacency,
                ctx.travel_s,
                usable,
                self._edge_index,
                entry,
                exit_,
                self._travel_lists[speed],
            ),
            self._edge_index,
        )
        cache[key] = got
        if len(cache) > self.cache_size:
            cache.popitem(last=False)
        return got

    def _plan(
        self, ctx: _Query, entry: int, exit_: int, edges: list[int], idle_alt_m: float = math.nan
    ) -> RoutePlan | None:
        """Time a path exactly (layer changes, blocks) and build its trajectory; ``None`` if blocked."""
        c = self.compiled
        g = self.network.graph
        alt = ctx.choice.edge_alt_m
        vr = ctx.vertical_rate_mps
        ex, ey = c.node_xy_m[entry]
        xx, xy = c.node_xy_m[exit_]
        ox, oy = ctx.origin_xy
        dx, dy = ctx.destination_xy
        rows: list[tuple[float, float, float, float]] = [(ox, oy, 0.0, ctx.depart_s)]
        first_alt = float(alt[edges[0]]) if edges else idle_alt_m
        d_acc = math.hypot(ex - ox, ey - oy)
        t = ctx.depart_s + float(self._mixed_s(d_acc, first_alt, ctx))
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
        length_l = self._length_l
        auth: list[str] = []
        for e in edges:
            he = alt_l[e]
            if slot_l[e] < 0:
                return None
            if he != h:
                t += abs(he - h) / vr
                rows.append((rows[-1][0], rows[-1][1], he, t))
                h = he
            t_dep, t_arr = t, t + travel_l[e]
            for j in range(bptr[e], bptr[e + 1]):
                if blo[j] <= t_arr and bhi[j] >= t_dep:
                    return None
            for j in range(aptr[e], aptr[e + 1]):
                if alo[j] <= t_arr and ahi[j] >= t_dep:
                    zid = self.zones[azone[j]].identifier
                    if zid not in auth:
                        auth.append(zid)
            span = t_arr - t_dep
            for (px, py), f in zip(self._edge_pts[e], self._edge_frac[e], strict=True):
                rows.append((px, py, he, t_dep + f * span))
            t = t_arr
            length += length_l[e]
        d_egr = math.hypot(dx - xx, dy - xy)
        t += float(self._mixed_s(d_egr, h, ctx))
        rows.append((dx, dy, 0.0, t))
        length += d_egr
        arr = np.array(rows, dtype=np.float64)
        lon, lat = self.projection.to_lonlat(arr[:, 0], arr[:, 1])
        traj = np.column_stack([lon, lat, arr[:, 2], arr[:, 3]])
        nodes = [entry] + [int(c.head[e]) for e in edges]
        return RoutePlan(
            edges=[self._corridor_ids[e] for e in edges],
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
        )


@dataclass
class _Query:
    origin_xy: tuple[float, float]
    destination_xy: tuple[float, float]
    depart_s: float
    epoch: datetime
    speed_mps: float | None
    access_speed_mps: float
    vertical_rate_mps: float
    choice: _LayerChoice
    layer_offset: int = 0
    travel_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    block: tuple = ()
    auth: tuple = ()
    lists: tuple | None = None
    """Plain-list copies of the arrays :meth:`Router._plan` reads (made on first use)."""


class _PathBuffer:
    """networkx's ``PathBuffer``: candidate paths by (cost, insertion order), without repeats."""

    def __init__(self) -> None:
        self.paths: set[tuple[int, ...]] = set()
        self.sortedpaths: list[tuple[float, int, list[int]]] = []
        self.counter = count()

    def __len__(self) -> int:
        return len(self.sortedpaths)

    def push(self, cost: float, path: list[int]) -> None:
        hashable_path = tuple(path)
        if hashable_path not in self.paths:
            heappush(self.sortedpaths, (cost, next(self.counter), path))
            self.paths.add(hashable_path)

    def pop(self) -> list[int]:
        (_cost, _num, path) = heappop(self.sortedpaths)
        self.paths.remove(tuple(path))
        return path


def graph_adjacency(
    graph: nx.DiGraph, edge_index: dict[tuple[int, int], int], n_nodes: int
) -> tuple[np.ndarray, ...]:
    """``(succ_ptr, succ_node, succ_edge, pred_ptr, pred_node, pred_edge)`` of a digraph on
    nodes ``0..n_nodes-1``, neighbours in the graph's own iteration order (the order networkx
    searches them in)."""
    succ: tuple[list[int], list[int], list[int]] = ([0], [], [])
    pred: tuple[list[int], list[int], list[int]] = ([0], [], [])
    for v in range(n_nodes):
        for w in graph.successors(v):
            succ[1].append(int(w))
            succ[2].append(edge_index[(v, int(w))])
        succ[0].append(len(succ[1]))
        for u in graph.predecessors(v):
            pred[1].append(int(u))
            pred[2].append(edge_index[(int(u), v)])
        pred[0].append(len(pred[1]))
    return tuple(np.array(a, dtype=np.int64) for a in (*succ, *pred))


def shortest_simple_paths(
    adjacency: tuple[np.ndarray, ...],
    weight_s: np.ndarray,
    usable: np.ndarray,
    edge_index: dict[tuple[int, int], int],
    source: int,
    target: int,
    weight_list: list[float] | None = None,
) -> Iterator[list[int]]:
    """Simple paths from ``source`` to ``target``, shortest first: networkx's
    ``shortest_simple_paths(G, source, target, weight=w)`` (Yen's algorithm) with
    ``w(u, v) = weight_s[e]`` for usable edges ``e = (u, v)`` and ``None`` otherwise, yielding
    the same paths in the same order, ties included.

    The loop below is networkx's own (networkx 3.x), with its spur search replaced by the
    step-for-step array port :func:`planner.routing_kernels.bidirectional_dijkstra` and the
    ignored nodes and edges held as masks. ``adjacency`` is ``(succ_ptr, succ_node,
    succ_edge, pred_ptr, pred_node, pred_edge)`` in the graph's iteration order;
    ``weight_list`` is ``weight_s.tolist()`` when the caller already holds it (it is shared).

    Raises
    ------
    networkx.NetworkXNoPath
        On the first step, when ``target`` cannot be reached at all.
    """
    weight_s = np.ascontiguousarray(weight_s, dtype=np.float64)
    usable = np.ascontiguousarray(usable, dtype=np.bool_)
    wl = weight_s.tolist() if weight_list is None else weight_list
    n = adjacency[0].size - 1
    m = weight_s.size

    def length_func(path: list[int]) -> float:
        return sum(wl[edge_index[(u, v)]] for (u, v) in zip(path, path[1:]))  # noqa: B905

    def shortest_path_func(
        src: int, ignore_nodes: np.ndarray, ignore_edges: np.ndarray
    ) -> tuple[float, list[int]]:
        found, length, path = bidirectional_dijkstra(
            *adjacency, weight_s, usable, src, target, ignore_nodes, ignore_edges
        )
        if not found:
            raise nx.NetworkXNoPath(f"No path between {src} and {target}.")
        return length, path.tolist()

    listA: list[list[int]] = []
    listB = _PathBuffer()
    prev_path: list[int] | None = None
    while True:
        if not prev_path:
            length, path = shortest_path_func(
                source, np.zeros(n, dtype=np.bool_), np.zeros(m, dtype=np.bool_)
            )
            listB.push(length, path)
        else:
            ignore_nodes = np.zeros(n, dtype=np.bool_)
            ignore_edges = np.zeros(m, dtype=np.bool_)
            for i in range(1, len(prev_path)):
                root = prev_path[:i]
                root_length = length_func(root)
                for path in listA:
                    if path[:i] == root:
                        ignore_edges[edge_index[(path[i - 1], path[i])]] = True
                try:
                    length, spur = shortest_path_func(root[-1], ignore_nodes, ignore_edges)
                    path = root[:-1] + spur
                    listB.push(root_length + length, path)
                except nx.NetworkXNoPath:
                    pass
                ignore_nodes[root[-1]] = True

        if listB:
            path = listB.pop()
            yield path
            listA.append(path)
            prev_path = path
        else:
            break


class _PathStream:
    """The paths of a ``shortest_simple_paths`` generator, read lazily and kept: ``get(i)``
    is the ``i``-th path as ``(nodes, edge indices)``, or ``None`` past the last one."""

    def __init__(self, gen: Any, edge_index: dict[tuple[int, int], int]):
        self._gen = gen
        self._index = edge_index
        self._paths: list[tuple[list[int], list[int]]] = []

    def get(self, i: int) -> tuple[list[int], list[int]] | None:
        while len(self._paths) <= i and self._gen is not None:
            try:
                nodes = next(self._gen)
            except (StopIteration, nx.NetworkXNoPath):
                self._gen = None
                break
            edges = [self._index[(a, b)] for a, b in zip(nodes[:-1], nodes[1:], strict=True)]
            self._paths.append((nodes, edges))
        return self._paths[i] if i < len(self._paths) else None
