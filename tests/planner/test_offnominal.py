"""The off-nominal volume's shape: everything within the radius of the path, little more."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from planner.offnominal import owner_flight, stadium_xy, volume_id

coord = st.floats(-5000, 5000)
speed = st.floats(-30, 30)


@settings(max_examples=200, deadline=None)
@given(
    coord,
    coord,
    st.floats(0, 300),
    speed,
    speed,
    st.floats(-5, 5),
    st.floats(1, 600),
    st.floats(5, 500),
    st.floats(1, 50),
    st.floats(0, 2 * math.pi),
    st.floats(0, 1),
    st.floats(0, 1.2),
)
def test_the_stadium_holds_the_extrapolated_path(
    x, y, z, vx, vy, vz, horizon_s, radius_m, vertical_m, angle, along, off
):
    v = stadium_xy(
        (x, y, z), (vx, vy, vz), horizon_s=horizon_s, radius_m=radius_m, vertical_m=vertical_m
    )
    path = LineString([(x, y), (x + vx * horizon_s, y + vy * horizon_s + 1e-9)])
    # a point at distance `off * radius_m` from a point of the path (slow twin: shapely distance)
    on = path.interpolate(along, normalized=True)
    p = Point(on.x + off * radius_m * math.cos(angle), on.y + off * radius_m * math.sin(angle))
    d = path.distance(p)
    if d <= radius_m * (1 - 1e-9):
        assert v.polygon_xy.covers(p)
    elif d >= radius_m * 1.01:
        assert not v.polygon_xy.covers(p)
    z1 = z + vz * horizon_s
    assert v.upper_m == max(z, z1) + vertical_m
    assert v.lower_m == max(0.0, min(z, z1) - vertical_m)


def test_ids_name_the_flight():
    assert owner_flight(volume_id("F-9")) == "F-9"
    assert owner_flight("TFR-OFFNOM-1") is None
