"""earliest_slot: approved slots are conflict-free by an independent checker, and first come,
first served (no earlier delay on the grid is free); zones, area operations, priorities."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from airspace.deployment import QINGDAO, local_deployment
from airspace.projection import Projection
from planner.deconflict import earliest_slot, warmup
from planner.forbidden import ZoneBlock, conflicts_at, forbidden_delays, owner_names
from planner.index import SpaceTimeIndex
from planner.trajectory import AreaOp, Trajectory4D, build_waypoint_trajectory, to_lonlat_rows
from tests import naive

LEVEL = np.array([[0, 0, 60, 0], [1000, 0, 60, 100.0]])


def _random_route(rng: np.random.Generator, n: int) -> np.ndarray:
    xy = rng.uniform(0, 400, size=(n, 2))
    z = rng.choice([40.0, 60.0, 80.0], size=(n, 1)) + rng.uniform(-5, 5, size=(n, 1))
    if rng.random() < 0.3:
        xy[1] = xy[0]  # a vertical leg or a hover
    if rng.random() < 0.3:
        z[1] = z[0]
    t = np.concatenate([[0.0], np.cumsum(rng.uniform(0, 30, size=n - 1))]) + rng.uniform(0, 60)
    return np.hstack([xy, z, t[:, None]])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 5),
    st.sampled_from([(50.0, 20.0), (30.0, 10.0), (0.01, 0.01)]),
)
def test_slot_is_conflict_free_and_no_earlier_grid_delay_is(seed, n_accepted, seps):
    sh, sv = seps
    rng = np.random.default_rng(seed)
    idx = SpaceTimeIndex(200.0, 30.0)
    accepted = []
    for i in range(n_accepted):
        r = _random_route(rng, int(rng.integers(2, 5)))
        idx.insert(f"A{i}", 0, r)
        accepted.append(r)
    new = _random_route(rng, int(rng.integers(2, 5)))
    quantum = 0.25
    res = earliest_slot(new, 0.0, 120.0, idx, [], sh, sv, quantum_s=quantum)
    want = naive.earliest_delay_bruteforce(new, accepted, 0.0, 120.0, quantum, sh, sv)
    if res.delay_s is None:
        assert want is None
        return
    shifted = new.copy()
    shifted[:, 3] += res.delay_s
    for other in accepted:
        assert not naive.trajectories_conflict(shifted, other, sh, sv)
    assert want == pytest.approx(res.delay_s, abs=1e-9)
    # whoever pushed the delay is named
    assert (res.delay_s > 0) == bool(res.blockers)


def test_layers_exactly_sv_apart_are_separated():
    idx = SpaceTimeIndex()
    idx.insert("A", 0, LEVEL)
    above = LEVEL.copy()
    above[:, 2] = 80.0
    assert earliest_slot(above, 0, 600, idx, [], 50, 20).delay_s == 0.0
    above[:, 2] = 79.99
    r = earliest_slot(above, 0, 600, idx, [], 50, 20)
    assert r.delay_s == pytest.approx(5.0) and r.blockers == ["A"]


def test_a_one_centimetre_overlap_is_caught_and_five_metres_apart_is_not():
    idx = SpaceTimeIndex()
    idx.insert("A", 0, LEVEL)
    crossing = np.array([[500, -500, 60, 0], [500, 500, 60, 100.0]])
    # volume semantics (F3548): S_h = S_v = 1 cm
    beside = crossing.copy()
    beside[:, 2] = 60.0 + 0.009  # 9 mm vertical gap: the volumes overlap by 1 mm
    assert earliest_slot(beside, 0, 600, idx, [], 0.01, 0.01).delay_s > 0
    beside[:, 2] = 65.0
    assert earliest_slot(beside, 0, 600, idx, [], 0.01, 0.01).delay_s == 0.0


def _interuss_polygon(path, intent, projection):
    doc = yaml.safe_load(path.read_text())["intents"][intent]
    info = doc.get("full", doc.get("delta", {}).get("mutation"))["basic_information"]
    vertices = info["area"][0]["outline_polygon"]["vertices"]
    lon = [v["lng"] for v in vertices]
    lat = [v["lat"] for v in vertices]
    return projection.geometry_to_xy(Polygon(zip(lon, lat, strict=True)))


def test_interuss_non_conflicting_polygons_11_m_apart_are_approved(interop):
    folder = interop / "interuss_monitoring" / "flight_intents_standard"
    proj = Projection.for_deployment(local_deployment(0.0, 0.0))
    p1 = _interuss_polygon(folder / "non_conflicting.yaml", "flight_1", proj)
    p2 = _interuss_polygon(folder / "non_conflicting.yaml", "flight_2", proj)
    # bounding boxes overlap, the polygons do not
    assert p1.envelope.intersects(p2.envelope) and 5 < p1.distance(p2) < 12
    idx = SpaceTimeIndex()
    idx.insert("flight_1", 0, AreaOp.from_polygon(p1, -9, 76, 0, 2700))
    r = earliest_slot(AreaOp.from_polygon(p2, 0, 58, 0, 2700), 0, 0, idx, [], 0.01, 0.01)
    assert r.delay_s == 0.0


def test_interuss_tiny_overlap_is_a_conflict(interop):
    path = (
        interop / "interuss_monitoring" / "flight_intents_standard" / "invalid_flight_intents.yaml"
    )
    proj = Projection.for_deployment(local_deployment(0.0, 0.0))
    valid = _interuss_polygon(path, "valid_flight", proj)
    tiny = _interuss_polygon(path, "valid_conflict_tiny_overlap", proj)
    idx = SpaceTimeIndex()
    idx.insert("valid_flight", 0, AreaOp.from_polygon(valid, 0, 30, 0, 2700))
    r = earliest_slot(AreaOp.from_polygon(tiny, 0, 30, 0, 2700), 0, 0, idx, [], 0.01, 0.01)
    assert r.delay_s is None and r.blockers == ["valid_flight"]
    # the same intent as a route flown through the overlap is caught too
    apex = np.array([[0.0, -30.0, 10.0, 0.0], [0.0, 30.0, 10.0, 60.0]])
    apex[:, :2] += np.array(proj.to_xy([0.0], [0.0])).T
    assert earliest_slot(apex, 0, 0, idx, [], 0.01, 0.01).delay_s is None


def test_route_is_delayed_past_a_scheduled_zone_and_blocked_by_a_permanent_one():
    zone_poly = Polygon([(400, -100), (600, -100), (600, 100), (400, 100)])
    scheduled = ZoneBlock.from_polygon("TFR", zone_poly, 0, 300, [[0.0, 1000.0]])
    r = earliest_slot(LEVEL, 0, 3600, SpaceTimeIndex(), [scheduled], 50, 20, quantum_s=1.0)
    # the flight is in the square between t = 40 and t = 60 of its own clock
    assert r.delay_s == pytest.approx(961.0) and r.zone_blockers == ["TFR"]
    shifted = Trajectory4D(LEVEL).shifted(r.delay_s).xyzt
    assert not naive.sampled_in_volume(shifted, zone_poly, 0, 300, [[0.0, 1000.0]], 0.05)
    permanent = ZoneBlock.from_polygon("P", zone_poly, 0, 300, [[-np.inf, np.inf]])
    r = earliest_slot(LEVEL, 0, 3600, SpaceTimeIndex(), [permanent], 50, 20)
    assert r.delay_s is None and r.zone_blockers == ["P"]
    above = ZoneBlock.from_polygon("HIGH", zone_poly, 100, np.inf, [[-np.inf, np.inf]])
    assert earliest_slot(LEVEL, 0, 3600, SpaceTimeIndex(), [above], 50, 20).delay_s == 0.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
@example(3175)  # the route grazes a corner of the zone at one instant
def test_zone_delays_agree_with_time_sampling(seed):
    rng = np.random.default_rng(seed)
    route = _random_route(rng, 4)
    route[:, :2] *= 2
    poly = Polygon(rng.uniform(200, 600, size=(5, 2))).convex_hull
    active = np.array([[50.0, 90.0], [150.0, 160.0]])
    zone = ZoneBlock.from_polygon("Z", poly, 45.0, 75.0, active)
    fd = forbidden_delays(route, -200, 200, SpaceTimeIndex(), [zone], 50, 20)
    for d in np.linspace(-200, 200, 41):
        forbidden = bool(np.any((fd.lo <= d) & (d <= fd.hi)))
        sampled = naive.sampled_in_volume(
            Trajectory4D(route).shifted(d).xyzt, poly, 45.0, 75.0, active, 0.01
        )
        if sampled:
            assert forbidden
        if forbidden and not sampled:
            # only a sliver the sampling steps over: a slightly shifted delay must be inside,
            # or the flight touches the zone (a corner, an edge) at an instant: zones are closed
            near = [
                naive.sampled_in_volume(
                    Trajectory4D(route).shifted(d + e).xyzt, poly, 45.0, 75.0, active, 0.002
                )
                for e in (-0.05, 0.0, 0.05)
            ]
            shifted = Trajectory4D(route).shifted(d).xyzt
            assert any(near) or _touch_distance_m(shifted, poly, 45.0, 75.0, active) < 1e-6


def _touch_distance_m(xyzt, poly, lower_m, upper_m, active_s) -> float:
    """Smallest distance between the polygon and the parts of a trajectory that are inside the
    altitude band while the zone is active (exact per segment: each piece is a straight line)."""
    best = np.inf
    for a, b in zip(xyzt[:-1], xyzt[1:], strict=True):
        (t0, t1), (z0, z1) = (a[3], b[3]), (a[2], b[2])
        if t1 <= t0:
            continue
        if z1 != z0:  # times at which z crosses the band's limits
            lo_t = t0 + (lower_m - z0) / (z1 - z0) * (t1 - t0)
            hi_t = t0 + (upper_m - z0) / (z1 - z0) * (t1 - t0)
            band = (min(lo_t, hi_t), max(lo_t, hi_t))
        else:
            band = (-np.inf, np.inf) if lower_m <= z0 <= upper_m else (np.inf, -np.inf)
        for s, e in np.asarray(active_s).reshape(-1, 2):
            u0, u1 = max(t0, band[0], s), min(t1, band[1], e)
            if u0 > u1:
                continue
            f0, f1 = (u0 - t0) / (t1 - t0), (u1 - t0) / (t1 - t0)
            p0, p1 = a[:2] + f0 * (b[:2] - a[:2]), a[:2] + f1 * (b[:2] - a[:2])
            piece = LineString([p0, p1]) if u1 > u0 else Point(p0)
            best = min(best, shapely.distance(poly, piece))
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_area_operation_delays_agree_with_time_sampling(seed, area_is_new):
    rng = np.random.default_rng(seed)
    route = _random_route(rng, 4)
    route[:, :2] *= 2
    poly = Polygon(rng.uniform(250, 550, size=(6, 2))).convex_hull
    lower, upper = sorted(rng.uniform(20, 100, 2))
    idx = SpaceTimeIndex(300.0, 60.0)
    if area_is_new:
        idx.insert("ROUTE", 0, route)
        fd = forbidden_delays(
            AreaOp.from_polygon(poly, lower, upper, 40, 70), -200, 200, idx, [], 50, 20
        )
    else:
        idx.insert("AREA", 0, AreaOp.from_polygon(poly, lower, upper, 40, 70))
        fd = forbidden_delays(route, -200, 200, idx, [], 50, 20)

    def sampled(d, step):
        if area_is_new:
            return naive.sampled_near_area(route, poly, lower, upper, 40 + d, 70 + d, 50, 20, step)
        return naive.sampled_near_area(
            Trajectory4D(route).shifted(d).xyzt, poly, lower, upper, 40, 70, 50, 20, step
        )

    for d in np.linspace(-200, 200, 41):
        forbidden = bool(np.any((fd.lo <= d) & (d <= fd.hi)))
        if sampled(d, 0.01):
            assert forbidden
        elif forbidden:
            assert any(sampled(d + e, 0.001) for e in (-0.05, 0.0, 0.05))


def test_route_keeps_the_minima_from_an_area_operation():
    square = Polygon([(400, 100), (600, 100), (600, 300), (400, 300)])
    idx = SpaceTimeIndex()
    idx.insert("SURVEY", 0, AreaOp.from_polygon(square, 0, 60, 0, 500))
    # passes 49 m south of the square: conflicts while the survey runs
    near = LEVEL.copy()
    near[:, 1] = 51.0
    r = earliest_slot(near, 0, 3600, idx, [], 50, 20, quantum_s=1.0)
    assert r.delay_s == pytest.approx(461.0) and r.blockers == ["SURVEY"]
    assert not naive.sampled_near_area(
        Trajectory4D(near).shifted(r.delay_s).xyzt, square, 0, 60, 0, 500, 50, 20, 0.01
    )
    assert naive.sampled_near_area(
        Trajectory4D(near).shifted(r.delay_s - 1).xyzt, square, 0, 60, 0, 500, 50, 20, 0.01
    )
    far = LEVEL.copy()
    far[:, 1] = 49.0  # 51 m away
    assert earliest_slot(far, 0, 3600, idx, [], 50, 20).delay_s == 0.0
    high = near.copy()
    high[:, 2] = 80.0  # exactly S_v above the band
    assert earliest_slot(high, 0, 3600, idx, [], 50, 20).delay_s == 0.0


def test_area_operation_request_waits_for_a_route_and_another_area():
    idx = SpaceTimeIndex()
    idx.insert("ROUTE", 0, LEVEL)
    square = Polygon([(400, -100), (600, -100), (600, 100), (400, 100)])
    r = earliest_slot(
        AreaOp.from_polygon(square, 0, 60, 0, 300), 0, 3600, idx, [], 50, 20, quantum_s=1.0
    )
    # the route is closer than 50 m to the square for t in (35, 65): at 65 it is exactly 50 m away
    assert r.delay_s == pytest.approx(65.0, abs=1e-6) and r.blockers == ["ROUTE"]
    idx.insert("AREA2", 0, AreaOp.from_polygon(square.buffer(-50), 50, 100, 0, 1000))
    r = earliest_slot(
        AreaOp.from_polygon(square, 0, 60, 0, 300), 0, 3600, idx, [], 50, 20, quantum_s=1.0
    )
    assert r.delay_s == pytest.approx(1001.0) and set(r.blockers) == {"ROUTE", "AREA2"}


def test_higher_priority_overrides_lower_and_names_it():
    idx = SpaceTimeIndex()
    idx.insert("LOW", 0, LEVEL)
    idx.insert("EQUAL", 5, LEVEL + [0, 0, 0, 300])
    r = earliest_slot(LEVEL, 0, 3600, idx, [], 50, 20, ignore_priority_below=5)
    assert r.delay_s == 0.0 and r.overridden == ["LOW"]
    r = earliest_slot(LEVEL + [0, 0, 0, 300], 0, 3600, idx, [], 50, 20, ignore_priority_below=5)
    assert r.delay_s == pytest.approx(5.0) and r.blockers == ["EQUAL"]
    assert earliest_slot(LEVEL, 0, 3600, idx, [], 50, 20, exclude=["LOW"]).delay_s == 0.0
    assert conflicts_at(LEVEL, 0.0, idx, [], 50, 20) == (["LOW"], [])


def test_bad_input_names_what_to_fix():
    idx = SpaceTimeIndex()
    with pytest.raises(ValueError, match="earliest_delay_s"):
        earliest_slot(LEVEL, 10, 0, idx, [], 50, 20)
    with pytest.raises(ValueError, match="sep_h_m"):
        earliest_slot(LEVEL, 0, 10, idx, [], 0, 20)
    with pytest.raises(ValueError, match="quantum_s"):
        earliest_slot(LEVEL, 0, 10, idx, [], 50, 20, quantum_s=0)
    with pytest.raises(ValueError, match="non-decreasing"):
        earliest_slot(LEVEL[::-1], 0, 10, idx, [], 50, 20)
    with pytest.raises(ValueError, match="speed_mps"):
        build_waypoint_trajectory(
            [[120.38, 36.07, 0], [120.39, 36.07, 60]], 0, 0, 3, Projection.for_deployment(QINGDAO)
        )


def test_waypoint_trajectory_takes_the_longer_of_horizontal_and_vertical_time():
    proj = Projection.for_deployment(QINGDAO)
    tr = build_waypoint_trajectory(
        [[120.38, 36.07, 0], [120.38, 36.07, 90], [120.42, 36.09, 90], [120.42, 36.09, 0]],
        300.0,
        12.0,
        3.0,
        proj,
    )
    t = tr.xyzt[:, 3]
    assert t[0] == 300.0 and t[1] == pytest.approx(330.0)
    leg_m = np.hypot(*(tr.xyzt[2, :2] - tr.xyzt[1, :2]))
    assert t[2] - t[1] == pytest.approx(leg_m / 12.0)
    assert t[3] - t[2] == pytest.approx(30.0)
    # a mixed leg climbing 90 m over 60 m of ground at 12 m/s is limited by the climb
    mixed = build_waypoint_trajectory(
        [[120.38, 36.07, 0], [120.38, 36.07054, 90]], 0.0, 12.0, 3.0, proj
    )
    assert mixed.xyzt[1, 3] == pytest.approx(30.0)
    rows = to_lonlat_rows(tr, proj)
    assert rows[:, :2] == pytest.approx(
        np.array([[120.38, 36.07], [120.38, 36.07], [120.42, 36.09], [120.42, 36.09]]), abs=1e-9
    )
    assert rows[:, 3].tolist() == t.tolist()


def test_warmup_runs():
    warmup()


@pytest.mark.parametrize("n_owners", [0, 5, 64, 65, 400])
def test_owner_names_in_filing_order_and_zones_first_seen_first(n_owners):
    # Slots are reused in a shuffled filing order; blocks -1 - k name zones with repeats.
    rng = np.random.default_rng(n_owners)
    idx = SpaceTimeIndex()
    for i in range(40):
        idx.insert(f"F{i}", 0, LEVEL + [0, 10.0 * i, 0, 0])
    for i in rng.permutation(40)[:20]:  # filed again: a freed slot, a later filing counter
        idx.remove(f"F{i}")
        idx.insert(f"G{i}", 0, LEVEL + [0, 10.0 * i, 0, 0])
    blocks = [
        ZoneBlock.from_polygon(f"Z{k % 4}", Point(0, 0).buffer(10), 0, 100, [[0, 1]])
        for k in range(9)
    ]
    owner = rng.integers(-9, 40, n_owners).astype(np.int64)
    slots = {int(o) for o in owner if o >= 0}
    want_flights = [idx.flight_id(s) for s in sorted(slots, key=lambda s: idx.filed_seq[s])]
    want_zones: list[str] = []
    for o in owner:
        if o < 0 and blocks[-1 - o].zone_id not in want_zones:
            want_zones.append(blocks[-1 - o].zone_id)
    assert owner_names(owner, idx, blocks) == (want_flights, want_zones)
