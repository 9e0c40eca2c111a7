"""The metric projection of a deployment: lon/lat degrees <-> easting/northing metres.

Built once per deployment (pyproj ``Transformer`` objects are cached) and vectorised: pass
arrays, get arrays. Axis order is always lon, lat (``always_xy=True``). WGS84 and CGCS2000 are
treated as the same datum: PROJ uses a null ("ballpark") transformation between them, which is
good to about a metre and fine for airspace work.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from airspace.deployment import Deployment
from airspace.errors import CoordinateError


def check_lonlat(lon: np.ndarray, lat: np.ndarray, *, what: str = "coordinates") -> None:
    """Raise :class:`CoordinateError` for NaN/inf or out-of-range lon/lat.

    A latitude outside [-90, 90] whose longitude would be a valid latitude is reported as a
    probable axis-order mistake (GeoJSON wants ``[lon, lat]``).
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        raise CoordinateError(f"{what}: longitude/latitude must be finite numbers (got NaN or inf)")
    bad_lat = np.abs(lat) > 90.0
    if np.any(bad_lat):
        i = int(np.argmax(bad_lat))
        if abs(lon.flat[i] if lon.ndim else lon) <= 90.0:
            raise CoordinateError(
                f"{what}: latitude {float(lat.flat[i] if lat.ndim else lat)} is out of range; "
                "positions must be [longitude, latitude] (GeoJSON order), not [lat, lon]"
            )
        raise CoordinateError(f"{what}: latitude {float(lat.flat[i])} is outside [-90, 90]")
    if np.any(np.abs(lon) > 180.0):
        raise CoordinateError(f"{what}: longitude outside [-180, 180]")


class Projection:
    """Forward and inverse conversion between lon/lat and the deployment's metric CRS.

    Examples
    --------
    >>> from airspace.deployment import QINGDAO
    >>> p = Projection.for_deployment(QINGDAO)
    >>> x, y = p.to_xy([120.38], [36.07])
    >>> lon, lat = p.to_lonlat(x, y)
    >>> round(float(lon[0]), 9), round(float(lat[0]), 9)
    (120.38, 36.07)
    """

    def __init__(self, crs: CRS, *, bounds_lonlat: tuple[float, float, float, float] | None):
        self.crs = crs
        self.bounds_lonlat = bounds_lonlat
        self._fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    @staticmethod
    def for_deployment(deployment: Deployment) -> Projection:
        """The (cached) projection of a deployment."""
        return _projection(deployment.crs, deployment.centre_lon, deployment.centre_lat)

    def _check_area(self, lon: np.ndarray, lat: np.ndarray) -> None:
        if self.bounds_lonlat is None or lon.size == 0:
            return
        w, s, e, n = self.bounds_lonlat
        if lon.min() < w - 0.5 or lon.max() > e + 0.5 or lat.min() < s - 0.5 or lat.max() > n + 0.5:
            raise CoordinateError(
                f"position outside the area of use of {self.crs.to_string()} "
                f"(lon {w}..{e}, lat {s}..{n}); is this deployment the right one?"
            )

    def to_xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Project degrees to metres. Arrays of any shape; returns float64 arrays."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        check_lonlat(lon, lat)
        self._check_area(lon, lat)
        x, y = self._fwd.transform(lon, lat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Unproject metres to degrees."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise CoordinateError("projected coordinates must be finite")
        lon, lat = self._inv.transform(x, y)
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    def geometry_to_xy(self, geom: BaseGeometry) -> BaseGeometry:
        """Project a shapely geometry in lon/lat to metres (all coordinates in one call)."""
        coords = shapely.get_coordinates(geom)
        if coords.size:
            x, y = self.to_xy(coords[:, 0], coords[:, 1])
            coords = np.column_stack([x, y])
        return shapely.set_coordinates(geom, coords)

    def geometry_to_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        """Unproject a shapely geometry in metres to lon/lat."""
        coords = shapely.get_coordinates(geom)
        if coords.size:
            lon, lat = self.to_lonlat(coords[:, 0], coords[:, 1])
            coords = np.column_stack([lon, lat])
        return shapely.set_coordinates(geom, coords)


@lru_cache(maxsize=32)
def _projection(crs: str | None, centre_lon: float, centre_lat: float) -> Projection:
    if crs is None:
        check_lonlat(np.array([centre_lon]), np.array([centre_lat]), what="deployment centre")
        proj = CRS.from_proj4(
            f"+proj=aeqd +lat_0={centre_lat} +lon_0={centre_lon} +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
        )
        return Projection(proj, bounds_lonlat=None)
    c = CRS.from_user_input(crs)
    if not c.is_projected:
        raise CoordinateError(f"{crs} is not a projected (metric) CRS")
    aou = c.area_of_use
    bounds = (aou.west, aou.south, aou.east, aou.north) if aou is not None else None
    return Projection(c, bounds_lonlat=bounds)
