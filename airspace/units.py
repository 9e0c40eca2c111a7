"""Competent units: a deployment file maps control sub-regions (polygons) to the units that
approve flights there; a flight inside one sub-region goes to its unit, a flight crossing
sub-regions (or outside all of them) to the region's unit.

The file is a GeoJSON FeatureCollection whose features carry ``unit`` and ``name`` and whose
top level names ``region_unit`` (and ``region_name``). Coordinates are lon/lat.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import shape

QINGDAO_UNITS_PATH = Path(__file__).resolve().parent / "data" / "qingdao_units.geojson"
"""The Qingdao demo's sub-regions (illustrative, not the real boundaries)."""


@dataclass(frozen=True)
class Units:
    """Sub-region polygons with their units, and the region's unit."""

    region_unit: str
    region_name: str
    names: tuple[str, ...]
    units: tuple[str, ...]
    polygons: tuple[object, ...]

    def competent(self, lonlat: Sequence[tuple[float, float]]) -> str:
        """The unit that decides a flight touching the points ``lonlat``.

        Examples
        --------
        >>> u = load_units(QINGDAO_UNITS_PATH)
        >>> u.competent([(120.2, 36.3), (120.25, 36.3)]), u.competent([(120.2, 36.3), (120.4, 36.1)])
        ('QD-WEST', 'QD-REGION')
        """
        if not lonlat:
            return self.region_unit
        line = shapely.points(list(lonlat))
        hit = {
            self.units[i]
            for i, poly in enumerate(self.polygons)
            if bool(shapely.covers(poly, line).any())
        }
        inside_all = all(any(bool(shapely.covers(poly, p)) for poly in self.polygons) for p in line)
        return hit.pop() if len(hit) == 1 and inside_all else self.region_unit

    def known(self) -> list[str]:
        """Every unit id this map knows, the region unit first."""
        return [self.region_unit, *dict.fromkeys(self.units)]


def load_units(path: str | Path) -> Units:
    """Read a units file (:class:`ValueError` naming the feature that is wrong)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    region = doc.get("region_unit")
    if not isinstance(region, str) or not region:
        raise ValueError(f"{path}: region_unit: expected the region's unit id")
    names, units, polys = [], [], []
    for i, f in enumerate(doc.get("features") or []):
        props = f.get("properties") or {}
        unit = props.get("unit")
        if not isinstance(unit, str) or not unit:
            raise ValueError(f"{path}: features[{i}].properties.unit: expected a unit id")
        try:
            poly = shape(f["geometry"])
        except Exception as e:
            raise ValueError(f"{path}: features[{i}].geometry: {e}") from None
        if poly.geom_type not in ("Polygon", "MultiPolygon") or not poly.is_valid:
            raise ValueError(f"{path}: features[{i}].geometry: expected a valid Polygon")
        names.append(str(props.get("name", unit)))
        units.append(unit)
        polys.append(poly)
    return Units(
        region, str(doc.get("region_name", region)), tuple(names), tuple(units), tuple(polys)
    )
