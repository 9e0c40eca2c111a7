"""The ground under the sky: a terrain model (a GeoTIFF DEM read with rasterio) or flat ground.

True height is height above the terrain below (China's 2024 interim regulation, Art. 19-20):
the 120 m ceiling, the conversion of AMSL / WGS84 zone limits to heights above ground and the
true-height check of a route all ask "how high is the ground here?". Without a DEM the ground
is flat at the deployment's ``ground_elevation_m``, as before.

A DEM may be in any CRS: sample points arrive as lon/lat (or planner metres through the
deployment's :class:`~airspace.projection.Projection`) and are reprojected once per call with
pyproj into the raster's CRS. Elevations are read bilinearly between cell centres (the value
at a cell centre is the cell's value); points outside the raster or next to a ``nodata`` cell
get the flat ``outside_m`` (the deployment's ground elevation).

Examples
--------
>>> import numpy as np
>>> FlatTerrain(12.5).ground_lonlat_m(np.array([120.3]), np.array([36.1])).tolist()
[12.5]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer
from shapely import Polygon, contains_xy

from airspace.deployment import Deployment

QINGDAO_ILLUSTRATIVE_TIF = Path(__file__).parent / "data" / "qingdao-terrain-illustrative.tif"
"""The Qingdao demo's ILLUSTRATIVE terrain (a synthetic Laoshan massif, not survey data)."""

NAMED_TERRAINS = {"qingdao-illustrative": QINGDAO_ILLUSTRATIVE_TIF}
"""Terrain models known by name (scenario files and ``QINGKONG_TERRAIN`` may name them)."""

POLYGON_SAMPLES = 48
"""Grid points per side when the ground range under a zone polygon is sampled."""


class TerrainError(ValueError):
    """A terrain file cannot be used; the message names the file."""


@dataclass(frozen=True)
class FlatTerrain:
    """Flat ground at ``elevation_m`` above mean sea level (no DEM loaded)."""

    elevation_m: float = 0.0
    flat: bool = field(default=True, init=False)
    illustrative: bool = field(default=False, init=False)
    source: str = field(default="flat", init=False)

    def ground_lonlat_m(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Ground elevation (m AMSL) under each lon/lat point: the constant."""
        return np.full(np.shape(lon), float(self.elevation_m), dtype=np.float64)

    def ground_range_m(self, polygon: Polygon) -> tuple[float, float]:
        """Lowest and highest ground under a lon/lat polygon."""
        return float(self.elevation_m), float(self.elevation_m)


class Terrain:
    """A raster terrain model: elevations in metres above mean sea level on a regular grid.

    Parameters
    ----------
    elevation_m : ndarray, shape (rows, cols)
        Cell values; ``nan`` where unknown.
    transform : affine.Affine
        Cell (col, row) corner -> raster CRS coordinates, as rasterio gives it.
    crs : str or pyproj.CRS
        The raster's CRS.
    outside_m : float
        Ground elevation used outside the raster and beside unknown cells.
    source : str
        Where it came from (file path), for messages.
    illustrative : bool
        The model is made up for a demonstration (the GeoTIFF tag ``ILLUSTRATIVE=yes``).

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> t = Terrain(np.array([[0.0, 10.0], [20.0, 30.0]]),
    ...             Affine(0.1, 0, 120.0, 0, -0.1, 36.2), "EPSG:4326")
    >>> t.ground_lonlat_m(np.array([120.1, 120.05]), np.array([36.1, 36.15])).round(6).tolist()
    [15.0, 0.0]
    """

    flat = False

    def __init__(
        self,
        elevation_m: np.ndarray,
        transform: object,
        crs: str | CRS,
        *,
        outside_m: float = 0.0,
        source: str = "terrain",
        illustrative: bool = False,
    ) -> None:
        self.elevation_m = np.ascontiguousarray(elevation_m, dtype=np.float64)
        if self.elevation_m.ndim != 2 or min(self.elevation_m.shape) < 1:
            raise TerrainError(f"{source}: expected one band of at least 1 x 1 cells")
        self.transform = transform
        inv = ~transform  # type: ignore[operator]
        self._inverse = (inv.a, inv.b, inv.c, inv.d, inv.e, inv.f)
        self.crs = CRS.from_user_input(crs)
        self.outside_m = float(outside_m)
        self.source = source
        self.illustrative = illustrative
        self._from_lonlat = (
            None
            if self.crs.equals(CRS.from_epsg(4326), ignore_axis_order=True)
            else Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        )

    def ground_lonlat_m(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Ground elevation (m AMSL) under each lon/lat point, bilinear between cell centres."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        if self._from_lonlat is None:  # a lon/lat raster: no reprojection
            return self.ground_native_m(lon, lat)
        x, y = self._from_lonlat.transform(lon, lat)
        return self.ground_native_m(np.asarray(x), np.asarray(y))

    def ground_native_m(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Ground elevation under points given in the raster's own CRS."""
        a, b, c, d, e, f = self._inverse
        col = a * x + b * y + (c - 0.5)
        row = d * x + e * y + (f - 0.5)
        return _bilinear(self.elevation_m, col, row, self.outside_m)

    def ground_range_m(self, polygon: Polygon) -> tuple[float, float]:
        """Lowest and highest ground under a lon/lat polygon: its vertices and a grid of
        ``POLYGON_SAMPLES`` x ``POLYGON_SAMPLES`` points inside it."""
        lon0, lat0, lon1, lat1 = polygon.bounds
        gx, gy = np.meshgrid(
            np.linspace(lon0, lon1, POLYGON_SAMPLES), np.linspace(lat0, lat1, POLYGON_SAMPLES)
        )
        inside = contains_xy(polygon, gx.ravel(), gy.ravel())
        ring = np.asarray(polygon.exterior.coords, dtype=np.float64)
        lon = np.concatenate([gx.ravel()[inside], ring[:, 0]])
        lat = np.concatenate([gy.ravel()[inside], ring[:, 1]])
        g = self.ground_lonlat_m(lon, lat)
        return float(g.min()), float(g.max())

    @property
    def highest_m(self) -> float:
        """The highest known cell value."""
        return float(np.nanmax(self.elevation_m))


def _bilinear(grid: np.ndarray, col: np.ndarray, row: np.ndarray, outside: float) -> np.ndarray:
    """Bilinear interpolation at fractional cell-centre indices; ``outside`` beyond the grid
    (more than half a cell past the outer centres) and where a neighbour is unknown."""
    rows, cols = grid.shape
    inside = (col >= -0.5) & (col <= cols - 0.5) & (row >= -0.5) & (row <= rows - 0.5)
    c = np.clip(col, 0.0, cols - 1.0)
    r = np.clip(row, 0.0, rows - 1.0)
    c0 = np.minimum(np.floor(c).astype(np.intp), max(cols - 2, 0))
    r0 = np.minimum(np.floor(r).astype(np.intp), max(rows - 2, 0))
    c1 = np.minimum(c0 + 1, cols - 1)
    r1 = np.minimum(r0 + 1, rows - 1)
    fc = c - c0
    fr = r - r0
    top = grid[r0, c0] * (1.0 - fc) + grid[r0, c1] * fc
    bottom = grid[r1, c0] * (1.0 - fc) + grid[r1, c1] * fc
    out = top * (1.0 - fr) + bottom * fr
    return np.where(inside & np.isfinite(out), out, outside)


def read_terrain(path: str | Path, *, outside_m: float = 0.0) -> Terrain:
    """Load band 1 of a GeoTIFF (or any raster GDAL reads) as a :class:`Terrain`.

    ``nodata`` cells become unknown; the raster must carry a CRS. A tag ``ILLUSTRATIVE=yes``
    marks made-up terrain (the shipped Qingdao model has it).
    """
    import rasterio  # noqa: PLC0415 -- only deployments with a DEM pay for GDAL

    p = Path(path)
    try:
        with rasterio.open(p) as ds:
            band = ds.read(1, masked=True).astype(np.float64)
            if ds.crs is None:
                raise TerrainError(f"{p}: the raster has no CRS; write one (e.g. EPSG:4326)")
            tags = ds.tags()
            return Terrain(
                band.filled(np.nan),
                ds.transform,
                ds.crs.to_wkt(),
                outside_m=outside_m,
                source=str(p),
                illustrative=str(tags.get("ILLUSTRATIVE", "")).lower() in {"yes", "true", "1"},
            )
    except rasterio.errors.RasterioIOError as e:
        raise TerrainError(f"{p}: cannot read the terrain model ({e})") from None


@lru_cache(maxsize=8)
def _cached(path: str, outside_m: float) -> Terrain:
    return read_terrain(path, outside_m=outside_m)


def named_or_path(value: str, base: Path | None = None) -> Path:
    """A terrain setting as a file: a name of :data:`NAMED_TERRAINS`, or a path (relative to
    ``base`` when given).

    >>> named_or_path("qingdao-illustrative").name
    'qingdao-terrain-illustrative.tif'
    """
    if value in NAMED_TERRAINS:
        return NAMED_TERRAINS[value]
    path = Path(value)
    return path if base is None or path.is_absolute() else base / path


def terrain_for(deployment: Deployment) -> Terrain | FlatTerrain:
    """The deployment's ground: its DEM (read once per path) or flat at ``ground_elevation_m``.

    >>> from airspace.deployment import QINGDAO
    >>> terrain_for(QINGDAO).flat
    True
    """
    if not deployment.terrain:
        return FlatTerrain(deployment.ground_elevation_m)
    return _cached(str(deployment.terrain), float(deployment.ground_elevation_m))


def describe(terrain: Terrain | FlatTerrain) -> str:
    """One line for logs and the console: which ground, and whether it is illustrative."""
    if terrain.flat:
        return f"flat ground at {terrain.elevation_m:g} m"  # type: ignore[union-attr]
    top = terrain.highest_m  # type: ignore[union-attr]
    label = "ILLUSTRATIVE terrain" if terrain.illustrative else "terrain"
    return f"{label} {Path(terrain.source).name} (highest {top:g} m)"
