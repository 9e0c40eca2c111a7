"""Off-nominal volumes: the airspace protected around a flight that is nonconforming or
contingent (ASTM F3548), as a temporary PROHIBITED zone the planner treats like any other.

The zone's id is ``OFFNOM-<flight>``, so the planner can tell it from a regulator's zone: the
flight it protects is not displaced by it, and other flights get an ``OFF_NOMINAL_VOLUME``
reason naming it.

>>> volume_id("F-1"), owner_flight("OFFNOM-F-1"), owner_flight("TFR-1")
('OFFNOM-F-1', 'F-1', None)
>>> v = stadium_xy((0.0, 0.0, 50.0), (10.0, 0.0, 0.0), horizon_s=60, radius_m=50, vertical_m=15)
>>> round(v.polygon_xy.bounds[2]), v.lower_m, v.upper_m
(650, 35.0, 65.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shapely.geometry import LineString, Point

from planner.requests import Reason, ReasonCode

PREFIX = "OFFNOM-"
QUAD_SEGS = 16
ZONE_KIND = "offnominal"
"""``ZoneRow.kind`` of a stored off-nominal volume (its source is the inline zone form)."""


def volume_id(flight_id: str) -> str:
    """The zone id of the off-nominal volume protecting ``flight_id``."""
    return PREFIX + flight_id


def owner_flight(zone_id: str) -> str | None:
    """The flight an off-nominal volume protects (``None``: not an off-nominal volume)."""
    return zone_id[len(PREFIX) :] if zone_id.startswith(PREFIX) else None


def displaced_reason(zone_id: str, name: str = "") -> Reason:
    """Why a flight crossing flight X's off-nominal volume is re-planned or revoked."""
    owner = owner_flight(zone_id)
    return Reason(
        ReasonCode.OFF_NOMINAL_VOLUME,
        f"flight {owner} is off its plan; its off-nominal volume {zone_id} now covers this flight",
        zone=zone_id,
        flight=owner,
    )


def blocked_reason(zone_id: str) -> Reason:
    """Why a new request cannot depart in its window: the volume is in the way."""
    owner = owner_flight(zone_id)
    return Reason(
        ReasonCode.OFF_NOMINAL_VOLUME,
        f"every departure in the window crosses off-nominal volume {zone_id} "
        f"(flight {owner} is off its plan)",
        zone=zone_id,
        flight=owner,
    )


@dataclass(frozen=True)
class VolumeXY:
    """An off-nominal volume in metres: shape, band AGL."""

    polygon_xy: Any
    lower_m: float
    upper_m: float


def stadium_xy(
    xyz: tuple[float, float, float],
    velocity_mps: tuple[float, float, float],
    *,
    horizon_s: float,
    radius_m: float,
    vertical_m: float,
) -> VolumeXY:
    """A stadium ``radius_m`` around the path from ``xyz`` along ``velocity_mps`` (vx, vy, vz)
    for ``horizon_s`` seconds (a circle when the drone is not moving), with the band the
    drone sweeps ± ``vertical_m`` (never below the ground). Every point within ``radius_m``
    of the path is inside."""
    x, y, z = xyz
    # buffer() inscribes its arcs; widen so every point within radius_m is inside
    radius_m = radius_m / math.cos(math.pi / (4 * QUAD_SEGS))
    vx, vy, vz = (0.0 if not math.isfinite(v) else float(v) for v in velocity_mps)
    x1, y1, z1 = x + vx * horizon_s, y + vy * horizon_s, z + vz * horizon_s
    if math.hypot(x1 - x, y1 - y) < 1e-6:
        poly = Point(x, y).buffer(radius_m, quad_segs=QUAD_SEGS)
    else:
        poly = LineString([(x, y), (x1, y1)]).buffer(radius_m, quad_segs=QUAD_SEGS)
    lower = max(0.0, min(z, z1) - vertical_m)
    return VolumeXY(poly, lower, max(z, z1) + vertical_m)
