"""Benchmark: corridor route queries on a ~5,000-edge network with 200 zones.

Ours: :class:`planner.routing.Router` (zone/edge hits precomputed once, time-dependent Dijkstra
in numba over the CSR arrays). Baseline: ``networkx.shortest_path`` on the uncompiled graph with
the zone check done per edge with shapely (buffered edge vs an STRtree of the zone polygons,
band and activity checked per hit) inside the weight function.

Agreement: with instantaneous climbs (so layer changes cost nothing, as in the baseline) our
route's duration must equal the baseline's shortest-path time for every query.

Usage: ``python bench/corridors.py [--json] [--queries 200] [--zones 200] [--grid 36]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import networkx as nx
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airspace.corridor_gen import grid_network_geojson  # noqa: E402
from airspace.corridors import CorridorNetwork  # noqa: E402
from airspace.deployment import QINGDAO  # noqa: E402
from airspace.formats import zone_from_dict  # noqa: E402
from airspace.geoawareness import ZoneIndex  # noqa: E402
from airspace.schedule import is_active  # noqa: E402
from airspace.zones import Restriction  # noqa: E402
from planner.routing import Router  # noqa: E402

EPOCH = datetime(2026, 12, 1, 10, tzinfo=QINGDAO.tz)


def make_zones(net: CorridorNetwork, n: int, rng: np.random.Generator) -> list:
    xy = net.node_xy_m()
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    x = rng.uniform(lo[0], hi[0], n)
    y = rng.uniform(lo[1], hi[1], n)
    lon, lat = net.projection.to_lonlat(x, y)
    zones = []
    for i in range(n):
        d = {
            "id": f"Z{i:03d}",
            "restriction": "PROHIBITED" if i % 4 else "REQ_AUTHORISATION",
            "geometry": {
                "type": "Circle",
                "center": [float(lon[i]), float(lat[i])],
                "radius_m": float(rng.uniform(80, 250)),
            },
            "lower_m": 0 if i % 3 else 80,
            "upper_m": 300,
        }
        zones.append(zone_from_dict(d, start=EPOCH, tz=QINGDAO.tz))
    return zones


def baseline_route(
    net: CorridorNetwork, zones: list, tree, polys, bands, a: int, b: int, sep_v: float
):
    """networkx.shortest_path with a per-edge shapely zone check (active at the departure)."""
    tz = QINGDAO.tz
    active = {}

    def weight(u, v, d):
        h = d["layers_m"][0] if d["layers_m"] else None
        if h is None:
            return None
        buf = d["geometry"].buffer(d["width_m"] / 2.0)
        for j in tree.query(buf, predicate="intersects"):
            zi, (lo, hi) = polys[j], bands[j]
            z = zones[zi]
            if z.restriction != Restriction.PROHIBITED or not (
                lo < h + sep_v / 2 and hi > h - sep_v / 2
            ):
                continue
            if zi not in active:
                active[zi] = is_active(z, EPOCH, tz)
            if active[zi]:
                return None
        return d["length_m"] / d["speed_max_mps"]

    try:
        path = nx.shortest_path(net.graph, a, b, weight=weight)
    except nx.NetworkXNoPath:
        return None, None
    t = sum(weight(u, v, net.graph.edges[u, v]) for u, v in zip(path[:-1], path[1:], strict=True))
    return path, t


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--grid", type=int, default=36, help="grid side (36 -> 5,040 directed edges)")
    ap.add_argument("--zones", type=int, default=200)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    net = CorridorNetwork.from_geojson(
        grid_network_geojson(args.grid, args.grid, spacing_m=500, seed=args.seed)
    )
    build_graph_s = time.perf_counter() - t0
    zones = make_zones(net, args.zones, rng)
    t0 = time.perf_counter()
    zi = ZoneIndex(zones, QINGDAO)
    router = Router(net, zi, QINGDAO)
    build_router_s = time.perf_counter() - t0
    sep_v = router.separation_vertical_m

    polys_xy = [v.polygon_xy for v in zi.volumes]
    tree = shapely.STRtree(polys_xy)
    owner = [v.zone_index for v in zi.volumes]
    bands = [(v.lower_agl_m, v.upper_agl_m) for v in zi.volumes]

    n = net.graph.number_of_nodes()
    pairs = [tuple(int(v) for v in rng.choice(n, 2, replace=False)) for _ in range(args.queries)]
    lonlat = {i: (net.graph.nodes[i]["lon"], net.graph.nodes[i]["lat"]) for i in range(n)}

    t0 = time.perf_counter()
    router.routes(lonlat[pairs[0][0]], lonlat[pairs[0][1]], 0.0, EPOCH, k=1)
    first_call_s = time.perf_counter() - t0

    ours_ms, ours_k3_ms, base_ms = [], [], []
    agree = 0
    both_none = 0
    mismatches = []
    for a, b in pairs:
        t0 = time.perf_counter()
        router.routes(lonlat[a], lonlat[b], 0.0, EPOCH, k=1)
        ours_ms.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        router.routes(lonlat[a], lonlat[b], 0.0, EPOCH, k=3)
        ours_k3_ms.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        _, base_t = baseline_route(net, zones, tree, owner, bands, a, b, sep_v)
        base_ms.append((time.perf_counter() - t0) * 1e3)
        plan = router.routes(lonlat[a], lonlat[b], 0.0, EPOCH, k=1, vertical_rate_mps=1e9)
        if base_t is None and not plan:
            agree += 1
            both_none += 1
        elif (
            base_t is not None
            and plan
            and abs(plan[0].duration_s - base_t) <= 1e-6 * max(1.0, base_t)
        ):
            agree += 1
        else:
            mismatches.append(
                {
                    "from": a,
                    "to": b,
                    "ours_s": plan[0].duration_s if plan else None,
                    "baseline_s": base_t,
                }
            )

    out = {
        "benchmark": "corridor routing",
        "network": {
            "nodes": n,
            "edges": net.graph.number_of_edges(),
            "zones": len(zones),
            "zone_edge_layer_hits": int(router.blocks.hit_e.size),
        },
        "queries": len(pairs),
        "build_graph_s": round(build_graph_s, 3),
        "build_router_s": round(build_router_s, 3),
        "first_call_s": round(first_call_s, 3),
        "ours_k1_ms": {
            "median": round(statistics.median(ours_ms), 3),
            "p99": round(pct(ours_ms, 99), 3),
        },
        "ours_k3_ms": {
            "median": round(statistics.median(ours_k3_ms), 3),
            "p99": round(pct(ours_k3_ms, 99), 3),
        },
        "baseline_ms": {
            "median": round(statistics.median(base_ms), 3),
            "p99": round(pct(base_ms, 99), 3),
        },
        "speedup_median": round(statistics.median(base_ms) / statistics.median(ours_ms), 1),
        "speedup_p99": round(pct(base_ms, 99) / pct(ours_ms, 99), 1),
        "routes_agree": agree == len(pairs),
        "agreeing": agree,
        "unroutable_both": both_none,
        "mismatches": mismatches[:5],
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")
    return 0 if out["routes_agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
