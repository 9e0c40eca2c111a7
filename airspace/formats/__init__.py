"""Zone file formats: EUROCAE ED-269 (both layouts), ED-318, plain GeoJSON and BlueSky
geofences in; ED-269, ED-318 and GeoJSON out; the inline zone form of scenario files.

``load_zones(path)`` gives the zones; ``read_zone_file(path)`` also gives the warnings for the
quirks it repaired and the detected format. Errors are :class:`~airspace.errors.ZoneFormatError`
naming the zone and field to fix.

``QINGDAO_ZONES_PATH`` is the shipped Qingdao demo airspace (ILLUSTRATIVE, NOT OFFICIAL DATA).
"""

from __future__ import annotations

from pathlib import Path

from airspace.formats.ed269 import zones_to_ed269
from airspace.formats.ed318 import zones_to_ed318
from airspace.formats.fields import ZoneWarning
from airspace.formats.geojson import zones_to_geojson
from airspace.formats.inline import zone_from_dict
from airspace.formats.reader import (
    ZoneFile,
    detect_format,
    load_zones,
    parse_zone_document,
    read_zone_file,
)

QINGDAO_ZONES_PATH = Path(__file__).resolve().parents[1] / "data" / "qingdao_zones.ed269.json"
"""The illustrative Qingdao demo airspace (ED-269, ``UASZoneList`` layout)."""

__all__ = [
    "QINGDAO_ZONES_PATH",
    "ZoneFile",
    "ZoneWarning",
    "detect_format",
    "load_zones",
    "parse_zone_document",
    "read_zone_file",
    "zone_from_dict",
    "zones_to_ed269",
    "zones_to_ed318",
    "zones_to_geojson",
]
