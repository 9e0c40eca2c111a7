"""The vocabulary of conformance monitoring (:mod:`planner.conformance`): the airborne
states and alert codes, the events the monitor emits, and the zone volumes it checks breaches
against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from airspace.zones import Zone

AIRBORNE = ("activated", "nonconforming", "contingent")
"""The ASTM F3548 states of a flight in the air."""
DEVIATION_CODES = ("OFF_ROUTE", "OUTSIDE_AREA", "OFF_ALTITUDE", "OFF_SCHEDULE")
"""Alerts of a position off its approved plan, in the order they are checked."""
TELEMETRY_CODES = ("TELEMETRY_TIME", "TELEMETRY_MISMATCH", "TELEMETRY_INVALID")
"""Alerts of a position refused at the edge."""


@dataclass(frozen=True)
class Event:
    """An alert raised or cleared (``kind`` ``raised`` / ``cleared``) or a flight's new state
    (``kind`` ``state``, ``code`` = the state)."""

    kind: str
    code: str
    drone: str
    flight: str | None
    t_s: float
    xyz: tuple[float, float, float] | None = None
    deviation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ZoneVolumeXY:
    """A zone volume for breach checks: shape in metres, band in metres AGL, and whether its
    zone is active at planner seconds ``t_s``."""

    zone_id: str
    restriction: str
    polygon_xy: Any
    lower_m: float
    upper_m: float
    active_at: Callable[[float], bool]


def zone_volumes_xy(
    index: Any,
    active: Callable[[Zone], Callable[[float], bool]],
    keep: Callable[[Zone], bool] = lambda _zone: True,
) -> list[ZoneVolumeXY]:
    """The breach-check volumes of a compiled zone index (:class:`airspace.geoawareness.ZoneIndex`):
    one per volume of each zone ``keep`` admits, active when ``active(zone)(t_s)`` says so.

    Examples
    --------
    >>> from airspace.deployment import QINGDAO
    >>> from airspace.geoawareness import ZoneIndex
    >>> from shapely.geometry import box
    >>> from airspace.zones import Restriction, Zone, ZoneVolume
    >>> volume = ZoneVolume(box(120.38, 36.06, 120.39, 36.07), 0.0, 120.0)
    >>> zone = Zone("Z-1", Restriction.PROHIBITED, (volume,))
    >>> (v,) = zone_volumes_xy(ZoneIndex([zone], QINGDAO), lambda z: lambda t_s: t_s >= 60)
    >>> v.zone_id, v.restriction, v.upper_m, v.active_at(30.0), v.active_at(90.0)
    ('Z-1', 'PROHIBITED', 120.0, False, True)
    """
    out = []
    for v in index.volumes:
        zone = index.zones[v.zone_index]
        if keep(zone):
            out.append(
                ZoneVolumeXY(
                    zone.identifier,
                    str(zone.restriction),
                    v.polygon_xy,
                    v.lower_agl_m,
                    v.upper_agl_m,
                    active(zone),
                )
            )
    return out
