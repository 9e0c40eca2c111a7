"""The conformance kernels against their slow twins (tests/naive_conformance.py) on random
routes, areas and positions."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from planner.conformance_kernels import area_deviation, route_deviation
from planner.trajectory import AreaOp, Trajectory4D
from tests import naive_conformance as naive

coord = st.floats(-400, 400, allow_nan=False)
alt = st.floats(0, 120, allow_nan=False)
step_s = st.floats(0, 80, allow_nan=False)


@st.composite
def routes(draw):
    n = draw(st.integers(2, 5))
    rows, t = [], 0.0
    for _ in range(n):
        if rows and draw(st.booleans()):  # climbs, descents and hovers in place
            x, y = rows[-1][0], rows[-1][1]
        else:
            x, y = draw(coord), draw(coord)
        rows.append([x, y, draw(alt), t])
        t += draw(step_s)
    return np.array(rows)


@st.composite
def positions(draw):
    return (draw(coord), draw(coord), draw(alt), draw(st.floats(-50, 400, allow_nan=False)))


WIDEN = 1.0  # metres: wider than the twin's sampling step times any slope drawn here
TOL = 0.5  # metres or seconds


def _kernel(pos, xyzt, L, V):
    seg = Trajectory4D(xyzt).segments
    a = [np.array([v]) for v in pos]
    out = route_deviation(*a, np.zeros(1, np.int64), seg, np.array([0, len(seg)]), L, V)
    return tuple(float(o[0]) for o in out)


@settings(max_examples=300, deadline=None)
@given(routes(), positions(), st.floats(1, 100), st.floats(1, 50))
def test_route_deviation_matches_sampled_twin(xyzt, pos, L, V):
    lat, ver, tim = _kernel(pos, xyzt, L, V)
    lat_n, _, _ = naive.route_deviation(pos, xyzt, L, V)
    assert math.isclose(lat, lat_n, abs_tol=1e-6)
    # The exact minimum is no larger than any sample that meets the bounds (narrowed twin),
    # and no smaller than the best sample of slightly wider bounds minus one step.
    _, ver_in, tim_in = naive.route_deviation(pos, xyzt, L - 1e-6, V - 1e-6)
    _, ver_out, tim_out = naive.route_deviation(pos, xyzt, L + WIDEN, V + WIDEN)
    assert ver <= ver_in + 1e-6
    assert ver_out <= ver + TOL
    if not math.isnan(tim_in):
        assert not math.isnan(tim) and abs(tim) <= abs(tim_in) + 1e-6
    if not math.isnan(tim):
        assert not math.isnan(tim_out) and abs(tim_out) <= abs(tim) + TOL
    if math.isinf(ver):
        assert lat > L - 1e-9


def test_route_deviation_names_the_leg_the_schedule_says():
    """Out and back on the same line: the time error is measured against the right leg."""
    xyzt = np.array([[0, 0, 50, 0], [1000, 0, 50, 100], [0, 0, 50, 200.0]])
    lat, ver, tim = _kernel((300.0, 5.0, 50.0, 170.0), xyzt, 20, 10)
    assert (lat, ver) == (5.0, 0.0) and math.isclose(tim, 0.0, abs_tol=1e-9)
    _, _, late = _kernel((300.0, 0.0, 50.0, 100.0), xyzt, 20, 10)
    # 20 m short of x = 300 on the way out is planned at t = 32 s: 68 s late (the way back
    # would be 68 s early; the first leg wins the tie)
    assert math.isclose(late, 68.0, abs_tol=1e-9)


@st.composite
def areas(draw):
    x0, y0 = draw(coord), draw(coord)
    w, h = draw(st.floats(10, 300)), draw(st.floats(10, 300))
    shell = [(x0, y0), (x0 + w, y0), (x0 + w / 2, y0 + h), (x0, y0 + h / 2)]
    holes = []
    if draw(st.booleans()):
        cx, cy = x0 + w / 2, y0 + h / 2
        holes = [[(cx - w / 8, cy - h / 8), (cx + w / 8, cy - h / 8), (cx, cy + h / 8)]]
    lo = draw(alt)
    t0 = draw(st.floats(0, 100))
    return Polygon(shell, holes), (lo, lo + draw(st.floats(0, 60))), (t0, t0 + draw(step_s))


@settings(max_examples=300, deadline=None)
@given(areas(), positions())
def test_area_deviation_matches_shapely(area, pos):
    poly, band, window = area
    op = AreaOp.from_polygon(poly, *band, *window)
    a = [np.array([v]) for v in pos]
    out = area_deviation(
        *a,
        np.zeros(1, np.int64),
        op.ring_xy,
        op.ring_start,
        np.array([0, len(op.ring_start) - 1]),
        np.array([band]),
        np.array([window]),
    )
    got = tuple(float(o[0]) for o in out)
    want = naive.area_deviation(pos, poly, band, window)
    assert math.isclose(got[0], want[0], abs_tol=1e-6)
    assert got[1:] == want[1:]


def test_positions_without_a_plan_get_nan():
    a = [np.array([1.0, 2.0]) for _ in range(4)]
    seg = Trajectory4D(np.array([[0, 0, 0, 0], [10, 0, 0, 10.0]])).segments
    out = route_deviation(*a, np.array([-1, 0]), seg, np.array([0, 1]), 5.0, 5.0)
    assert np.isnan(out[0][0]) and not np.isnan(out[0][1])
