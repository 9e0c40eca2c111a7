"""True height along a filed route: height above the terrain below, sampled densely.

What a request's ``altitude_m`` means: the true height (m AGL) at each waypoint, as Chinese
rules count heights and as DESIGN.md puts it on the wire; take-off and landing rows at 0 sit on
the ground wherever it is. Between two waypoints the drone flies a straight line in space (it
holds its heading and climb, it does not follow the ground), so its height above mean sea level
goes linearly from ``alt0 + ground0`` to ``alt1 + ground1`` and its true height over a point is
that minus the ground there: more over a valley, less over a ridge. Every leg is sampled at
least every :data:`TRUE_HEIGHT_STEP_M` metres (finer than the demo DEM's cells); the highest
true height and where it is found feed the ceiling and class rules, and a leg that dips below
the ground is refused (``TERRAIN``).

On flat ground, or where the ground under the whole route is level, the answer is the
waypoints' own altitudes, exactly (and the decision's words are those of a flat deployment).

Examples
--------
>>> import numpy as np
>>> from airspace.deployment import QINGDAO
>>> from airspace.projection import Projection
>>> from airspace.terrain import FlatTerrain
>>> rows = np.array([[120.38, 36.07, 0.0], [120.38, 36.07, 90.0], [120.40, 36.07, 90.0]])
>>> th = route_true_height(rows, FlatTerrain(), Projection.for_deployment(QINGDAO))
>>> th.max_m, th.where_max
(90.0, None)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from airspace.projection import Projection
from airspace.terrain import FlatTerrain, Terrain

TRUE_HEIGHT_STEP_M = 30.0
"""Longest distance between two true-height samples along a leg."""

ROUND_M = 1e-6
"""True heights are rounded to a micrometre so that rounding in ``alt + ground - ground``
never turns a filed 120 m into 120.00000000000001 m."""


@dataclass(frozen=True)
class TrueHeight:
    """Highest and lowest true height of a route and where they are.

    ``where_max`` / ``where_min`` are ``(lon, lat)``, or ``None`` on flat ground (the extremes
    are the filed waypoints'); ``leg_min`` is the index of the leg of the lowest point.
    """

    max_m: float
    min_m: float
    where_max: tuple[float, float] | None = None
    where_min: tuple[float, float] | None = None
    leg_min: int = 0


def route_true_height(
    rows: np.ndarray,
    terrain: Terrain | FlatTerrain,
    projection: Projection,
    step_m: float = TRUE_HEIGHT_STEP_M,
) -> TrueHeight:
    """True heights along a route of ``[lon, lat, altitude_m AGL]`` rows (n >= 1).

    Vectorised: all samples of all legs in one terrain call.
    """
    w = np.asarray(rows, dtype=np.float64)[:, :3]
    alt = w[:, 2]
    if terrain.flat or len(w) == 0:
        return TrueHeight(float(alt.max()), float(alt.min()))
    x, y = projection.to_xy(w[:, 0], w[:, 1])
    ground = terrain.ground_lonlat_m(w[:, 0], w[:, 1])
    if len(w) == 1:
        return TrueHeight(float(alt[0]), float(alt[0]), (w[0, 0], w[0, 1]), (w[0, 0], w[0, 1]))
    leg_m = np.hypot(np.diff(x), np.diff(y))
    n = np.maximum(np.ceil(leg_m / step_m).astype(np.intp), 1) + 1  # samples per leg, ends too
    leg = np.repeat(np.arange(len(leg_m)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    s = (np.arange(len(leg)) - first) / np.repeat(n - 1, n)  # 0 .. 1 along each leg
    # Along a leg of a few km the straight line in the projection and in lon/lat are within a
    # metre of each other (0.5 m over 5.5 km near Qingdao), far below a DEM cell: interpolate
    # lon/lat directly (no second projection call).
    lon = w[leg, 0] + s * (w[leg + 1, 0] - w[leg, 0])
    lat = w[leg, 1] + s * (w[leg + 1, 1] - w[leg, 1])
    under = terrain.ground_lonlat_m(lon, lat)
    if np.all(under == under[0]):  # level ground under the whole route: as if flat
        return TrueHeight(float(alt.max()), float(alt.min()))
    amsl = (1.0 - s) * (alt[leg] + ground[leg]) + s * (alt[leg + 1] + ground[leg + 1])
    true_m = np.round(amsl - under, 6)
    hi = int(np.argmax(true_m))
    lo = int(np.argmin(true_m))
    return TrueHeight(
        float(true_m[hi]),
        float(true_m[lo]),
        (float(lon[hi]), float(lat[hi])),
        (float(lon[lo]), float(lat[lo])),
        int(leg[lo]),
    )


def where_text(where: tuple[float, float] | None) -> str:
    """``" at 120.6200E 36.1700N"`` or ``""``."""
    if where is None or not all(math.isfinite(v) for v in where):
        return ""
    return f" at {where[0]:.4f}E {where[1]:.4f}N"
