"""Reading horizontal shapes from zone files: polygons (with holes), multipolygons and circles,
with the repairs real files need.

Repaired with a warning: numbers written as strings, repeated consecutive vertices (e.g. a
doubled closing vertex), unclosed rings, self-intersecting rings (``shapely.make_valid``; a
bow-tie becomes several polygons). Refused with an error naming zone and field: NaN or
out-of-range coordinates, latitude/longitude swapped, rings with fewer than three distinct
points or no area, non-positive radii.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from airspace.errors import CoordinateError
from airspace.formats.fields import Context, number
from airspace.projection import check_lonlat
from airspace.zones import Circle

AREA_EPSILON_DEG2 = 1e-14
"""Below this area (about 0.1 m²) a ring is treated as degenerate."""


def positions(ctx: Context, value: object, field_name: str) -> np.ndarray:
    """An (n, 2) float array of [lon, lat] positions (altitudes dropped), checked."""
    if not isinstance(value, list | tuple) or not value:
        raise ctx.error(field_name, "expected a non-empty list of [longitude, latitude] positions")
    rows = []
    for i, p in enumerate(value):
        if not isinstance(p, list | tuple) or len(p) < 2:
            raise ctx.error(
                f"{field_name}[{i}]", f"expected a [longitude, latitude] position, got {p!r}"
            )
        rows.append(
            [number(ctx, p[0], f"{field_name}[{i}][0]"), number(ctx, p[1], f"{field_name}[{i}][1]")]
        )
    xy = np.asarray(rows, dtype=np.float64)
    lonlat(ctx, xy[:, 0], xy[:, 1], field_name)
    return xy


def lonlat(ctx: Context, lon: np.ndarray, lat: np.ndarray, field_name: str) -> None:
    """Raise a zone error for NaN, out-of-range or swapped coordinates."""
    try:
        check_lonlat(lon, lat, what="coordinates")
    except CoordinateError as e:
        raise ctx.error(field_name, str(e).removeprefix("coordinates: ")) from None


def _ring(ctx: Context, value: object, field_name: str) -> np.ndarray:
    xy = positions(ctx, value, field_name)
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
    if not keep.all():
        ctx.warn(field_name, f"{int((~keep).sum())} repeated consecutive vertex(es) removed")
        xy = xy[keep]
    if len(xy) > 1 and np.any(xy[0] != xy[-1]):
        ctx.warn(field_name, "ring was not closed; closed it")
        xy = np.vstack([xy, xy[:1]])
    distinct = len(np.unique(xy, axis=0))
    if distinct < 3:
        raise ctx.error(
            field_name, f"ring has {distinct} distinct point(s); a polygon needs at least 3"
        )
    return xy


def polygons(ctx: Context, coordinates: object, field_name: str) -> list[Polygon]:
    """Polygons from GeoJSON Polygon coordinates (outer ring, then holes), repaired.

    Usually one polygon; a self-intersecting ring repaired by ``make_valid`` may give several.
    """
    if not isinstance(coordinates, list | tuple) or not coordinates:
        raise ctx.error(field_name, "expected Polygon coordinates: a list of rings")
    rings = [_ring(ctx, r, f"{field_name}[{i}]") for i, r in enumerate(coordinates)]
    poly = Polygon(rings[0], rings[1:])
    if poly.is_valid and poly.area > AREA_EPSILON_DEG2:
        return [poly]
    reason = shapely.is_valid_reason(poly)
    fixed = shapely.make_valid(poly)
    parts = [
        g for g in shapely.get_parts(fixed) if isinstance(g, Polygon) and g.area > AREA_EPSILON_DEG2
    ]
    parts.extend(
        p
        for g in shapely.get_parts(fixed)
        if isinstance(g, MultiPolygon)
        for p in g.geoms
        if p.area > AREA_EPSILON_DEG2
    )
    if not parts and shapely.make_valid(Polygon(rings[0])).area <= AREA_EPSILON_DEG2:
        raise ctx.error(f"{field_name}[0]", "ring has no area (all points on a line)")
    if not parts:
        raise ctx.error(field_name, f"invalid polygon ({reason}) that cannot be repaired")
    ctx.warn(
        field_name,
        f"invalid polygon ({reason}) repaired with make_valid into {len(parts)} polygon(s)",
    )
    return parts


def circle(ctx: Context, center: object, radius: object, field_name: str) -> Circle:
    """A circle from a ``[lon, lat]`` centre and a radius in metres."""
    if not isinstance(center, list | tuple) or len(center) < 2:
        raise ctx.error(f"{field_name}.center", f"expected [longitude, latitude], got {center!r}")
    lon = number(ctx, center[0], f"{field_name}.center[0]")
    lat = number(ctx, center[1], f"{field_name}.center[1]")
    lonlat(ctx, np.array([lon]), np.array([lat]), f"{field_name}.center")
    if radius is None:
        raise ctx.error(f"{field_name}.radius", "missing circle radius (metres)")
    r = number(ctx, radius, f"{field_name}.radius")
    if r <= 0:
        raise ctx.error(f"{field_name}.radius", f"radius must be positive, got {r:g}")
    return Circle(lon, lat, r)


def polygon_coordinates(poly: Polygon) -> list:
    """GeoJSON coordinates of a polygon, as plain lists of floats."""
    return [
        [[float(x), float(y)] for x, y in ring.coords] for ring in (poly.exterior, *poly.interiors)
    ]
