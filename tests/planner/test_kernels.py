"""The numba kernels against their slow twins in tests/naive.py, on random and degenerate inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon

from planner.kernels import (
    SEPARATION_MARGIN_M,
    earliest_free_delay,
    route_route_intervals,
    route_route_intervals_since,
    route_volume_intervals,
    segment_pair_delay_interval,
    segment_polygon_times,
)
from planner.kernels.route_route import track_reach_m, tracks_apart
from planner.trajectory import _rings
from tests import naive

coord = st.floats(-200, 200, allow_nan=False).map(lambda v: round(v, 3))
alt = st.floats(0, 120, allow_nan=False).map(lambda v: round(v, 3))
time0 = st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 3))
dur = st.one_of(st.just(0.0), st.floats(0.5, 80, allow_nan=False).map(lambda v: round(v, 3)))


@st.composite
def segment(draw) -> np.ndarray:
    """A segment, sometimes degenerate: hovering, vertical, zero duration, level."""
    x0, y0, z0, t0, d = draw(coord), draw(coord), draw(alt), draw(time0), draw(dur)
    kind = draw(st.sampled_from(["free", "hover", "vertical", "level"]))
    x1, y1, z1 = draw(coord), draw(coord), draw(alt)
    if kind == "hover":
        x1, y1, z1 = x0, y0, z0
    elif kind == "vertical":
        x1, y1 = x0, y0
    elif kind == "level":
        z1 = z0
    if d == 0.0:
        x1, y1, z1 = x0, y0, z0
    return np.array([x0, y0, z0, t0, x1, y1, z1, t0 + d])


@st.composite
def segment_pair(draw) -> tuple[np.ndarray, np.ndarray]:
    a = draw(segment())
    b = draw(segment())
    if draw(st.booleans()) and a[7] > a[3]:
        # same velocity (parallel motion), different start and duration
        va = (a[4:7] - a[0:3]) / (a[7] - a[3])
        tb = b[7] - b[3]
        b[4:7] = b[0:3] + va * tb
    return a, b


sep_h = st.sampled_from([0.01, 5.0, 30.0, 50.0])
sep_v = st.sampled_from([0.01, 10.0, 20.0])


def kernel_interval(a, b, sh, sv):
    lo, hi = segment_pair_delay_interval(
        a, b, sh - SEPARATION_MARGIN_M, sv - SEPARATION_MARGIN_M, np.empty((4, 16))
    )
    return None if lo != lo else (lo, hi)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segment_pair(), sep_h, sep_v)
def test_pair_interval_matches_the_scanning_twin(pair, sh, sv):
    a, b = pair
    got = kernel_interval(a, b, sh, sv)
    # the twin with the same shrunk minima has the same closure
    want = naive.pair_delay_interval(
        a, b, sh - SEPARATION_MARGIN_M, sv - SEPARATION_MARGIN_M, n=2001
    )
    span = (b[7] - a[3]) - (b[3] - a[7])
    step = span / 2000 if span > 0 else 0.0
    if want is None:
        if got is not None:
            # the scan may miss a sliver thinner than its step; then the kernel's interval must
            # be that thin and really conflicting in its middle
            assert got[1] - got[0] <= 2 * step + 1e-9
        return
    assert got is not None, f"twin found conflicts in {want}, kernel none"
    tol = 1e-5 * (1.0 + abs(want[0]) + abs(want[1]))
    assert got[0] == pytest.approx(
        want[0], abs=max(tol, 2 * step if want[0] == b[3] - a[7] else tol)
    )
    assert got[1] == pytest.approx(want[1], abs=tol)


@settings(max_examples=300, deadline=None)
@given(segment_pair(), sep_h, sep_v, st.floats(-200, 200))
def test_kernel_interval_agrees_with_exact_check_at_any_delay(pair, sh, sv, delay):
    a, b = pair
    got = kernel_interval(a, b, sh, sv)
    exact = naive.segments_conflict(a, b, delay, sh, sv)
    if got is None:
        # allow only a conflict within the margin (a graze thinner than 1 µm)
        assert not exact or not naive.segments_conflict(a, b, delay, sh - 2e-6, sv - 2e-6)
        return
    lo, hi = got
    pad = 1e-6 * (1 + abs(delay))
    if delay < lo - pad or delay > hi + pad:
        assert not exact
    if lo + pad < delay < hi - pad:
        assert naive.segments_conflict(a, b, delay, sh, sv)


def test_layers_exactly_sv_apart_never_conflict():
    a = np.array([0, 0, 60, 0, 1000, 0, 60, 100.0])
    b = np.array([0, 0, 80, 0, 1000, 0, 80, 100.0])
    assert kernel_interval(a, b, 50, 20) is None
    b_close = b.copy()
    b_close[[2, 6]] = 79.99
    assert kernel_interval(a, b_close, 50, 20) is not None


def test_head_on_flights_forbid_the_delays_that_meet_them():
    # A flies east 0 -> 1000 m over [0, 100] s; B flies west over the same line and time.
    a = np.array([0, 0, 60, 0, 1000, 0, 60, 100.0])
    b = np.array([1000, 0, 60, 0, 0, 0, 60, 100.0])
    lo, hi = kernel_interval(a, b, 50, 20)
    # they meet for any delay in (-100, 100), plus 50 m / 20 m/s closing = 2.5 s either side
    assert lo == pytest.approx(-100.0, abs=1e-6)
    assert hi == pytest.approx(100.0, abs=1e-6)


def test_same_path_same_speed_needs_the_separation_over_speed():
    a = np.array([0, 0, 60, 0, 1000, 0, 60, 100.0])
    lo, hi = kernel_interval(a, a.copy(), 50, 20)
    assert lo == pytest.approx(-5.0, abs=1e-6)
    assert hi == pytest.approx(5.0, abs=1e-6)


def test_hover_against_a_passing_flight():
    hover = np.array([500, 30, 60, 0, 500, 30, 60, 60.0])
    passing = np.array([0, 0, 60, 0, 1000, 0, 60, 100.0])
    got = kernel_interval(hover, passing, 50, 20)
    want = naive.pair_delay_interval(hover, passing, 50 - 1e-6, 20 - 1e-6)
    assert got == pytest.approx(want, abs=1e-6)


def test_vertical_climb_through_a_level_flight():
    climb = np.array([500, 0, 0, 0, 500, 0, 120, 40.0])
    level = np.array([0, 0, 60, 0, 1000, 0, 60, 100.0])
    got = kernel_interval(climb, level, 50, 20)
    want = naive.pair_delay_interval(climb, level, 50 - 1e-6, 20 - 1e-6)
    assert got == pytest.approx(want, abs=1e-6)


def test_route_intervals_skip_pairs_that_cannot_meet_in_the_window():
    new = np.array([[0, 0, 60, 0], [1000, 0, 60, 100.0]])
    far_in_time = np.array([[0, 0, 60, 5000, 1000, 0, 60, 5100.0]])
    lo, hi, owner = route_route_intervals(new, far_in_time, np.array([7]), 0.0, 600.0, 50.0, 20.0)
    assert lo.size == 0
    lo, hi, owner = route_route_intervals(new, far_in_time, np.array([7]), 0.0, 6000.0, 50.0, 20.0)
    assert owner.tolist() == [7]
    assert lo[0] == pytest.approx(4995.0, abs=1e-4)


@st.composite
def dense_routes(draw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A new route and many accepted segments packed into a few hundred metres and seconds."""
    n = draw(st.integers(2, 6))
    pts = [draw(segment())[:4] for _ in range(n)]
    ts = np.cumsum([0.0] + [draw(dur) for _ in range(n - 1)]) + pts[0][3]
    new = np.array([[p[0], p[1], p[2], t] for p, t in zip(pts, ts, strict=True)])
    m = draw(st.integers(0, 40))
    cand = np.array([draw(segment()) for _ in range(m)]).reshape(m, 8)
    owner = np.arange(m, dtype=np.int64) // 3
    return new, cand, owner


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense_routes(), sep_h, sep_v, st.floats(-150, 150), st.floats(0, 300))
def test_route_intervals_prefilter_keeps_every_interval_that_touches_the_window(
    routes, sh, sv, dmin, width
):
    """The broad phase inside route_route_intervals drops only pairs that cannot matter.

    Against the unfiltered twin (every pair through the same closed form): the kept
    intervals are the twin's, bit for bit and in the same order, and every interval the
    prefilter dropped lies entirely outside the delay window.
    """
    new, cand, owner = routes
    dmax = dmin + width
    shm, svm = sh - SEPARATION_MARGIN_M, sv - SEPARATION_MARGIN_M
    lo, hi, ow = route_route_intervals(
        np.ascontiguousarray(new), np.ascontiguousarray(cand), owner, dmin, dmax, shm, svm
    )

    def closed_form(a, b, s_h, s_v):
        d_lo, d_hi = segment_pair_delay_interval(a, b, s_h, s_v, np.empty((4, 16)))
        return None if d_lo != d_lo else (d_lo, d_hi)

    full = naive.route_route_intervals_unfiltered(new, cand, owner, shm, svm, closed_form)
    got = list(zip(lo.tolist(), hi.tolist(), ow.tolist(), strict=True))
    k = 0
    for _, _, f_lo, f_hi, f_owner in full:
        if k < len(got) and got[k] == (f_lo, f_hi, f_owner):
            k += 1
        else:
            assert f_hi < dmin or f_lo > dmax
    assert k == len(got)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense_routes(), sep_h, sep_v, st.floats(-150, 150), st.floats(0, 300), st.floats(0, 1))
def test_route_intervals_since_split_a_window_into_disjoint_pair_sets(
    routes, sh, sv, dmin, width, cut
):
    """Pairs passed for ``[dmin, done]`` plus those ``route_route_intervals_since`` adds up to
    ``dmax`` are exactly the pairs passed for ``[dmin, dmax]``, each once, with the same
    intervals bit for bit; ``n_exact`` counts the closed-form calls of the unfiltered twin's
    pairs the prefilter keeps."""
    new, cand, owner = routes
    new = np.ascontiguousarray(new)
    cand = np.ascontiguousarray(cand)
    dmax = dmin + width
    done = dmin + cut * width
    shm, svm = sh - SEPARATION_MARGIN_M, sv - SEPARATION_MARGIN_M
    whole = route_route_intervals_since(new, cand, owner, dmin, -np.inf, dmax, shm, svm)
    first = route_route_intervals_since(new, cand, owner, dmin, -np.inf, done, shm, svm)
    rest = route_route_intervals_since(new, cand, owner, dmin, done, dmax, shm, svm)
    plain = route_route_intervals(new, cand, owner, dmin, dmax, shm, svm)
    for a, b in zip(whole[:3], plain, strict=True):
        assert a.tolist() == b.tolist()

    def rows(r):
        return sorted(zip(r[0].tolist(), r[1].tolist(), r[2].tolist(), strict=True))

    assert rows(whole) == sorted(rows(first) + rows(rest))
    assert whole[3] == first[3] + rest[3]
    # the count: pairs of the unfiltered twin inside the prefilter's boxes, less some whose
    # ground tracks stay apart, never one whose tracks come within the minimum
    n = n_close = 0
    for i in range(new.shape[0] - 1):
        a = np.concatenate([new[i], new[i + 1]])
        for b in cand:
            if max(b[3], b[7]) < a[3] + dmin or b[3] > a[7] + dmax:
                continue
            if max(b[0], b[4]) < min(a[0], a[4]) - shm or min(b[0], b[4]) > max(a[0], a[4]) + shm:
                continue
            if max(b[1], b[5]) < min(a[1], a[5]) - shm or min(b[1], b[5]) > max(a[1], a[5]) + shm:
                continue
            if max(b[2], b[6]) < min(a[2], a[6]) - svm or min(b[2], b[6]) > max(a[2], a[6]) + svm:
                continue
            n += 1
            n_close += _track_distance_m(a, b) <= shm
    assert n_close <= whole[3] <= n


def _track_distance_m(a: np.ndarray, b: np.ndarray) -> float:
    """Ground distance of two segments' tracks, by shapely (the slow twin of tracks_apart)."""
    track_a = LineString([(a[0], a[1]), (a[4], a[5])])
    return track_a.distance(LineString([(b[0], b[1]), (b[4], b[5])]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segment_pair(), st.floats(0.0, 300.0))
def test_tracks_apart_only_when_shapely_says_they_stay_apart(pair, reach_m):
    """The prefilter that spares the closed form never drops a pair whose tracks come within
    reach (shapely's distance), and drops those clearly beyond it."""
    a, b = pair
    d = _track_distance_m(a, b)
    apart = tracks_apart(a, b, reach_m)
    if d == 0.0 or d <= reach_m - 1e-9:
        assert not apart
    parallel = (a[4] - a[0]) * (b[5] - b[1]) == (a[5] - a[1]) * (b[4] - b[0])
    if d > reach_m + 1e-6 and not parallel:
        assert apart


def test_tracks_that_cross_or_touch_are_never_apart():
    a = np.array([0, 0, 60, 0, 1000, 1000, 60, 100.0])
    b = np.array([0, 1000, 60, 0, 1000, 0, 60, 100.0])
    assert not tracks_apart(a, b, 1.0)
    # sharing an end point, whatever rounding does to the point-to-track distance
    a = np.array([0, 4, 0, 0, 1, 1.938, 0, 1.0])
    b = np.array([0, 5, 0, 0, 1, 1.938, 0, 1.0])
    assert not tracks_apart(a, b, 0.0)
    assert tracks_apart(a, b + np.array([2000, 0, 0, 0, 2000, 0, 0, 0]), 1.0)


def test_reach_covers_the_minimum_and_a_metre():
    a = np.array([0, 0, 60, 0, 1000, 0, 60, 100.0])
    assert 51.0 <= track_reach_m(a, a, 50.0) < 51.001


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-50, 50), st.floats(0, 30)), min_size=0, max_size=12),
    st.floats(-60, 0),
    st.floats(0.05, 2.0),
)
def test_sweep_matches_a_scan_of_the_grid(raw, earliest, quantum):
    lo = np.array([a for a, _ in raw], dtype=float)
    hi = lo + np.array([w for _, w in raw], dtype=float)
    latest = 40.0
    got = earliest_free_delay(lo, hi, earliest, latest, quantum)
    want = None
    k = 0
    while earliest + k * quantum <= latest:
        d = earliest + k * quantum
        if not np.any((lo <= d) & (d <= hi)):
            want = d
            break
        k += 1
    if want is None:
        assert got != got
    else:
        assert got == pytest.approx(want, abs=1e-9)


square = Polygon([(0, 0), (400, 0), (400, 400), (0, 400)])
donut = Polygon(
    [(-300, -300), (700, -300), (700, 700), (-300, 700)], [[(0, 0), (400, 0), (400, 400), (0, 400)]]
)
concave = Polygon([(0, 0), (600, 0), (600, 600), (300, 100), (0, 600)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segment(), st.sampled_from([square, donut, concave]), st.floats(0, 60), st.floats(60, 130))
def test_segment_polygon_times_match_sampling(seg, poly, lower, upper):
    seg = seg.copy()
    seg[[0, 4]] += 200
    seg[[1, 5]] += 200
    assume(seg[7] > seg[3])
    ring_xy, ring_start = _rings(poly)
    pieces = segment_polygon_times(seg, ring_xy, ring_start, lower, upper, 0.0, 0.0)
    xyzt = np.array([seg[:4], seg[4:]])
    t = np.linspace(seg[3], seg[7], 997)
    pos = np.column_stack([np.interp(t, xyzt[:, 3], xyzt[:, c]) for c in range(3)])
    slack_s = 1e-7
    # a sample within slack_s of a piece's end may lie this far outside the volume
    tol_m = 1e-6 + slack_s * np.linalg.norm(seg[4:7] - seg[:3]) / (seg[7] - seg[3])
    for ti, p in zip(t, pos, strict=True):
        inside = naive.point_in_polygon(poly, p[0], p[1]) and lower <= p[2] <= upper
        covered = any(a - slack_s <= ti <= b + slack_s for a, b in pieces)
        if inside and not covered:
            # only on the polygon boundary (touching) may the kernel differ
            assert (
                poly.exterior.distance(_pt(p)) < 1e-6
                or min(i.distance(_pt(p)) for i in poly.interiors) < 1e-6
            )
        if covered and not inside:
            assert (
                poly.boundary.distance(_pt(p)) < tol_m
                or abs(p[2] - lower) < tol_m
                or abs(p[2] - upper) < tol_m
            ), (ti, pieces)


def _pt(p):
    from shapely.geometry import Point

    return Point(p[0], p[1])


def test_route_volume_intervals_shift_with_the_active_window():
    ring_xy, ring_start = _rings(square)
    route = np.array(
        [[-500, 200, 60, 0], [900, 200, 60, 140.0]]
    )  # 10 m/s, in the square for t 50..90
    iv = route_volume_intervals(
        route, ring_xy, ring_start, 0.0, 100.0, np.array([[1000.0, 1200.0]]), 0.0, 0.0
    )
    assert iv.shape == (1, 2)
    # inside the square during [50 + d, 90 + d]; active [1000, 1200] -> d in [910, 1150]
    assert iv[0] == pytest.approx([910.0, 1150.0])
