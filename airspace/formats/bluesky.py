"""Geofences in BlueSky scenario files (``.scn``): ``POLY``, ``POLYALT`` and ``CIRCLE`` commands.

Lines look like ``00:00:00.00>POLY GEOFENCE1 40.75 -73.99 40.75 -73.99 ...`` with positions as
``lat lon`` pairs (BlueSky's order). ``POLYALT name top_ft bottom_ft lat lon ...`` adds
altitudes in feet; ``CIRCLE name lat lon radius_nm``. BlueSky shapes carry no restriction: they
are read as PROHIBITED geofences (with a warning); the command time is ignored.
"""

from __future__ import annotations

import re

from airspace.formats.fields import Context
from airspace.formats.geometry import circle, polygons
from airspace.zones import FEET_M, Restriction, VerticalReference, Zone, ZoneVolume

NAUTICAL_MILE_M = 1852.0
_LINE = re.compile(r"^\s*(?:[\d:.]+\s*>)?\s*(POLYALT|POLY|CIRCLE)\s+(.*)$", re.IGNORECASE)


def read_bluesky(ctx: Context, text: str) -> list[Zone]:
    """Geofence zones of a BlueSky scenario."""
    zones = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _LINE.match(line.split("#", 1)[0])
        if not m:
            continue
        cmd = m[1].upper()
        args = m[2].replace(",", " ").split()
        if not args:
            raise ctx.error(f"line {lineno}", f"{cmd} without a name")
        name, rest = args[0], args[1:]
        zctx = ctx.for_zone(name)
        lower = upper = None
        if cmd == "POLYALT":
            if len(rest) < 2:
                raise zctx.error(f"line {lineno}", "POLYALT needs top and bottom altitudes (ft)")
            upper, lower = (float(a) * FEET_M for a in rest[:2])
            rest = rest[2:]
        try:
            values = [float(a) for a in rest]
        except ValueError:
            raise zctx.error(f"line {lineno}", f"{cmd} arguments must be numbers") from None
        if cmd == "CIRCLE":
            if len(values) != 3:
                raise zctx.error(f"line {lineno}", "CIRCLE needs lat lon radius_nm")
            shapes = [
                circle(zctx, [values[1], values[0]], values[2] * NAUTICAL_MILE_M, f"line {lineno}")
            ]
        else:
            if len(values) < 6 or len(values) % 2:
                raise zctx.error(f"line {lineno}", f"{cmd} needs at least three lat lon pairs")
            ring = [[values[i + 1], values[i]] for i in range(0, len(values), 2)]
            if ring[0] != ring[-1]:
                ring.append(ring[0])  # BlueSky polygons are implicitly closed
            shapes = polygons(zctx, [ring], f"line {lineno}")
        zones.append(
            Zone(
                identifier=name,
                restriction=Restriction.PROHIBITED,
                volumes=tuple(
                    ZoneVolume(
                        s, lower, upper, VerticalReference.AMSL, VerticalReference.AMSL, "FT"
                    )
                    if cmd == "POLYALT"
                    else ZoneVolume(s)
                    for s in shapes
                ),
                name=name,
            )
        )
    if zones:
        ctx.warn(None, f"{len(zones)} BlueSky shape(s) read as PROHIBITED geofences")
    return zones
