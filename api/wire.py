"""Wire values read at the edge: RFC 3339 or planner-second times, GeoJSON polygons, vertex
counts. Each raises a 422 (:func:`api.errors.bad_field`) naming the field it read."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import shape

from airspace.clock import read_datetime
from api.airspace_state import AirspaceState
from api.errors import bad_field
from api.schemas import MAX_TIME_S, Time


def seconds(state: AirspaceState, value: Time, field: str) -> float:
    """A wire time (planner seconds or RFC 3339) as planner seconds."""
    try:
        t_s = state.to_seconds(read_datetime(value)) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError) as e:
        raise bad_field(field, f"not a usable time ({e})") from None
    if not abs(t_s) <= MAX_TIME_S:
        raise bad_field(field, f"must lie within {MAX_TIME_S:g} s (about 300 years) of the epoch")
    return t_s


def count_vertices(obj: Any) -> int:
    """Number of coordinate positions in a nested list/GeoJSON structure.

    >>> count_vertices({"type": "LineString", "coordinates": [[120.3, 36.0], [120.4, 36.1]]})
    2
    """
    if isinstance(obj, dict):
        return sum(count_vertices(v) for v in obj.values())
    if isinstance(obj, list):
        if obj and all(isinstance(v, int | float) and not isinstance(v, bool) for v in obj):
            return 1
        return sum(count_vertices(v) for v in obj)
    return 0


def polygon_from_geojson(geom: dict[str, Any], field: str):
    """A shapely polygon from a GeoJSON Polygon, or a 422 naming ``field``."""
    if geom.get("type") != "Polygon":
        raise bad_field(field, "must be a GeoJSON Polygon")
    try:
        poly = shape(geom)
    except Exception as e:
        raise bad_field(field, f"not a readable GeoJSON Polygon ({e})") from None
    if poly.is_empty or not poly.is_valid:
        raise bad_field(field, f"invalid polygon ({shapely.is_valid_reason(poly)})")
    return poly
