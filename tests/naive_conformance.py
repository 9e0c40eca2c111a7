"""Slow, obviously-correct twins of :mod:`planner.conformance_kernels`.

Routes: the horizontal distance to the route is shapely's; the altitude and schedule errors
are found by walking every segment in small steps and keeping the best sample that satisfies
the bounds (``thresholds`` may be widened or narrowed by the caller to sandwich the exact
answer). Areas: shapely's polygon distance, band and window by comparison.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, Point, Polygon

STEPS = 4000


def route_deviation(pos: tuple[float, float, float, float], xyzt: np.ndarray, L: float, V: float):
    """(lateral_m, vertical_m, time_s) of one position against one route, by sampling."""
    x, y, z, t = pos
    xy = [tuple(r) for r in xyzt[:, :2]]
    path = LineString(xy) if len(set(xy)) > 1 else Point(xy[0])
    if path.length < 1e-9:  # shapely measures nothing from a line of subnormal length
        path = Point(xy[0])
    lateral = path.distance(Point(x, y))
    vertical, time = math.inf, math.nan
    s = np.linspace(0.0, 1.0, STEPS + 1)
    for a, b in zip(xyzt[:-1], xyzt[1:], strict=True):
        p = a[None, :] + s[:, None] * (b - a)[None, :]
        h = np.hypot(p[:, 0] - x, p[:, 1] - y)
        v = np.abs(z - p[:, 2])
        near = h <= L
        if near.any():
            vertical = min(vertical, float(v[near].min()))
        ok = near & (v <= V)
        if ok.any():
            dt = t - p[ok, 3]
            k = int(np.argmin(np.abs(dt)))
            if math.isnan(time) or abs(dt[k]) < abs(time):
                time = float(dt[k])
    return lateral, vertical, time


def area_deviation(pos, polygon: Polygon, band: tuple[float, float], window: tuple[float, float]):
    """(lateral_m, vertical_m, time_s) of one position against one area operation."""
    x, y, z, t = pos
    lateral = polygon.distance(Point(x, y))  # 0 inside; to the nearest ring outside
    vertical = max(0.0, band[0] - z, z - band[1])
    time = t - window[0] if t < window[0] else (t - window[1] if t > window[1] else 0.0)
    return lateral, vertical, time
