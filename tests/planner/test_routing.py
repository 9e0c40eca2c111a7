"""Routing over corridors: trajectories and their times, layers by direction, blocking by
scheduled zones, alternatives, and agreement with networkx and with a brute-force twin."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from itertools import islice

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airspace.corridor_gen import grid_network_geojson
from airspace.corridors import QINGDAO_CORRIDORS_PATH, CorridorNetwork
from airspace.deployment import QINGDAO
from airspace.formats import QINGDAO_ZONES_PATH, load_zones, zone_from_dict
from airspace.geoawareness import ZoneIndex
from airspace.schedule import active_intervals
from airspace.zones import Applicability, DailyPeriod, Restriction, Zone
from planner.routing import Router, RoutingError
from tests.builders import corridor

EPOCH = datetime(2026, 12, 1, 10, tzinfo=QINGDAO.tz)  # a Tuesday, 10:00 local
W, E = (120.30, 36.06), (120.34, 36.06)


def vertiport(vid, lonlat):
    return {
        "type": "Feature",
        "properties": {"id": vid},
        "geometry": {"type": "Point", "coordinates": list(lonlat)},
    }


def net_of(*features):
    return CorridorNetwork.from_geojson(
        {"type": "FeatureCollection", "features": list(features)}, QINGDAO
    )


def zone(zid, lonlat, radius_m=300, restriction="PROHIBITED", **kw):
    d = {
        "id": zid,
        "restriction": restriction,
        "geometry": {"type": "Circle", "center": list(lonlat), "radius_m": radius_m},
        "lower_m": 0,
        "upper_m": 500,
    }
    d.update(kw)
    return zone_from_dict(d, start=EPOCH, tz=QINGDAO.tz)


def router(net, zones=()):
    return Router(net, ZoneIndex(list(zones), QINGDAO) if zones else None, QINGDAO)


@pytest.fixture(scope="module")
def line():
    return net_of(corridor("A", [list(W), list(E)]), vertiport("VP-W", W), vertiport("VP-E", E))


@pytest.fixture(scope="module")
def two_paths():
    """A direct southern corridor W-E and a slower detour through the north."""
    nw, ne = (120.30, 36.08), (120.34, 36.08)
    return net_of(
        corridor("DIRECT", [list(W), list(E)]),
        corridor("N1", [list(W), list(nw)]),
        corridor("N2", [list(nw), list(ne)]),
        corridor("N3", [list(ne), list(E)]),
        vertiport("VP-W", W),
        vertiport("VP-E", E),
    )


# --------------------------------------------------------------------------- trajectories


def test_trajectory_climbs_cruises_and_descends_with_times_from_distance_and_speed(line):
    (plan,) = router(line).routes(W, E, 100.0, EPOCH, k=1, speed_mps=12.0, vertical_rate_mps=3.0)
    (length,) = {d["length_m"] for _, _, d in line.graph.edges(data=True)}
    tr = plan.trajectory
    assert tr.shape == (4, 4)
    assert tr[0, 2] == 0.0 and tr[0, 3] == 100.0
    assert tr[1, 2] == 90.0 and tr[1, 3] == pytest.approx(100.0 + 90.0 / 3.0)
    assert tr[2, 2] == 90.0 and tr[2, 3] == pytest.approx(130.0 + length / 12.0)
    assert tr[3, 2] == 0.0 and tr[3, 3] == pytest.approx(130.0 + length / 12.0 + 30.0)
    assert plan.duration_s == pytest.approx(tr[-1, 3] - 100.0)
    assert plan.length_m == pytest.approx(3604, rel=0.01)
    assert (plan.entry_vertiport, plan.exit_vertiport, plan.edges) == ("VP-W", "VP-E", ["A"])
    assert tr[0, :2] == pytest.approx(W) and tr[-1, :2] == pytest.approx(E)


def test_the_metres_the_planner_indexes_are_the_trajectory_in_the_network_projection(two_paths):
    """The planner takes a route's metres as the router computed them (no lon/lat round trip),
    so they must be the very positions the answer's lon/lat trajectory names."""
    for plan in router(two_paths).routes(W, E, 0.0, EPOCH, k=2, speed_mps=12.0):
        xy = plan.trajectory_xy
        assert xy.shape == plan.trajectory.shape
        assert np.array_equal(xy[:, 2:], plan.trajectory[:, 2:])
        x, y = two_paths.projection.to_xy(plan.trajectory[:, 0], plan.trajectory[:, 1])
        assert np.allclose(np.column_stack([x, y]), xy[:, :2], rtol=0.0, atol=1e-6)


def test_cruise_speed_is_capped_by_the_corridor_limit(line):
    r = router(line)
    fast = r.routes(W, E, 0.0, EPOCH, k=1, speed_mps=40.0)[0]
    default = r.routes(W, E, 0.0, EPOCH, k=1)[0]
    slow = r.routes(W, E, 0.0, EPOCH, k=1, speed_mps=9.0)[0]
    (length,) = {d["length_m"] for _, _, d in line.graph.edges(data=True)}

    def cruise_s(plan):
        return plan.trajectory[2, 3] - plan.trajectory[1, 3]

    assert cruise_s(fast) == pytest.approx(length / 18.0)
    assert cruise_s(default) == pytest.approx(length / 18.0)
    assert cruise_s(slow) == pytest.approx(length / 9.0)


def test_off_network_origin_flies_a_mixed_leg_taking_the_longer_time(line):
    origin = (120.30, 36.0609)  # ~100 m north of VP-W
    plan = router(line).routes(origin, E, 0.0, EPOCH, k=1, speed_mps=10.0, vertical_rate_mps=3.0)[0]
    climb_s = plan.trajectory[1, 3] - plan.trajectory[0, 3]
    assert climb_s == pytest.approx(30.0)  # 90 m at 3 m/s outlasts ~100 m at 10 m/s
    plan = router(line).routes(origin, E, 0.0, EPOCH, k=1, speed_mps=1.0, vertical_rate_mps=3.0)[0]
    climb_s = plan.trajectory[1, 3] - plan.trajectory[0, 3]
    assert climb_s == pytest.approx(100.0, rel=0.01)


def test_timeshift_of_a_route_is_the_same_route_later(line):
    r = router(line)
    a = r.routes(W, E, 0.0, EPOCH, k=1)[0]
    b = r.routes(W, E, 500.0, EPOCH, k=1)[0]
    assert np.allclose(a.trajectory[:, :3], b.trajectory[:, :3])
    assert np.allclose(a.trajectory[:, 3] + 500.0, b.trajectory[:, 3])


# --------------------------------------------------------------------------- layers


def test_opposite_directions_fly_different_layers(line):
    r = router(line)
    east = r.routes(W, E, 0.0, EPOCH, k=1)[0]
    west = r.routes(E, W, 0.0, EPOCH, k=1)[0]
    assert east.layer_m == 90.0
    assert west.layer_m == 70.0
    assert r.routes(E, W, 0.0, EPOCH, k=1, layer_offset=1)[0].layer_m == 110.0
    assert r.routes(W, E, 0.0, EPOCH, k=1, layer_offset=1)[0].layer_m == 90.0


def test_layer_changes_happen_vertically_at_nodes():
    mid = (120.32, 36.06)
    net = net_of(
        corridor("EAST", [list(W), list(mid)]), corridor("NORTHWEST", [list(mid), [120.31, 36.08]])
    )
    plan = router(net).routes(W, (120.31, 36.08), 0.0, EPOCH, k=1, vertical_rate_mps=2.0)[0]
    assert plan.edge_layers_m == [90.0, 70.0]
    tr = plan.trajectory
    change = np.nonzero(
        (tr[1:, 2] != tr[:-1, 2]) & np.all(np.isclose(tr[1:, :2], tr[:-1, :2]), axis=1)
    )[0]
    assert len(change) == 3  # climb at W, the change at the junction, descent at the end
    i = change[1]
    assert tr[i + 1, 3] - tr[i, 3] == pytest.approx(20.0 / 2.0)
    assert tr[i, :2] == pytest.approx(mid, abs=1e-5)


# --------------------------------------------------------------------------- zones


def test_a_zone_scheduled_from_noon_blocks_only_flights_on_the_edge_after_noon(two_paths):
    mid = (120.32, 36.06)
    noon = zone("TFR-NOON", mid, schedule=[{"start": 7200, "end": 10800}])  # 12:00-13:00
    r = router(two_paths, [noon])
    assert r.routes(W, E, 0.0, EPOCH, k=1)[0].edges == ["DIRECT"]
    assert r.routes(W, E, 6900.0, EPOCH, k=1)[0].edges == ["DIRECT"]  # done by ~07130 s
    assert r.routes(W, E, 7100.0, EPOCH, k=1)[0].edges == ["N1", "N2", "N3"]
    assert r.routes(W, E, 9000.0, EPOCH, k=1)[0].edges == ["N1", "N2", "N3"]
    assert r.routes(W, E, 10900.0, EPOCH, k=1)[0].edges == ["DIRECT"]
    assert r.routes(W, E, 86400.0 + 8000.0, EPOCH, k=1)[0].edges == ["DIRECT"]  # a one-off window


def test_a_daily_restriction_blocks_at_local_noon_every_day(two_paths):
    mid = zone("X", (120.32, 36.06))
    daily = Zone(
        "DAILY-NOON",
        Restriction.PROHIBITED,
        mid.volumes,
        applicability=(
            Applicability(permanent=False, periods=(DailyPeriod((), time(12), time(13)),)),
        ),
    )
    r = router(two_paths, [daily])
    for day in range(3):
        t0 = day * 86400.0
        assert r.routes(W, E, t0 + 3600.0, EPOCH, k=1)[0].edges == ["DIRECT"]  # 11:00 local
        assert r.routes(W, E, t0 + 7500.0, EPOCH, k=1)[0].edges == ["N1", "N2", "N3"]  # 12:05


def test_zones_below_the_layer_or_not_prohibited_do_not_block(two_paths):
    mid = (120.32, 36.06)
    low = zone("LOW", mid, upper_m=75)  # the eastbound layer 90 m flies the 80-100 m slab
    auth = zone("PORT", mid, restriction="REQ_AUTHORISATION")
    cond = zone("WATERFRONT", mid, restriction="CONDITIONAL")
    plan = router(two_paths, [low, auth, cond]).routes(W, E, 0.0, EPOCH, k=1)[0]
    assert plan.edges == ["DIRECT"]
    assert plan.authorisation_zones == ["PORT"]
    west = router(two_paths, [low]).routes(E, W, 0.0, EPOCH, k=1)[0]
    assert west.edges == ["N3", "N2", "N1"]  # westbound flies 70 m, inside LOW's band


def test_every_route_blocked_gives_no_route(two_paths):
    wall = zone("WALL", (120.32, 36.07), radius_m=2000)
    assert router(two_paths, [wall]).routes(W, E, 0.0, EPOCH) == []


def test_bad_requests_raise_clear_errors(line):
    r = router(line)
    with pytest.raises(RoutingError, match=r"origin .* from the nearest corridor node"):
        r.routes((120.60, 36.30), E, 0.0, EPOCH)
    with pytest.raises(RoutingError, match="speed_mps"):
        r.routes(W, E, 0.0, EPOCH, speed_mps=0.0)
    with pytest.raises(RoutingError, match="time zone"):
        r.routes(W, E, 0.0, datetime(2026, 12, 1))


# --------------------------------------------------------------------------- alternatives


def test_k_alternatives_are_distinct_and_ordered_by_time():
    net = CorridorNetwork.from_geojson(grid_network_geojson(4, 4, spacing_m=600, seed=3))
    r = router(net)
    a = net.graph.nodes[net.vertiport_node("V0-0")]
    b = net.graph.nodes[net.vertiport_node("V3-3")]
    plans = r.routes((a["lon"], a["lat"]), (b["lon"], b["lat"]), 0.0, EPOCH, k=4)
    assert len(plans) == 4
    durations = [p.duration_s for p in plans]
    assert durations == sorted(durations)
    assert len({tuple(p.nodes) for p in plans}) == 4
    assert all(p.trajectory[-1, 3] == pytest.approx(p.arrival_s) for p in plans)


def test_qingdao_demo_routes_across_the_bay_and_reports_the_port():
    net = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH)
    zones = load_zones(QINGDAO_ZONES_PATH)
    r = Router(net, ZoneIndex(zones, QINGDAO), QINGDAO)
    plans = r.routes((120.384, 36.062), (120.19, 36.00), 0.0, EPOCH, k=2, speed_mps=15.0)
    assert len(plans) == 2
    assert (plans[0].entry_vertiport, plans[0].exit_vertiport) == ("VP-WUSI", "VP-HUANGDAO")
    assert "QD-BAY-TUNNEL" in plans[0].edges
    assert plans[0].trajectory[:, 2].max() <= 120.0


# --------------------------------------------------------------------------- properties


def edge_blocked_by(net, u, v, zones, t_dep, t_arr):
    """Independent twin of the blocking rule: shapely on the buffered edge, schedule by instant."""
    d = net.graph.edges[u, v]
    buf = d["geometry"].buffer(d["width_m"] / 2.0)
    h = d["layers_m"][0]
    for z in zones:
        if z.restriction != Restriction.PROHIBITED:
            continue
        for vol in z.volumes:
            lo, hi = vol.band_agl_m(QINGDAO)
            if not (lo < h + 10.0 and hi > h - 10.0):
                continue
            if not buf.intersects(net.projection.geometry_to_xy(vol.polygon)):
                continue
            a = EPOCH + timedelta(seconds=t_dep - 1e-6)
            b = EPOCH + timedelta(seconds=t_arr + 1e-6)
            if active_intervals(z, a, b, QINGDAO.tz):
                return True
    return False


random_zones = st.lists(
    st.tuples(
        st.floats(-1.0, 1.0),
        st.floats(-1.0, 1.0),
        st.floats(100, 700),
        st.one_of(st.none(), st.tuples(st.floats(0, 600), st.floats(50, 600))),
    ),
    max_size=4,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 100_000), rows=st.integers(2, 5), cols=st.integers(2, 5), zs=random_zones
)
def test_fastest_route_matches_networkx_shortest_path_around_permanent_zones(seed, rows, cols, zs):
    net = CorridorNetwork.from_geojson(
        grid_network_geojson(rows, cols, spacing_m=700, seed=seed, oneway_fraction=0.25)
    )
    half_w, half_h = (cols - 1) * 350, (rows - 1) * 350
    zones = []
    for i, (fx, fy, radius, _) in enumerate(zs):
        lon, lat = net.projection.to_lonlat(
            net.projection.to_xy([120.38], [36.07])[0] + fx * half_w,
            net.projection.to_xy([120.38], [36.07])[1] + fy * half_h,
        )
        zones.append(zone(f"Z{i}", (float(lon[0]), float(lat[0])), radius_m=radius))
    r = Router(net, ZoneIndex(zones, QINGDAO) if zones else None, QINGDAO)
    a, b = net.vertiport_node("V0-0"), net.vertiport_node(f"V{rows - 1}-{cols - 1}")
    pa, pb = net.graph.nodes[a], net.graph.nodes[b]
    vr = 1e6  # layer changes cost nothing, so networkx's static shortest path is the reference
    plans = r.routes(
        (pa["lon"], pa["lat"]), (pb["lon"], pb["lat"]), 0.0, EPOCH, k=1, vertical_rate_mps=vr
    )

    def weight(u, v, d):
        if edge_blocked_by(net, u, v, zones, -1e9, 1e9):
            return None
        return d["length_m"] / d["speed_max_mps"]

    try:
        expected = nx.shortest_path_length(net.graph, a, b, weight=weight)
    except nx.NetworkXNoPath:
        assert plans == []
        return
    assert len(plans) == 1
    assert plans[0].duration_s == pytest.approx(expected, abs=1e-3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), zs=random_zones, depart=st.floats(0, 400))
def test_routes_avoid_scheduled_zones_and_are_never_slower_than_needed(seed, zs, depart):
    """Against a brute-force twin over every simple path (3x3 grid, scheduled zones)."""
    net = CorridorNetwork.from_geojson(grid_network_geojson(3, 3, spacing_m=900, seed=seed))
    zones = []
    for i, (fx, fy, radius, sched) in enumerate(zs):
        x, y = net.projection.to_xy([120.38], [36.07])
        lon, lat = net.projection.to_lonlat(x + fx * 900, y + fy * 900)
        extra = (
            {} if sched is None else {"schedule": [{"start": sched[0], "end": sched[0] + sched[1]}]}
        )
        zones.append(zone(f"Z{i}", (float(lon[0]), float(lat[0])), radius_m=radius, **extra))
    r = Router(net, ZoneIndex(zones, QINGDAO) if zones else None, QINGDAO)
    a, b = net.vertiport_node("V0-0"), net.vertiport_node("V2-2")
    pa, pb = net.graph.nodes[a], net.graph.nodes[b]
    vr = 3.0

    def timed(path):
        g = net.graph
        h = g.edges[path[0], path[1]]["layers_m"][0]
        t = depart + h / vr
        for u, v in zip(path[:-1], path[1:], strict=True):
            d = g.edges[u, v]
            t += abs(d["layers_m"][0] - h) / vr
            h = d["layers_m"][0]
            t_arr = t + d["length_m"] / d["speed_max_mps"]
            if edge_blocked_by(net, u, v, zones, t, t_arr):
                return math.inf
            t = t_arr
        return t + h / vr - depart

    brute = min((timed(p) for p in nx.all_simple_paths(net.graph, a, b)), default=math.inf)
    plans = r.routes((pa["lon"], pa["lat"]), (pb["lon"], pb["lat"]), depart, EPOCH, k=1)
    if not plans:
        # No-wait label setting may miss a route that only works by arriving later somewhere.
        return
    got = timed(plans[0].nodes)
    assert got == pytest.approx(plans[0].duration_s, abs=1e-6)  # feasible, timed the same way
    # A simple path is never faster than the best simple path. The router settles each node at
    # its earliest arrival and never waits, so with scheduled zones it can miss a route that
    # only works by reaching a node later (hypothesis found one: 336.3 s against 301.1 s,
    # seed=263, one zone closing at 166 s); without schedules it is exact.
    if len(set(plans[0].nodes)) == len(plans[0].nodes):
        assert plans[0].duration_s >= brute - 1e-6
    if all(not z.applicability for z in zones):
        assert plans[0].duration_s == pytest.approx(brute, abs=1e-6)


# --------------------------------------------------------------------------- CLI


def test_cli_route_prints_geojson_with_altitude_and_time_per_point():
    import json

    from click.testing import CliRunner

    from cli.main import main

    runner = CliRunner()
    args = [
        "route",
        "--corridors",
        str(QINGDAO_CORRIDORS_PATH),
        "--from",
        "120.384,36.062",
        "--to",
        "120.468,36.107",
    ]
    res = runner.invoke(main, [*args, "--at", "2026-12-05T10:00:00+08:00", "--k", "2", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert len(doc["features"]) == 2
    f = doc["features"][0]
    coords, times = f["geometry"]["coordinates"], f["properties"]["times"]
    assert len(coords) == len(times) == len(f["properties"]["t_s"])
    assert coords[0][2] == 0.0 and max(c[2] for c in coords) > 60.0
    assert times[0].startswith("2026-12-05T10:00:00")
    text = runner.invoke(main, [*args, "--zones", str(QINGDAO_ZONES_PATH)])
    assert text.exit_code == 0 and "VP-WUSI -> VP-LAOSHAN" in text.output
    bad = runner.invoke(main, ["route", "--from", "120.38", "--to", "120.46,36.10"])
    assert bad.exit_code == 2 and "LON,LAT" in bad.output
    far = runner.invoke(main, ["route", "--from", "121.0,36.5", "--to", "120.46,36.10"])
    assert far.exit_code == 2 and "nearest corridor node" in far.output


# --------------------------------------------------------------------------- kernel vs slow twin


def slow_td_dijkstra(
    indptr, head, travel_s, edge_slot, bptr, blo, bhi, slot_alt_m, vr, init_t, egress
):
    """The obvious Python version: heapq over (node, slot) states, same blocking rule."""
    import heapq

    n_slots = len(slot_alt_m)
    best = list(init_t)
    heap = [(t, s) for s, t in enumerate(best) if t < math.inf]
    heapq.heapify(heap)
    done = set()
    while heap:
        t, s = heapq.heappop(heap)
        if s in done or t > best[s]:
            continue
        done.add(s)
        u, alt = divmod(s, n_slots)[0], slot_alt_m[s % n_slots]
        for e in range(indptr[u], indptr[u + 1]):
            if edge_slot[e] < 0:
                continue
            t_dep = t + abs(slot_alt_m[edge_slot[e]] - alt) / vr
            t_arr = t_dep + travel_s[e]
            if any(blo[j] <= t_arr and bhi[j] >= t_dep for j in range(bptr[e], bptr[e + 1])):
                continue
            s2 = head[e] * n_slots + edge_slot[e]
            if t_arr < best[s2]:
                best[s2] = t_arr
                heapq.heappush(heap, (t_arr, s2))
    ends = [b + g for b, g in zip(best, egress, strict=True)]
    return np.array(best), min(ends)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(2, 12), n_slots=st.integers(1, 3))
def test_kernel_matches_its_slow_twin_on_random_graphs(data, n, n_slots):
    from planner.routing.kernels import td_dijkstra

    m = data.draw(st.integers(1, 4 * n))
    tails = np.array(
        data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64
    )
    order = np.argsort(tails, kind="stable")
    tails = tails[order]
    head = np.array(
        data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64
    )
    indptr = np.searchsorted(tails, np.arange(n + 1)).astype(np.int64)
    travel = np.array(data.draw(st.lists(st.floats(1, 100), min_size=m, max_size=m)))
    edge_slot = np.array(
        data.draw(st.lists(st.integers(-1, n_slots - 1), min_size=m, max_size=m)), dtype=np.int64
    )
    slot_alt = np.sort(
        np.array(data.draw(st.lists(st.floats(10, 150), min_size=n_slots, max_size=n_slots)))
    )
    counts = data.draw(st.lists(st.integers(0, 2), min_size=m, max_size=m))
    bptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    lo = np.array(
        data.draw(st.lists(st.floats(0, 300), min_size=int(bptr[-1]), max_size=int(bptr[-1])))
    )
    dur = np.array(
        data.draw(st.lists(st.floats(0, 200), min_size=int(bptr[-1]), max_size=int(bptr[-1])))
    )
    init = np.full(n * n_slots, np.inf)
    src = data.draw(st.integers(0, n - 1))
    init[src * n_slots : (src + 1) * n_slots] = slot_alt / 3.0
    egress = np.full(n * n_slots, np.inf)
    args = (indptr, head, travel, edge_slot, bptr, lo, lo + dur, slot_alt, 3.0, init)
    best, pred_edge, pred_state, end = td_dijkstra(*args, egress)
    twin, _ = slow_td_dijkstra(*args, egress)
    assert np.array_equal(np.isinf(best), np.isinf(twin))
    assert np.allclose(best[np.isfinite(best)], twin[np.isfinite(twin)])
    # Predecessors replay to the same arrival times.
    for s in np.nonzero(np.isfinite(best) & (pred_edge >= 0))[0]:
        e, p = pred_edge[s], pred_state[s]
        t_dep = best[p] + abs(slot_alt[edge_slot[e]] - slot_alt[p % n_slots]) / 3.0
        assert best[s] == pytest.approx(t_dep + travel[e])
    # With a destination, the early stop still finds the twin's best end.
    dst = data.draw(st.integers(0, n - 1))
    egress[dst * n_slots : (dst + 1) * n_slots] = slot_alt / 3.0
    _, _, _, end = td_dijkstra(*args, egress)
    _, twin_end = slow_td_dijkstra(*args, egress)
    if math.isinf(twin_end):
        assert end == -1
    else:
        b2, *_ = td_dijkstra(*args, egress)
        assert b2[end] + egress[end] == pytest.approx(twin_end)


def _nx_paths(g, weights, usable, index, s, t, limit):
    def weight(u, v, _d):
        e = index[(u, v)]
        return float(weights[e]) if usable[e] else None

    try:
        return list(islice(nx.shortest_simple_paths(g, s, t, weight=weight), limit))
    except nx.NetworkXNoPath:
        return None


def _array_paths(g, weights, usable, index, s, t, limit):
    from planner.routing import graph_adjacency, shortest_simple_paths

    adj = graph_adjacency(g, index, g.number_of_nodes())
    try:
        return list(islice(shortest_simple_paths(adj, weights, usable, index, s, t), limit))
    except nx.NetworkXNoPath:
        return None


def _random_digraph(data, n):
    """A random simple digraph on nodes 0..n-1, inserted in a random order (networkx's
    tie-breaking depends on it)."""
    pairs = data.draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            min_size=1,
            max_size=4 * n,
            unique=True,
        )
    )
    g = nx.DiGraph()
    g.add_nodes_from(data.draw(st.permutations(range(n))))
    g.add_edges_from(pairs)
    return g


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(2, 10))
def test_array_shortest_simple_paths_are_networkx_paths_in_networkx_order(data, n):
    """The array port of Yen's algorithm yields exactly networkx's paths, in networkx's order,
    ties included (small integer weights make many equal-length paths)."""
    g = _random_digraph(data, n)
    index = {uv: i for i, uv in enumerate(sorted(g.edges))}
    m = len(index)
    weights = np.array(
        data.draw(
            st.lists(
                st.one_of(st.integers(0, 2).map(float), st.floats(0.1, 10)),
                min_size=m,
                max_size=m,
            )
        )
    )
    usable = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    s, t = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    want = _nx_paths(g, weights, usable, index, s, t, 12)
    assert _array_paths(g, weights, usable, index, s, t, 12) == want


def test_array_shortest_simple_paths_break_ties_like_networkx_on_many_random_graphs():
    """Equal-length paths everywhere (weights 0, 1 or 2): the spur searches' heap order
    decides which one comes out, so any difference in it shows here."""
    rng = np.random.default_rng(11)
    compared = 0
    for _ in range(2000):
        n = int(rng.integers(3, 10))
        g = nx.DiGraph()
        g.add_nodes_from(rng.permutation(n).tolist())
        for _ in range(int(rng.integers(n, 4 * n))):
            a, b = (int(x) for x in rng.integers(0, n, 2))
            if a != b:
                g.add_edge(a, b)
        index = {uv: i for i, uv in enumerate(sorted(g.edges))}
        weights = rng.integers(0, 3, len(index)).astype(float)
        usable = rng.random(len(index)) > 0.1
        s, t = (int(x) for x in rng.integers(0, n, 2))
        want = _nx_paths(g, weights, usable, index, s, t, 12)
        assert _array_paths(g, weights, usable, index, s, t, 12) == want
        compared += bool(want and len(want) > 1)
    assert compared > 300


def test_array_shortest_simple_paths_match_networkx_on_the_qingdao_network():
    net = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH)
    c = net.compile()
    index = {uv: i for i, uv in enumerate(c.edge_uv)}
    rng = np.random.default_rng(3)
    for _ in range(12):
        s, t = (int(x) for x in rng.integers(0, c.n_nodes, 2))
        speed = float(rng.choice([12.0, 15.0, 20.0]))
        weights = c.length_m / np.minimum(speed, c.speed_max_mps)
        usable = rng.random(c.n_edges) > 0.05
        want = _nx_paths(net.graph, weights, usable, index, s, t, 9)
        assert _array_paths(net.graph, weights, usable, index, s, t, 9) == want


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(2, 9))
def test_bidirectional_kernel_is_networkx_spur_search_step_for_step(data, n):
    """The kernel against its slow twin, networkx's own ``_bidirectional_dijkstra``, with
    ignored nodes and edges: the same path (ties included) and the same length."""
    from networkx.algorithms.simple_paths import _bidirectional_dijkstra

    from planner.routing import graph_adjacency
    from planner.routing.kernels import bidirectional_dijkstra

    g = _random_digraph(data, n)
    index = {uv: i for i, uv in enumerate(sorted(g.edges))}
    m = len(index)
    weights = np.array(
        data.draw(st.lists(st.integers(0, 2).map(float), min_size=m, max_size=m)), dtype=float
    )
    usable = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    s, t = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    ign_nodes = set(data.draw(st.lists(st.integers(0, n - 1), max_size=3)))
    ign_edges = set(data.draw(st.lists(st.sampled_from(sorted(index)), max_size=3)))

    def weight(u, v, _d):
        e = index[(u, v)]
        return float(weights[e]) if usable[e] else None

    try:
        want = _bidirectional_dijkstra(
            g, s, t, weight=weight, ignore_nodes=ign_nodes, ignore_edges=ign_edges
        )
    except nx.NetworkXNoPath:
        want = None
    node_mask = np.zeros(n, dtype=bool)
    node_mask[list(ign_nodes)] = True
    edge_mask = np.zeros(m, dtype=bool)
    edge_mask[[index[uv] for uv in ign_edges]] = True
    found, length, path = bidirectional_dijkstra(
        *graph_adjacency(g, index, n), weights, usable, s, t, node_mask, edge_mask
    )
    if want is None:
        assert not found
    else:
        assert found and (length, path.tolist()) == (want[0], want[1])
