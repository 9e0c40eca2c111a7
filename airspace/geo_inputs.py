"""Checks of geo-awareness query inputs at the edge: instants and windows must be aware,
numbers finite, trajectories well-formed rows ``[lon, lat, altitude_m, t_s]``, areas
non-empty polygons on the globe. Each raises with a message naming the bad input."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from airspace.clock import require_aware
from airspace.errors import CoordinateError
from airspace.projection import check_lonlat


def check_aware(t: datetime, what: str) -> None:
    """``t`` must be an aware datetime (``TypeError`` / ``ValueError`` naming ``what``)."""
    if not isinstance(t, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(t).__name__}")
    require_aware(t, what)


def check_window(start: datetime, end: datetime | None) -> datetime:
    """The end of a checked window ``[start, end]`` (``start`` for an instant)."""
    check_aware(start, "start")
    if end is None:
        return start
    check_aware(end, "end")
    if end < start:
        raise ValueError(
            f"time window ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        )
    return end


def finite(value: float, what: str) -> float:
    """``value`` as a finite float (errors name ``what``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise CoordinateError(f"{what} must be a finite number, got {v}")
    return v


def check_trajectory(trajectory: Any) -> np.ndarray:
    """Rows ``[lon, lat, altitude_m, t_s]`` as a float array: finite, on the globe, times
    not decreasing."""
    try:
        rows = np.ascontiguousarray(trajectory, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("trajectory must be numeric rows [lon, lat, altitude_m, t_s]") from None
    if rows.ndim != 2 or rows.shape[1] != 4 or rows.shape[0] == 0:
        raise ValueError(
            f"trajectory must have shape (n, 4) with n >= 1 rows [lon, lat, altitude_m, t_s], got {rows.shape}"
        )
    if not np.all(np.isfinite(rows[:, 2:])):
        raise CoordinateError(
            "trajectory: altitude_m and t_s must be finite numbers (got NaN or inf)"
        )
    check_lonlat(rows[:, 0], rows[:, 1], what="trajectory")
    if np.any(np.diff(rows[:, 3]) < 0):
        i = int(np.argmax(np.diff(rows[:, 3]) < 0))
        raise ValueError(f"trajectory: t_s must not decrease (row {i + 1} is earlier than row {i})")
    return rows


def as_polygon(value: Any) -> Polygon:
    """An area from a shapely geometry, a GeoJSON mapping or a ring of ``[lon, lat]``: a
    non-empty polygon on the globe."""
    if isinstance(value, BaseGeometry):
        geom = value
    elif isinstance(value, Mapping):
        try:
            geom = shape(value)
        except Exception as exc:
            raise ValueError(f"area: not a GeoJSON geometry ({exc})") from None
    else:
        try:
            geom = Polygon(value)
        except Exception as exc:
            raise ValueError(f"area: expected a ring of [lon, lat] positions ({exc})") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise ValueError(f"area must be a non-empty Polygon, got {geom.geom_type}")
    coords = shapely.get_coordinates(geom)
    check_lonlat(coords[:, 0], coords[:, 1], what="area")
    return geom
