"""Terrain models: a GeoTIFF DEM in any CRS, sampled bilinearly under lon/lat points; flat
ground without one; the shipped Qingdao model is small, labelled illustrative, and peaks on
Laoshan."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import box

import airspace.terrain
from airspace.deployment import QINGDAO
from airspace.terrain import (
    QINGDAO_ILLUSTRATIVE_TIF,
    Terrain,
    TerrainError,
    read_terrain,
    terrain_for,
)
from airspace.zones import VerticalReference, ZoneVolume


def write_tif(path, grid, *, west, north, cell, crs="EPSG:4326", nodata=None, tags=None):
    """A one-band GeoTIFF with its first row at ``north``."""
    grid = np.asarray(grid, dtype=np.float32)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=grid.shape[1],
        height=grid.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(cell, 0.0, west, 0.0, -cell, north),
        nodata=nodata,
    ) as ds:
        ds.write(grid, 1)
        if tags:
            ds.update_tags(**tags)
    return path


def naive_ground(grid, west, north, cell, x, y, outside):
    """Slow twin: bilinear between cell centres, one point at a time, plain loops."""
    rows, cols = len(grid), len(grid[0])
    out = []
    for px, py in zip(x, y, strict=True):
        c = (px - west) / cell - 0.5
        r = (north - py) / cell - 0.5
        if c < -0.5 or c > cols - 0.5 or r < -0.5 or r > rows - 0.5:
            out.append(outside)
            continue
        c = min(max(c, 0.0), cols - 1.0)
        r = min(max(r, 0.0), rows - 1.0)
        c0 = min(int(math.floor(c)), max(cols - 2, 0))
        r0 = min(int(math.floor(r)), max(rows - 2, 0))
        c1 = min(c0 + 1, cols - 1)
        r1 = min(r0 + 1, rows - 1)
        fc, fr = c - c0, r - r0
        v = 0.0
        for rr, wr in ((r0, 1 - fr), (r1, fr)):
            for cc, wc in ((c0, 1 - fc), (c1, fc)):
                v += grid[rr][cc] * wr * wc
        out.append(v if math.isfinite(v) else outside)
    return out


def test_module_examples_run():
    assert doctest.testmod(airspace.terrain).failed == 0


def test_flat_without_a_dem():
    t = terrain_for(QINGDAO)
    assert t.flat and not t.illustrative
    assert t.ground_lonlat_m(np.array([120.62]), np.array([36.17])).tolist() == [0.0]
    assert terrain_for(QINGDAO.with_(ground_elevation_m=540.0)).ground_range_m(
        box(120.3, 36.0, 120.4, 36.1)
    ) == (540.0, 540.0)


def test_cell_centres_read_their_value_and_between_is_linear(tmp_path):
    grid = [[0.0, 100.0], [200.0, 300.0]]
    t = read_terrain(write_tif(tmp_path / "g.tif", grid, west=120.0, north=36.2, cell=0.1))
    lon = np.array([120.05, 120.15, 120.05, 120.10, 120.10, 120.0, 121.0])
    lat = np.array([36.15, 36.15, 36.05, 36.15, 36.10, 36.2, 36.1])
    got = t.ground_lonlat_m(lon, lat)
    # centres; halfway along the top row; the middle of four; the outer corner (edge value);
    # outside the raster: flat 0
    assert got.round(6).tolist() == [0.0, 100.0, 200.0, 50.0, 150.0, 0.0, 0.0]


def test_nodata_and_outside_fall_back_to_the_flat_ground(tmp_path):
    grid = [[-9999.0, 10.0, 10.0], [10.0, 10.0, 10.0]]
    path = write_tif(tmp_path / "n.tif", grid, west=0.0, north=2.0, cell=1.0, nodata=-9999.0)
    t = read_terrain(path, outside_m=7.0)
    got = t.ground_lonlat_m(np.array([0.5, 2.5, 1.8, 9.0]), np.array([1.5, 0.5, 0.8, 9.0]))
    assert got.tolist() == [7.0, 10.0, 10.0, 7.0]


def test_a_projected_dem_is_sampled_where_the_lonlat_point_lies(tmp_path):
    # A UTM 51N raster whose cell values are their own easting / 1000: the sampled value
    # names the easting pyproj gives for the lon/lat point.
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
    e0, n0 = to_utm.transform(120.30, 36.20)
    cell = 100.0
    cols = np.arange(200)
    grid = np.tile((e0 + (cols + 0.5) * cell) / 1000.0, (200, 1))
    t = read_terrain(
        write_tif(tmp_path / "u.tif", grid, west=e0, north=n0, cell=cell, crs="EPSG:32651")
    )
    lon, lat = np.array([120.35, 120.41]), np.array([36.15, 36.12])
    e, _ = to_utm.transform(lon, lat)
    assert np.allclose(t.ground_lonlat_m(lon, lat), np.asarray(e) / 1000.0, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-50, 2000, allow_nan=False), min_size=1, max_size=5),
        min_size=1,
        max_size=5,
    ).filter(lambda g: len({len(r) for r in g}) == 1),
    st.lists(st.tuples(st.floats(-0.2, 0.7), st.floats(-0.2, 0.7)), min_size=1, max_size=20),
)
def test_vectorised_sampler_matches_its_slow_twin(grid, points):
    west, north, cell = 0.0, 0.5, 0.1
    t = Terrain(
        np.array(grid), Affine(cell, 0.0, west, 0.0, -cell, north), "EPSG:4326", outside_m=-1.0
    )
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    want = naive_ground(grid, west, north, cell, x, y, -1.0)
    assert np.allclose(t.ground_native_m(x, y), want, rtol=1e-9, atol=1e-9)


def test_a_raster_without_crs_or_a_missing_file_is_refused(tmp_path):
    with pytest.raises(TerrainError, match="cannot read"):
        read_terrain(tmp_path / "absent.tif")
    p = tmp_path / "nocrs.tif"
    with (
        pytest.warns(rasterio.errors.NotGeoreferencedWarning),
        rasterio.open(p, "w", driver="GTiff", width=1, height=1, count=1, dtype="float32") as ds,
    ):
        ds.write(np.zeros((1, 1), dtype=np.float32), 1)
    with (
        pytest.warns(rasterio.errors.NotGeoreferencedWarning),
        pytest.raises(TerrainError, match="no CRS"),
    ):
        read_terrain(p)


def test_amsl_zone_limits_widen_over_uneven_ground(tmp_path):
    # ground 0 m in the west half, 100 m in the east half of the zone
    grid = [[0.0, 0.0, 100.0, 100.0]] * 4
    path = write_tif(tmp_path / "z.tif", grid, west=120.0, north=36.4, cell=0.1)
    vol = ZoneVolume(
        box(120.0, 36.0, 120.4, 36.4),
        150.0,
        300.0,
        VerticalReference.AMSL,
        VerticalReference.AMSL,
    )
    assert vol.band_agl_m(QINGDAO) == (150.0, 300.0)  # flat sea-level ground
    # 150 m AMSL is 50 m above the high half; 300 m AMSL is 300 m above the low half
    assert vol.band_agl_m(QINGDAO.with_(terrain=str(path))) == (50.0, 300.0)
    agl = ZoneVolume(box(120.0, 36.0, 120.4, 36.4), 0.0, 120.0)
    assert agl.band_agl_m(QINGDAO.with_(terrain=str(path))) == (0.0, 120.0)


def test_the_shipped_qingdao_terrain_is_small_illustrative_and_peaks_on_laoshan():
    assert QINGDAO_ILLUSTRATIVE_TIF.stat().st_size <= 200_000
    t = read_terrain(QINGDAO_ILLUSTRATIVE_TIF)
    assert t.illustrative
    assert t.highest_m == 1132.0
    peak = t.ground_lonlat_m(np.array([120.62]), np.array([36.17]))
    assert peak.tolist() == [1132.0]
    # the city and the sea are at sea level: the samples' flights keep their flat ground
    city = t.ground_lonlat_m(np.array([120.38, 120.42, 120.50]), np.array([36.07, 36.09, 36.10]))
    assert city.tolist() == [0.0, 0.0, 0.0]
