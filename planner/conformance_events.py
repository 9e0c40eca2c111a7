"""The vocabulary of conformance monitoring (:mod:`planner.conformance`): the airborne
states and alert codes, the events the monitor emits, and the zone volumes it checks breaches
against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
