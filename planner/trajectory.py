"""4D trajectories and area operations as arrays in the deployment's metric projection.

A route flight is a :class:`Trajectory4D`: waypoints ``x, y, z, t`` (metres east/north in the
deployment projection, metres above ground, planner seconds) with linear motion between them.
An area operation is an :class:`AreaOp`: a polygon (rings in metres) x an altitude band x a
time window. Both are what :mod:`planner.forbidden`, :mod:`planner.deconflict` and
:mod:`planner.index` work on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from airspace.projection import Projection


@dataclass(frozen=True)
class Trajectory4D:
    """Waypoints of a route flight, linear between rows.

    Attributes
    ----------
    xyzt : float64 array (n, 4), C-contiguous
        ``easting_m, northing_m, altitude_m (AGL), t_s``; times non-decreasing.
    """

    xyzt: np.ndarray

    def __post_init__(self) -> None:
        a = np.ascontiguousarray(self.xyzt, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != 4 or a.shape[0] < 2:
            raise ValueError(
                f"a trajectory needs at least 2 rows of (x, y, z, t); got shape {a.shape}"
            )
        if not np.all(np.isfinite(a)):
            raise ValueError("trajectory coordinates and times must be finite")
        if np.any(np.diff(a[:, 3]) < 0):
            raise ValueError("trajectory times must be non-decreasing")
        object.__setattr__(self, "xyzt", a)

    @property
    def start_s(self) -> float:
        """Planner seconds of the first point."""
        return float(self.xyzt[0, 3])

    @property
    def end_s(self) -> float:
        """Planner seconds of the last point."""
        return float(self.xyzt[-1, 3])

    @property
    def segments(self) -> np.ndarray:
        """float64 (n-1, 8): ``x0, y0, z0, t0, x1, y1, z1, t1`` per segment."""
        return np.ascontiguousarray(np.hstack([self.xyzt[:-1], self.xyzt[1:]]))

    def shifted(self, delay_s: float) -> Trajectory4D:
        """The same flight departing ``delay_s`` later."""
        a = self.xyzt.copy()
        a[:, 3] += float(delay_s)
        if not (math.isfinite(a[0, 3]) and math.isfinite(a[-1, 3])):
            return Trajectory4D(a)  # raises
        # Adding one float keeps the times in order and the rows valid: no second check.
        out = object.__new__(Trajectory4D)
        object.__setattr__(out, "xyzt", a)
        return out


def _rings(polygon: Polygon | MultiPolygon) -> tuple[np.ndarray, np.ndarray]:
    """Flatten exterior and hole rings into ``ring_xy`` (k, 2) and offsets ``ring_start``."""
    parts = list(polygon.geoms) if isinstance(polygon, MultiPolygon) else [polygon]
    rings = []
    for p in parts:
        for ring in [p.exterior, *p.interiors]:
            c = np.asarray(ring.coords, dtype=np.float64)[:, :2]
            if len(c) > 1 and np.array_equal(c[0], c[-1]):
                c = c[:-1]
            if len(c) >= 3:
                rings.append(c)
    if not rings:
        raise ValueError("polygon has no ring with at least 3 distinct vertices")
    start = np.zeros(len(rings) + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(r) for r in rings])
    return np.ascontiguousarray(np.vstack(rings)), start


@dataclass(frozen=True)
class AreaOp:
    """An area operation: polygon (metres) x ``[lower_m, upper_m]`` x ``[start_s, end_s]``.

    Build one with :meth:`from_polygon` (metres) or :meth:`from_lonlat`.
    """

    polygon_xy: Polygon | MultiPolygon
    lower_m: float
    upper_m: float
    start_s: float
    end_s: float
    ring_xy: np.ndarray
    ring_start: np.ndarray

    @classmethod
    def from_polygon(
        cls,
        polygon_xy: Polygon | MultiPolygon,
        lower_m: float,
        upper_m: float,
        start_s: float,
        end_s: float,
    ) -> AreaOp:
        """An area operation from a polygon already in metres."""
        if not isinstance(polygon_xy, Polygon | MultiPolygon) or polygon_xy.is_empty:
            raise ValueError("an area operation needs a non-empty Polygon")
        if not (np.isfinite(lower_m) and np.isfinite(upper_m) and lower_m <= upper_m):
            raise ValueError(f"area band needs finite lower_m <= upper_m; got {lower_m}..{upper_m}")
        if not (np.isfinite(start_s) and np.isfinite(end_s) and start_s <= end_s):
            raise ValueError(f"area window needs finite start_s <= end_s; got {start_s}..{end_s}")
        ring_xy, ring_start = _rings(polygon_xy)
        return cls(
            polygon_xy,
            float(lower_m),
            float(upper_m),
            float(start_s),
            float(end_s),
            ring_xy,
            ring_start,
        )

    @classmethod
    def from_lonlat(
        cls,
        polygon_lonlat: Polygon,
        lower_m: float,
        upper_m: float,
        start_s: float,
        end_s: float,
        projection: Projection,
    ) -> AreaOp:
        """An area operation from a lon/lat polygon, projected once."""
        return cls.from_polygon(
            projection.geometry_to_xy(polygon_lonlat), lower_m, upper_m, start_s, end_s
        )

    @property
    def box(self) -> np.ndarray:
        """float64 (8,): ``xmin, xmax, ymin, ymax, zmin, zmax, tmin, tmax``."""
        x0, y0, x1, y1 = shapely.bounds(self.polygon_xy)
        return np.array([x0, x1, y0, y1, self.lower_m, self.upper_m, self.start_s, self.end_s])

    def shifted(self, delay_s: float) -> AreaOp:
        """The same operation ``delay_s`` later."""
        d = float(delay_s)
        return AreaOp(
            self.polygon_xy,
            self.lower_m,
            self.upper_m,
            self.start_s + d,
            self.end_s + d,
            self.ring_xy,
            self.ring_start,
        )


def build_waypoint_trajectory(
    waypoints_lonlat_alt: Sequence[Sequence[float]] | np.ndarray,
    depart_s: float,
    speed_mps: float,
    vertical_rate_mps: float,
    projection: Projection,
) -> Trajectory4D:
    """The 4D trajectory of a waypoint route flown at a cruise speed.

    Each leg takes the longer of its horizontal time (distance / ``speed_mps``) and its
    vertical time (climb or descent / ``vertical_rate_mps``), as DESIGN.md says.

    Parameters
    ----------
    waypoints_lonlat_alt : (n, 3) array-like
        ``lon, lat, altitude_m`` (AGL), n >= 2.
    depart_s : float
        Time of the first waypoint (planner seconds).
    speed_mps, vertical_rate_mps : float
        Cruise ground speed and climb/descent rate, both > 0.
    projection : Projection
        The deployment's projection.

    Returns
    -------
    Trajectory4D

    Examples
    --------
    >>> from airspace.deployment import QINGDAO
    >>> p = Projection.for_deployment(QINGDAO)
    >>> tr = build_waypoint_trajectory([[120.38, 36.07, 0], [120.38, 36.07, 90]], 300.0, 12.0, 3.0, p)
    >>> tr.xyzt[:, 3].tolist()
    [300.0, 330.0]
    """
    w = np.asarray(waypoints_lonlat_alt, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != 3 or w.shape[0] < 2:
        raise ValueError(
            f"waypoints must be at least 2 rows of [lon, lat, altitude_m]; got shape {w.shape}"
        )
    if not np.all(np.isfinite(w)):
        raise ValueError("waypoints must be finite numbers")
    for name, v in (("speed_mps", speed_mps), ("vertical_rate_mps", vertical_rate_mps)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number; got {v}")
    if not np.isfinite(depart_s):
        raise ValueError(f"depart_s must be finite; got {depart_s}")
    x, y = projection.to_xy(w[:, 0], w[:, 1])
    z = w[:, 2]
    horizontal_s = np.hypot(np.diff(x), np.diff(y)) / float(speed_mps)
    vertical_s = np.abs(np.diff(z)) / float(vertical_rate_mps)
    t = float(depart_s) + np.concatenate([[0.0], np.cumsum(np.maximum(horizontal_s, vertical_s))])
    return Trajectory4D(np.column_stack([x, y, z, t]))


def to_lonlat_rows(traj: Trajectory4D, projection: Projection) -> np.ndarray:
    """Rows ``[lon, lat, altitude_m, t_s]`` of a trajectory (the replay/API form)."""
    lon, lat = projection.to_lonlat(traj.xyzt[:, 0], traj.xyzt[:, 1])
    return np.column_stack([lon, lat, traj.xyzt[:, 2], traj.xyzt[:, 3]])
