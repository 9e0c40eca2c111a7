"""Projection properties: lon/lat round trips, distances kept in metres, clear errors for bad
coordinates (NaN, swapped axes, outside the CRS's area of use)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from airspace.deployment import QINGDAO, local_deployment
from airspace.errors import CoordinateError
from airspace.projection import Projection

GEOD = Geod(ellps="WGS84")

qingdao_lon = st.floats(119.3, 121.3)
qingdao_lat = st.floats(35.3, 37.2)


def _offset(lon: float, lat: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, bearing_deg, distance_m)
    return lon2, lat2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(qingdao_lon, qingdao_lat), min_size=1, max_size=20))
def test_qingdao_round_trip_within_a_nanodegree(points):
    p = Projection.for_deployment(QINGDAO)
    lon, lat = np.array(points).T
    x, y = p.to_xy(lon, lat)
    lon2, lat2 = p.to_lonlat(x, y)
    np.testing.assert_allclose(lon2, lon, rtol=0, atol=1e-9)
    np.testing.assert_allclose(lat2, lat, rtol=0, atol=1e-9)


def test_qingdao_uses_gauss_kruger_cm_120():
    p = Projection.for_deployment(QINGDAO)
    x, y = p.to_xy([120.0], [36.0])
    # EPSG:4549 has a 500 km false easting on the 120°E central meridian and no false northing.
    assert x[0] == pytest.approx(500_000.0, abs=1e-6)
    assert 3_980_000 < y[0] < 3_990_000


@settings(max_examples=150, deadline=None)
@given(
    qingdao_lon,
    qingdao_lat,
    st.floats(0, 360),
    st.floats(10.0, 30_000.0),
)
def test_qingdao_distances_within_a_tenth_of_a_percent(lon, lat, bearing, distance_m):
    p = Projection.for_deployment(QINGDAO)
    lon2, lat2 = _offset(lon, lat, bearing, distance_m)
    x, y = p.to_xy([lon, lon2], [lat, lat2])
    planar_m = math.hypot(x[1] - x[0], y[1] - y[0])
    assert planar_m == pytest.approx(distance_m, rel=1e-3)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(-179.0, 179.0),
    st.floats(-80.0, 80.0),
    st.lists(st.tuples(st.floats(0, 360), st.floats(0.0, 30_000.0)), min_size=1, max_size=10),
)
@example(0.0, 73.0, [(45.0, 30_000.0), (300.0, 29_000.0)])  # where 1e-9 degrees was exceeded
@example(0.0, 80.0, [(90.0, 30_000.0)])
@example(-70.76633936950077, 1.4015323474739709e-09, [(359.0, 0.0)])  # PROJ's equator snap
def test_local_projection_round_trip_anywhere(centre_lon, centre_lat, offsets):
    p = Projection.for_deployment(local_deployment(centre_lon, centre_lat))
    pts = [_offset(centre_lon, centre_lat, b, d) for b, d in offsets]
    lon, lat = np.array(pts).T
    x, y = p.to_xy(lon, lat)
    lon2, lat2 = p.to_lonlat(x, y)
    # Compared in metres on the ground (0.1 mm), not in degrees: near the poles a degree of
    # longitude is short, and PROJ's round trip there can differ by 1e-9 degrees (3e-5 m).
    # PROJ's aeqd inverse returns the centre itself for any point within a * 1e-10 (0.64 mm)
    # of it (and takes |lat_0| < 1e-10 rad for the equator), so points that close to the
    # centre come back within a millimetre.
    dlon = (lon2 - lon + 180.0) % 360.0 - 180.0
    east_m = np.radians(dlon) * 6_378_137.0 * np.cos(np.radians(lat))
    north_m = np.radians(lat2 - lat) * 6_378_137.0
    tol_m = np.where(np.array([d for _, d in offsets]) < 1e-3, 1e-3, 1e-4)
    assert (np.abs(east_m) <= tol_m).all(), (east_m, tol_m)
    assert (np.abs(north_m) <= tol_m).all(), (north_m, tol_m)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(-179.0, 179.0),
    st.floats(-75.0, 75.0),
    st.floats(0, 360),
    st.floats(0, 15_000.0),
    st.floats(0, 360),
    st.floats(100.0, 30_000.0),
)
def test_local_projection_keeps_distances(centre_lon, centre_lat, b1, d1, b2, d2):
    p = Projection.for_deployment(local_deployment(centre_lon, centre_lat))
    lon1, lat1 = _offset(centre_lon, centre_lat, b1, d1)
    lon2, lat2 = _offset(lon1, lat1, b2, d2)
    _, _, true_m = GEOD.inv(lon1, lat1, lon2, lat2)
    x, y = p.to_xy([lon1, lon2], [lat1, lat2])
    assert math.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(true_m, rel=1e-3)


def test_local_projection_is_centred():
    p = Projection.for_deployment(local_deployment(7.44, 46.95))
    x, y = p.to_xy([7.44], [46.95])
    assert abs(x[0]) < 1e-6 and abs(y[0]) < 1e-6


def test_swapped_axes_are_named():
    p = Projection.for_deployment(QINGDAO)
    with pytest.raises(CoordinateError, match=r"\[longitude, latitude\]"):
        p.to_xy([36.07], [120.38])


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(math.nan, 36.0), (120.0, math.nan), (math.inf, 36.0), (120.0, -math.inf)],
)
def test_nan_and_inf_are_rejected(lon, lat):
    p = Projection.for_deployment(QINGDAO)
    with pytest.raises(CoordinateError, match="finite"):
        p.to_xy([lon], [lat])


def test_nan_in_projected_coordinates_is_rejected():
    p = Projection.for_deployment(QINGDAO)
    with pytest.raises(CoordinateError, match="finite"):
        p.to_lonlat([math.nan], [4_000_000.0])


def test_position_outside_the_crs_area_is_rejected():
    p = Projection.for_deployment(QINGDAO)
    with pytest.raises(CoordinateError, match="area of use"):
        p.to_xy([7.44], [46.95])


def test_longitude_out_of_range():
    p = Projection.for_deployment(local_deployment(0.0, 0.0))
    with pytest.raises(CoordinateError, match="longitude"):
        p.to_xy([190.0], [10.0])
