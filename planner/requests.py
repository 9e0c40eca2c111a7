"""What a flight request is and what a decision says: the objects shared by the planner, the
approval API and the scenario replay (the ``request`` event and the replay ``decisions``).

Times are seconds on the planner's clock (seconds after the planner's epoch: the scenario
start in a replay, a fixed instant in the service). Positions are lon/lat degrees with
altitudes in metres above ground.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from shapely.geometry import Polygon, mapping

from airspace.drones import Drone


@dataclass(frozen=True)
class WaypointRoute:
    """Flown as filed; only the departure moves. Rows are ``(lon, lat, altitude_m AGL)``."""

    waypoints: tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class CorridorRoute:
    """Routed by the planner over the corridor network; it picks route and layer."""

    origin: tuple[float, float]
    destination: tuple[float, float]


@dataclass(frozen=True)
class AreaRoute:
    """An area operation: polygon (lon/lat) x altitude band x ``duration_s``."""

    polygon: Polygon
    lower_m: float
    upper_m: float
    duration_s: float


Route = WaypointRoute | CorridorRoute | AreaRoute


@dataclass(frozen=True)
class FlightRequest:
    """A request to fly, decided first-come-first-served at its priority."""

    flight_id: str
    drone: Drone
    route: Route
    earliest_s: float
    latest_s: float
    speed_mps: float | None = None
    """Cruise ground speed; ``None`` takes the drone's (or corridor's) maximum."""
    priority: int = 0
    operator_id: str = ""


class Status(StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class State(StrEnum):
    """Lifecycle states (ASTM F3548 vocabulary)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    ACTIVATED = "activated"
    ENDED = "ended"
    CANCELLED = "cancelled"
    REVOKED = "revoked"
    REJECTED = "rejected"
    NONCONFORMING = "nonconforming"
    CONTINGENT = "contingent"


class ReasonCode(StrEnum):
    ZONE_PROHIBITED = "ZONE_PROHIBITED"
    ZONE_REQ_AUTHORISATION = "ZONE_REQ_AUTHORISATION"
    ZONE_CONDITIONAL = "ZONE_CONDITIONAL"
    CEILING = "CEILING"
    DRONE_CLASS = "DRONE_CLASS"
    CONFLICT = "CONFLICT"
    NO_SLOT = "NO_SLOT"
    NO_ROUTE = "NO_ROUTE"
    SPEED = "SPEED"
    ALTITUDE = "ALTITUDE"
    TIME_IN_PAST = "TIME_IN_PAST"
    TOO_FAR_AHEAD = "TOO_FAR_AHEAD"
    INVALID = "INVALID"
    OUTRANKED = "OUTRANKED"
    REPLANNED = "REPLANNED"
    ZONE_PUBLISHED = "ZONE_PUBLISHED"
    REVIEW_DENIED = "REVIEW_DENIED"


@dataclass(frozen=True)
class Reason:
    """A machine-readable reason, naming the zone, flight or rule involved."""

    code: ReasonCode
    message: str = ""
    zone: str | None = None
    flight: str | None = None
    rule: str | None = None
    detail: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": str(self.code)}
        for k in ("zone", "flight", "rule"):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        if self.message:
            out["message"] = self.message
        if self.detail:
            out.update(self.detail)
        return out


@dataclass
class Decision:
    """The planner's answer to one request.

    ``trajectory`` rows are ``[lon, lat, altitude_m AGL, t_s]`` for route flights; area
    operations fill ``area`` instead (``{"area": GeoJSON, "lower_m", "upper_m", "start",
    "end"}``). ``route`` describes a corridor choice (edges, layer) when the planner made one.
    """

    flight_id: str
    status: Status
    decided_at_s: float
    departure_s: float | None = None
    delay_s: float | None = None
    trajectory: np.ndarray | None = None
    area: dict[str, Any] | None = None
    reasons: list[Reason] = field(default_factory=list)
    route: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The replay/API decision object (interchange v1)."""
        out: dict[str, Any] = {
            "flight": self.flight_id,
            "status": str(self.status),
            "decided_at": self.decided_at_s,
            "departure": self.departure_s,
            "delay_s": self.delay_s,
        }
        if self.trajectory is not None:
            out["trajectory"] = [[float(v) for v in row] for row in self.trajectory]
        if self.area is not None:
            out.update(self.area)
        if self.route is not None:
            out["route"] = self.route
        out["reasons"] = [r.to_json() for r in self.reasons]
        return out


def area_json(polygon: Polygon, lower_m: float, upper_m: float, start_s: float, end_s: float) -> dict[str, Any]:
    return {
        "area": mapping(polygon),
        "lower_m": float(lower_m),
        "upper_m": float(upper_m),
        "start": float(start_s),
        "end": float(end_s),
    }
