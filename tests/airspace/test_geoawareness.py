"""Geo-awareness: zone hits for points, 4D routes and area operations, checked against brute
force (every zone, no index, dense sampling in time) on random airspace, plus the cases a
user notices: schedules, stacked volumes, touching boundaries, AMSL limits, bad input."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.affinity import rotate
from shapely.geometry import Polygon, box

from airspace.deployment import QINGDAO, local_deployment
from airspace.errors import CoordinateError
from airspace.geoawareness import ZoneIndex
from airspace.projection import Projection
from airspace.zones import (
    Applicability,
    Circle,
    DailyPeriod,
    Restriction,
    VerticalReference,
    Zone,
    ZoneVolume,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
PROJ = Projection.for_deployment(QINGDAO)
X0, Y0 = (float(v[0]) for v in PROJ.to_xy([120.38], [36.07]))


def lonlat_polygon(poly_xy: Polygon) -> Polygon:
    """A polygon given in metres around the Qingdao centre, as lon/lat."""
    return PROJ.geometry_to_lonlat(shapely.affinity.translate(poly_xy, X0, Y0))


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    lon, lat = PROJ.to_lonlat([X0 + x_m], [Y0 + y_m])
    return float(lon[0]), float(lat[0])


def route(rows_xyzt) -> np.ndarray:
    """Trajectory rows [lon, lat, altitude_m, t_s] from rows in local metres."""
    rows = np.asarray(rows_xyzt, dtype=float)
    lon, lat = PROJ.to_lonlat(X0 + rows[:, 0], Y0 + rows[:, 1])
    return np.column_stack([lon, lat, rows[:, 2], rows[:, 3]])


def seconds(hits, key=lambda h: (h.zone.identifier, h.volume_index)):
    return {
        key(h): [((a - EPOCH).total_seconds(), (b - EPOCH).total_seconds()) for a, b in h.intervals]
        for h in hits
    }


def square_zone(ident, half_m, lower_m=0.0, upper_m=120.0, **kw) -> Zone:
    return Zone(
        ident,
        Restriction.PROHIBITED,
        (ZoneVolume(lonlat_polygon(box(-half_m, -half_m, half_m, half_m)), lower_m, upper_m),),
        **kw,
    )


# ----------------------------------------------------------------------------- behaviour


def test_route_through_a_square_reports_entry_and_exit_times():
    index = ZoneIndex([square_zone("SQ", 500.0)], QINGDAO)
    hits = index.along_route(route([[-1000, 0, 60, 0], [1000, 0, 60, 200]]), EPOCH)
    (iv,) = seconds(hits).values()
    assert iv == [pytest.approx((50.0, 150.0), abs=1e-5)]


def test_waypoints_inside_a_zone_give_one_interval():
    index = ZoneIndex([square_zone("SQ", 500.0)], QINGDAO)
    rows = [
        [-1000, 0, 60, 0],
        [-0.3, 0.7, 61.3, 33.3],
        [100.1, 0.1, 60.2, 70.7],
        [1000, 0, 60, 100.9],
    ]
    (hit,) = index.along_route(route(rows), EPOCH)
    assert len(hit.intervals) == 1


def test_route_missing_the_zone_or_flying_above_it_has_no_hits():
    index = ZoneIndex([square_zone("SQ", 500.0, upper_m=100.0)], QINGDAO)
    assert index.along_route(route([[-1000, 600, 60, 0], [1000, 600, 60, 200]]), EPOCH) == []
    assert index.along_route(route([[-1000, 0, 110, 0], [1000, 0, 110, 200]]), EPOCH) == []


def test_stacked_volumes_report_their_own_index_and_times():
    sq = lonlat_polygon(box(-500, -500, 500, 500))
    wide = lonlat_polygon(box(-800, -800, 800, 800))
    zone = Zone(
        "CAKE", Restriction.PROHIBITED, (ZoneVolume(sq, 0.0, 50.0), ZoneVolume(wide, 50.0, 100.0))
    )
    index = ZoneIndex([zone], QINGDAO)
    # Climbs 0 -> 100 m while crossing x = -1000 .. 1000 in 200 s (z = t / 2, x = -1000 + 10 t).
    got = seconds(index.along_route(route([[-1000, 0, 0, 0], [1000, 0, 100, 200]]), EPOCH))
    assert got[("CAKE", 0)] == [pytest.approx((50.0, 100.0), abs=1e-5)]
    assert got[("CAKE", 1)] == [pytest.approx((100.0, 180.0), abs=1e-5)]
    assert [h.volume_index for h in index.at_point(*lonlat(0, 0), 45.0, EPOCH)] == [0]
    assert [h.volume_index for h in index.at_point(*lonlat(0, 0), 50.0, EPOCH)] == [0, 1]
    assert [h.volume_index for h in index.at_point(*lonlat(700, 0), 45.0, EPOCH)] == []
    assert [h.volume_index for h in index.at_point(*lonlat(700, 0), 75.0, EPOCH)] == [1]


def test_zone_active_from_noon_is_hit_only_after_noon():
    noon = Applicability(permanent=False, periods=(DailyPeriod((), time(12, 0), time(18, 0)),))
    index = ZoneIndex([square_zone("NOON", 500.0, applicability=(noon,))], QINGDAO)
    epoch = datetime(2026, 12, 1, 11, 50, tzinfo=SHANGHAI)
    # Inside the square 11:50:50 - 11:52:30: zone not yet active.
    early = route([[-1000, 0, 60, 0], [1000, 0, 60, 200]])
    assert index.along_route(early, epoch) == []
    # Inside 11:55 - 12:05: only the part after 12:00 counts.
    late = route([[-1000, 0, 60, 0], [1000, 0, 60, 1200]])
    (hit,) = index.along_route(late, epoch)
    assert hit.intervals == [
        (
            datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI),
            datetime(2026, 12, 1, 12, 5, tzinfo=SHANGHAI),
        )
    ]
    # Same for a point and an area, instant and window.
    assert (
        index.at_point(*lonlat(0, 0), 60.0, datetime(2026, 12, 1, 11, 59, 59, tzinfo=SHANGHAI))
        == []
    )
    assert (
        len(index.at_point(*lonlat(0, 0), 60.0, datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI))) == 1
    )
    area = lonlat_polygon(box(-100, -100, 100, 100))
    assert index.over_area(area, 0, 50, epoch, epoch + timedelta(minutes=9)) == []
    (hit,) = index.over_area(area, 0, 50, epoch, epoch + timedelta(minutes=20))
    assert hit.intervals == [
        (datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI), epoch + timedelta(minutes=20))
    ]


def test_schedules_are_evaluated_in_the_deployment_time_zone():
    noon = Applicability(permanent=False, periods=(DailyPeriod((), time(12, 0), time(13, 0)),))
    utc_deployment = local_deployment(120.38, 36.07)  # UTC wall clock
    z = Zone(
        "N",
        Restriction.PROHIBITED,
        (ZoneVolume(box(120.37, 36.06, 120.39, 36.08), 0, 100),),
        applicability=(noon,),
    )
    at = datetime(2026, 12, 1, 12, 30, tzinfo=SHANGHAI)
    assert len(ZoneIndex([z], QINGDAO).at_point(120.38, 36.07, 10, at)) == 1
    assert ZoneIndex([z], utc_deployment).at_point(120.38, 36.07, 10, at) == []


def test_touching_the_boundary_counts():
    index = ZoneIndex([square_zone("SQ", 500.0, lower_m=0.0, upper_m=100.0)], QINGDAO)
    poly = index.volumes[0].polygon_xy
    # Along the projected edge itself (exact coordinates of the compiled polygon).
    (x1, y1), (x2, y2) = list(poly.exterior.coords)[:2]
    lon, lat = PROJ.to_lonlat([x1, x2], [y1, y2])
    hits = index.along_route(np.array([[lon[0], lat[0], 50, 0], [lon[1], lat[1], 50, 100]]), EPOCH)
    assert seconds(hits)[("SQ", 0)] == [pytest.approx((0.0, 100.0), abs=1e-5)]
    # Reaching the top of the band exactly.
    hits = index.along_route(route([[0, 0, 150, 0], [0, 0, 100, 10], [0, 0, 150, 20]]), EPOCH)
    assert seconds(hits)[("SQ", 0)] == [pytest.approx((10.0, 10.0), abs=1e-9)]
    # A route that turns at a corner of the zone (a vertex as written in the zone): one instant.
    ring = np.asarray(index.zones[0].volumes[0].polygon.exterior.coords)
    clon, clat = ring[np.argmin(ring.sum(axis=1))]  # south-west corner
    (cx,), (cy,) = PROJ.to_xy([clon], [clat])
    west = PROJ.to_lonlat([cx - 100.0], [cy])
    south = PROJ.to_lonlat([cx], [cy - 100.0])
    rows = [
        [west[0][0], west[1][0], 50, 0],
        [clon, clat, 50, 50],
        [south[0][0], south[1][0], 50, 100],
    ]
    hits = index.along_route(np.array(rows), EPOCH)
    assert seconds(hits)[("SQ", 0)] == [(50.0, 50.0)]
    assert len(index.at_point(clon, clat, 100.0, EPOCH)) == 1
    assert index.at_point(clon, clat, 100.01, EPOCH) == []


def test_hovering_and_vertical_legs():
    index = ZoneIndex([square_zone("SQ", 500.0, lower_m=30.0, upper_m=60.0)], QINGDAO)
    hits = index.along_route(
        route([[0, 0, 0, 0], [0, 0, 90, 30], [0, 0, 90, 90], [0, 0, 0, 120]]), EPOCH
    )
    assert seconds(hits)[("SQ", 0)] == [pytest.approx((10.0, 20.0)), pytest.approx((100.0, 110.0))]
    single = index.along_route(route([[100, 100, 45, 7]]), EPOCH)
    assert seconds(single)[("SQ", 0)] == [pytest.approx((7.0, 7.0))]


def test_amsl_limits_are_converted_to_height_above_ground():
    hilly = QINGDAO.with_(ground_elevation_m=10.0)
    vol = ZoneVolume(
        box(120.37, 36.06, 120.39, 36.08), 0.0, 60.0, VerticalReference.AMSL, VerticalReference.AMSL
    )
    index = ZoneIndex([Zone("A", Restriction.PROHIBITED, (vol,))], hilly)
    assert (index.volumes[0].lower_agl_m, index.volumes[0].upper_agl_m) == (-10.0, 50.0)
    assert index.at_point(120.38, 36.07, 55.0, EPOCH) == []
    assert len(index.at_point(120.38, 36.07, 45.0, EPOCH)) == 1


def test_unbounded_and_circle_volumes():
    circle = ZoneVolume(Circle(120.38, 36.07, 300.0), None, None)
    index = ZoneIndex([Zone("C", Restriction.PROHIBITED, (circle,))], QINGDAO)
    assert index.volumes[0].lower_agl_m == -math.inf and index.volumes[0].upper_agl_m == math.inf
    assert len(index.at_point(*lonlat(0, 290), 5000.0, EPOCH)) == 1
    assert index.at_point(*lonlat(0, 320), 10.0, EPOCH) == []


def test_window_query_returns_active_intervals():
    event = Applicability(
        permanent=False, start=EPOCH + timedelta(hours=1), end=EPOCH + timedelta(hours=2)
    )
    index = ZoneIndex([square_zone("EV", 500.0, applicability=(event,))], QINGDAO)
    (hit,) = index.at_point(*lonlat(0, 0), 10.0, EPOCH, EPOCH + timedelta(hours=3))
    assert hit.intervals == [(EPOCH + timedelta(hours=1), EPOCH + timedelta(hours=2))]
    assert index.at_point(*lonlat(0, 0), 10.0, EPOCH, EPOCH + timedelta(minutes=59)) == []
    (hit,) = index.at_point(*lonlat(0, 0), 10.0, EPOCH, EPOCH + timedelta(hours=1))
    assert hit.intervals == [(EPOCH + timedelta(hours=1), EPOCH + timedelta(hours=1))]


def test_qingdao_demo_airspace():
    from airspace.formats import QINGDAO_ZONES_PATH, load_zones

    zones = load_zones(QINGDAO_ZONES_PATH)
    index = ZoneIndex(zones, QINGDAO)
    assert len(index.volumes) == sum(len(z.volumes) for z in zones)
    for zi, zone in enumerate(zones):
        if not zone.is_permanent:
            continue
        for vi, volume in enumerate(zone.volumes):
            lo, hi = volume.band_agl_m(QINGDAO)
            alt = max(lo, 0.0) + 1.0 if math.isfinite(lo) or math.isfinite(hi) else 10.0
            p = volume.polygon.representative_point()
            hits = index.at_point(p.x, p.y, alt, EPOCH)
            assert any(index.zones.index(h.zone) == zi and h.volume_index == vi for h in hits)


def test_interop_ed269_sample_indexes_with_a_local_projection(interop):
    from airspace.formats import load_zones

    path = interop / "interuss_uas_standards" / "test_eurocae_ed269.json"
    probe = load_zones(path)
    w, s, e, n = shapely.total_bounds([v.polygon for z in probe for v in z.volumes])
    deployment = local_deployment((w + e) / 2, (s + n) / 2)
    zones = load_zones(path, deployment=deployment)
    index = ZoneIndex(zones, deployment)
    zone = next(z for z in zones if z.is_permanent)
    p = zone.volumes[0].polygon.representative_point()
    lo, hi = zone.volumes[0].band_agl_m(deployment)
    alt = lo if math.isfinite(lo) else (hi if math.isfinite(hi) else 0.0)
    assert zone in [h.zone for h in index.at_point(p.x, p.y, alt, EPOCH)]


def test_bad_input_is_named():
    index = ZoneIndex([square_zone("SQ", 500.0)], QINGDAO)
    good = route([[0, 0, 10, 0], [100, 0, 10, 10]])
    with pytest.raises(CoordinateError, match="finite"):
        index.at_point(math.nan, 36.07, 10.0, EPOCH)
    with pytest.raises(CoordinateError, match=r"\[longitude, latitude\]"):
        index.at_point(36.07, 120.38, 10.0, EPOCH)
    with pytest.raises(CoordinateError, match="altitude_m"):
        index.at_point(120.38, 36.07, math.nan, EPOCH)
    bad = good.copy()
    bad[1, 2] = math.nan
    with pytest.raises(CoordinateError, match="altitude_m and t_s"):
        index.along_route(bad, EPOCH)
    with pytest.raises(CoordinateError, match=r"\[longitude, latitude\]"):
        index.along_route(good[:, [1, 0, 2, 3]], EPOCH)
    with pytest.raises(ValueError, match="shape"):
        index.along_route(good[:, :3], EPOCH)
    with pytest.raises(ValueError, match="must not decrease"):
        index.along_route(good[::-1], EPOCH)
    with pytest.raises(ValueError, match="time zone"):
        index.along_route(good, datetime(2026, 12, 1, 8))
    with pytest.raises(ValueError, match="before it starts"):
        index.at_point(120.38, 36.07, 10.0, EPOCH, EPOCH - timedelta(seconds=1))
    with pytest.raises(ValueError, match="lower_m"):
        index.over_area(lonlat_polygon(box(0, 0, 10, 10)), 50, 10, EPOCH, EPOCH)
    with pytest.raises(ValueError, match="Polygon"):
        index.over_area({"type": "Point", "coordinates": [120.38, 36.07]}, 0, 10, EPOCH, EPOCH)


def test_zone_outside_the_projection_names_the_zone():
    from airspace.errors import ZoneFormatError

    far = Zone("BERN", Restriction.PROHIBITED, (ZoneVolume(box(7.4, 46.9, 7.5, 47.0), 0, 100),))
    with pytest.raises(ZoneFormatError, match="BERN"):
        ZoneIndex([far], QINGDAO)


def test_zone_without_area_is_refused():
    from airspace.errors import ZoneFormatError

    flat = Polygon([(120.379, 36.07), (120.38, 36.07), (120.381, 36.07)])
    with pytest.raises(ZoneFormatError, match="FLAT.*no area"):
        ZoneIndex([Zone("FLAT", Restriction.PROHIBITED, (ZoneVolume(flat, 0, 100),))], QINGDAO)


def test_self_intersecting_zone_is_repaired():
    bowtie = lonlat_polygon(Polygon([(-500, -500), (500, 500), (500, -500), (-500, 500)]))
    index = ZoneIndex([Zone("BOW", Restriction.PROHIBITED, (ZoneVolume(bowtie, 0, 100),))], QINGDAO)
    assert index.volumes[0].polygon_xy.is_valid
    assert len(index.at_point(*lonlat(400, 0), 10.0, EPOCH)) == 1
    assert index.at_point(*lonlat(0, 400), 10.0, EPOCH) == []


def test_empty_index_answers_nothing():
    index = ZoneIndex([], QINGDAO)
    assert index.at_point(120.38, 36.07, 10.0, EPOCH) == []
    assert index.along_route(route([[0, 0, 10, 0], [100, 0, 10, 10]]), EPOCH) == []
    assert index.over_area(lonlat_polygon(box(0, 0, 10, 10)), 0, 10, EPOCH, EPOCH) == []


# ----------------------------------------------------------------------------- brute force

SPAN_M = 3000.0
DAY_S = 1800.0


def _random_zone(rng: np.random.Generator, ident: str) -> Zone:
    volumes = []
    for _ in range(int(rng.integers(1, 4))):
        cx, cy = rng.uniform(-SPAN_M, SPAN_M, 2)
        if rng.random() < 0.5:  # star-shaped polygon, concave in general
            n = int(rng.integers(3, 10))
            angles = np.sort(rng.uniform(0, 2 * math.pi, n))
            radii = rng.uniform(50.0, 1500.0, n)
            poly = Polygon(
                np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])
            )
        else:  # rotated rectangle, possibly with a hole
            w, h = rng.uniform(50.0, 1500.0, 2)
            poly = box(cx - w, cy - h, cx + w, cy + h)
            if rng.random() < 0.3:
                poly = poly.difference(box(cx - w / 3, cy - h / 3, cx + w / 3, cy + h / 3))
            poly = rotate(poly, rng.uniform(0, 90))
        if not poly.is_valid or poly.area < 100.0:
            continue
        lower = None if rng.random() < 0.2 else float(rng.uniform(0, 100))
        upper = None if rng.random() < 0.2 else float(rng.uniform(lower or 0.0, 150))
        volumes.append(ZoneVolume(lonlat_polygon(poly), lower, upper))
    applicability = ()
    if rng.random() < 0.5:
        a = float(rng.uniform(0, DAY_S))
        b = float(rng.uniform(a + 1, DAY_S + 600))
        applicability = (
            Applicability(
                permanent=False,
                start=EPOCH + timedelta(seconds=a),
                end=EPOCH + timedelta(seconds=b),
            ),
        )
    return Zone(ident, Restriction.PROHIBITED, tuple(volumes), applicability=applicability)


@st.composite
def zones_st(draw, max_zones=12):
    """Random airspace; geometry comes from a drawn seed so that examples are cheap to make."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return [_random_zone(rng, f"Z{i}") for i in range(draw(st.integers(1, max_zones)))]


@st.composite
def routes_st(draw):
    n = draw(st.integers(2, 6))
    xy = draw(
        st.lists(
            st.tuples(
                st.floats(-1.5 * SPAN_M, 1.5 * SPAN_M), st.floats(-1.5 * SPAN_M, 1.5 * SPAN_M)
            ),
            min_size=n,
            max_size=n,
        )
    )
    z = draw(st.lists(st.floats(0, 160), min_size=n, max_size=n))
    dts = draw(st.lists(st.floats(1.0, 400.0), min_size=n - 1, max_size=n - 1))
    t = np.concatenate([[draw(st.floats(0, 600))], np.cumsum(dts)])
    t[1:] += t[0]
    if draw(st.booleans()):  # a vertical leg
        xy[1] = xy[0]
    return route([[x, y, zz, tt] for (x, y), zz, tt in zip(xy, z, t, strict=True)])


def _active_brute(zone: Zone, t_s: np.ndarray) -> np.ndarray:
    if not zone.applicability:
        return np.ones_like(t_s, dtype=bool)
    a = zone.applicability[0]
    lo, hi = (a.start - EPOCH).total_seconds(), (a.end - EPOCH).total_seconds()
    return (t_s >= lo) & (t_s < hi)


def _brute_volumes(zones):
    """Every volume projected independently of ZoneIndex: (zone, index, polygon_xy, lo, hi)."""
    return [
        (z, vi, PROJ.geometry_to_xy(v.polygon), *v.band_agl_m(QINGDAO))
        for z in zones
        for vi, v in enumerate(z.volumes)
    ]


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(zones_st(), routes_st())
def test_along_route_matches_dense_sampling(zones, traj):
    index = ZoneIndex(zones, QINGDAO)
    got = seconds(index.along_route(traj, EPOCH))
    x, y = PROJ.to_xy(traj[:, 0], traj[:, 1])
    ts = np.unique(np.concatenate([np.linspace(traj[0, 3], traj[-1, 3], 4000), traj[:, 3]]))
    xs, ys, zs = (np.interp(ts, traj[:, 3], c) for c in (x, y, traj[:, 2]))
    tol_s = 1e-4
    # Reported times are rounded to the microsecond: allow the distance flown in 2 us.
    speed_mps = np.hypot(np.diff(x), np.diff(y)) / np.maximum(np.diff(traj[:, 3]), 1e-9)
    tol_m = 1e-6 + 2e-6 * float(speed_mps.max())
    climb_mps = np.abs(np.diff(traj[:, 2])) / np.maximum(np.diff(traj[:, 3]), 1e-9)
    tol_z = 1e-6 + 2e-6 * float(climb_mps.max())
    for zone, vi, poly, lo, hi in _brute_volumes(zones):
        inside = (
            shapely.intersects_xy(poly, xs, ys) & (zs >= lo) & (zs <= hi) & _active_brute(zone, ts)
        )
        intervals = got.get((zone.identifier, vi), [])
        covered = np.zeros_like(inside)
        for a, b in intervals:
            assert a <= b
            covered |= (ts >= a - tol_s) & (ts <= b + tol_s)
            # Every reported instant is really inside (allowing float rounding at edges).
            probe = np.linspace(a, b, 7)
            px, py, pz = (np.interp(probe, traj[:, 3], c) for c in (x, y, traj[:, 2]))
            dist = shapely.distance(poly, shapely.points(px, py))
            assert np.all(dist <= tol_m), (zone.identifier, vi, a, b, dist)
            assert np.all((pz >= lo - tol_z) & (pz <= hi + tol_z))
            mid = np.array([(a + b) / 2])
            assert _active_brute(zone, mid)[0] or b - a < 1e-3
        missed = inside & ~covered
        assert not missed.any(), (zone.identifier, vi, ts[missed][:5], intervals)


@PROPERTY
@given(
    zones_st(),
    st.floats(-1.5 * SPAN_M, 1.5 * SPAN_M),
    st.floats(-1.5 * SPAN_M, 1.5 * SPAN_M),
    st.floats(-10, 170),
    st.floats(0, DAY_S + 900),
)
def test_at_point_matches_every_zone_without_index(zones, x, y, alt, t_s):
    index = ZoneIndex(zones, QINGDAO)
    at = EPOCH + timedelta(seconds=t_s)
    got = {(h.zone.identifier, h.volume_index) for h in index.at_point(*lonlat(x, y), alt, at)}
    lon, lat = lonlat(x, y)
    px, py = PROJ.to_xy([lon], [lat])
    t_exact = np.array([(at - EPOCH).total_seconds()])
    want = {
        (zone.identifier, vi)
        for zone, vi, poly, lo, hi in _brute_volumes(zones)
        if shapely.intersects_xy(poly, px[0], py[0])
        and lo <= alt <= hi
        and _active_brute(zone, t_exact)[0]
    }
    assert got == want


@PROPERTY
@given(
    zones_st(),
    st.floats(-1.5 * SPAN_M, 1.5 * SPAN_M),
    st.floats(-1.5 * SPAN_M, 1.5 * SPAN_M),
    st.floats(10, 800),
    st.floats(0, 120),
    st.floats(0, 60),
    st.floats(0, DAY_S),
    st.floats(0, 900),
)
def test_over_area_matches_every_zone_without_index(zones, x, y, half_m, lower, thick, t0_s, dur_s):
    index = ZoneIndex(zones, QINGDAO)
    area_xy = box(x - half_m, y - half_m, x + half_m, y + half_m)
    area = lonlat_polygon(area_xy)
    start, end = EPOCH + timedelta(seconds=t0_s), EPOCH + timedelta(seconds=t0_s + dur_s)
    got = {
        (h.zone.identifier, h.volume_index)
        for h in index.over_area(area, lower, lower + thick, start, end)
    }
    projected = PROJ.geometry_to_xy(area)
    s0, s1 = (start - EPOCH).total_seconds(), (end - EPOCH).total_seconds()

    def active_in_window(zone):
        if not zone.applicability:
            return True
        a = zone.applicability[0]
        return (a.start - EPOCH).total_seconds() <= s1 and (a.end - EPOCH).total_seconds() > s0

    want = {
        (zone.identifier, vi)
        for zone, vi, poly, lo, hi in _brute_volumes(zones)
        if shapely.intersects(poly, projected)
        and lo <= lower + thick
        and lower <= hi
        and active_in_window(zone)
    }
    assert got == want
    for i in index.candidates_xy(projected):
        assert 0 <= i < len(index.volumes)
    exact = {i for i, v in enumerate(index.volumes) if shapely.intersects(v.polygon_xy, projected)}
    assert exact <= set(index.candidates_xy(projected).tolist())
