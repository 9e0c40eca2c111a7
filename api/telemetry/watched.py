"""What the conformance monitor watches, read from the store's shapes: a flight's approved
plan (from its stored decision) and the published zones' volumes (from the compiled zone
index), both in the deployment's metre frame.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

import numpy as np
from shapely.geometry import shape

from airspace.projection import Projection
from airspace.schedule import is_active
from airspace.zones import Zone
from planner.conformance_events import AIRBORNE, ZoneVolumeXY, zone_volumes_xy
from planner.offnominal import owner_flight
from planner.trajectory import AreaOp, Trajectory4D

WATCHED = ("accepted", *AIRBORNE)
"""The flight states the monitor watches."""


def plan_of(decision: dict[str, Any], projection: Projection) -> Trajectory4D | AreaOp:
    """The approved plan of a stored decision: its trajectory, or its area operation."""
    if decision.get("trajectory"):
        rows = np.asarray(decision["trajectory"], dtype=np.float64)
        x, y = projection.to_xy(rows[:, 0], rows[:, 1])
        return Trajectory4D(np.column_stack([x, y, rows[:, 2], rows[:, 3]]))
    return AreaOp.from_lonlat(
        shape(decision["area"]),
        decision["lower_m"],
        decision["upper_m"],
        decision["start"],
        decision["end"],
        projection,
    )


def zone_volumes(index: Any, epoch: datetime, tz: tzinfo) -> list[ZoneVolumeXY]:
    """The volumes of a compiled zone index a flight is judged against (off-nominal
    volumes aside: a flight is judged against its plan, not against them)."""

    def active(zone: Zone) -> Callable[[float], bool]:
        if zone.is_permanent:
            return lambda _t: True
        return lambda t_s: is_active(zone, epoch + timedelta(seconds=t_s), tz)

    return zone_volumes_xy(index, active, keep=lambda z: owner_flight(z.identifier) is None)
