"""The corridor router: fastest corridor routes from a lon/lat origin to a lon/lat destination
around active zones, and up to ``k`` alternatives (see :mod:`planner.routing`)."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from airspace.corridors import CompiledNetwork, CorridorNetwork
from airspace.deployment import Deployment
from airspace.zones import Zone
from planner.routing.blocks import EdgeBlocks
from planner.routing.kernels import td_dijkstra
from planner.routing.plan import Query, RoutePlan, RoutingError
from planner.routing.timing import PathTimer, mixed_s
from planner.routing.yen import PathStream, graph_adjacency, shortest_simple_paths

PATH_CACHE_SIZE = 8192
"""Default bound of each router cache: origin/destination path streams (least recently used
dropped; about 12 kB each on the Qingdao demo network), snapped endpoints and per-speed travel
times (oldest dropped). ``QINGKONG_ROUTER_CACHE_SIZE`` sets it for the service."""


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
        self.timer = PathTimer(network, c)
        """Times a path exactly and builds its trajectory (:mod:`planner.routing.timing`)."""
        self._adjacency = graph_adjacency(network.graph, self._edge_index, c.n_nodes)
        self._endpoints: dict[tuple[float, float], tuple[list, tuple[float, float]]] = {}
        self._travel: dict[float, np.ndarray] = {}
        self._travel_lists: dict[float, list[float]] = {}
        self._path_cache: OrderedDict[tuple, PathStream] = OrderedDict()
        self.blocks = EdgeBlocks(
            c, self._edge_geoms, self.slot_alt_m, self.separation_vertical_m, deployment.tz
        )
        """Zone hits on the edge layers (:mod:`planner.routing.blocks`)."""
        self.set_zones(zone_index)

    # -- zones ------------------------------------------------------------------------

    def set_zones(self, zone_index: Any) -> None:
        """(Re)compute which zone volumes touch which edge layers (after zones change)."""
        self.zone_index = zone_index
        self.blocks.set_zones(zone_index)
        self.zones: list[Zone] = self.blocks.zones

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
        ctx = Query(
            origin_xy=(ox, oy),
            destination_xy=(dx, dy),
            depart_s=float(depart_s),
            epoch=epoch,
            speed_mps=speed_mps,
            access_speed_mps=float(speed_mps) if speed_mps is not None else self._min_speed_mps,
            vertical_rate_mps=float(vertical_rate_mps),
            choice=self.blocks.choice(layer_offset),
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
        ctx.block, ctx.auth = self.blocks.for_query(ctx.choice, epoch, depart_s)

        n_slots = self.slot_alt_m.size
        n_states = c.n_nodes * n_slots
        init = np.full(n_states, np.inf)
        egress = np.full(n_states, np.inf)
        for node, dist in starts:
            init[node * n_slots : (node + 1) * n_slots] = depart_s + mixed_s(
                dist, self.slot_alt_m, ctx
            )
        for node, dist in ends:
            egress[node * n_slots : (node + 1) * n_slots] = mixed_s(dist, self.slot_alt_m, ctx)
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
        first = self.timer.plan(
            ctx,
            self.zones,
            entry,
            exit_,
            path_edges,
            float(self.slot_alt_m[int(end_state) % n_slots]),
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

    def _alternatives(
        self, ctx: Query, entry: int, exit_: int, best: list[int], want: int
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
            plan = self.timer.plan(ctx, self.zones, entry, exit_, edges)
            if plan is not None:
                out.append(plan)
                if len(out) >= want:
                    break
        return out

    def _simple_paths(
        self, ctx: Query, entry: int, exit_: int, has_block: np.ndarray
    ) -> PathStream:
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
        got = PathStream(
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
