"""What a decision says: its status, the lifecycle states, the reasons with their codes, and
the :class:`Decision` itself (the objects shared by the planner, the approval API and the
scenario replay's ``decisions``). Times are planner seconds; trajectories lon/lat degrees
with altitudes in metres above ground (converted at the edge by the planner).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from shapely.geometry import Polygon, mapping


class Status(StrEnum):
    """A decision's outcome."""

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
    """Machine-readable reason codes of decisions."""

    ZONE_PROHIBITED = "ZONE_PROHIBITED"
    ZONE_REQ_AUTHORISATION = "ZONE_REQ_AUTHORISATION"
    ZONE_CONDITIONAL = "ZONE_CONDITIONAL"
    CEILING = "CEILING"
    TERRAIN = "TERRAIN"
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
    OFF_NOMINAL_VOLUME = "OFF_NOMINAL_VOLUME"
    REVIEW_DENIED = "REVIEW_DENIED"
    # the flight-activity workflow (airspace.workflow)
    EXEMPT = "EXEMPT"
    APPLICATION_REQUIRED = "APPLICATION_REQUIRED"
    FILING_DEADLINE = "FILING_DEADLINE"
    EMERGENCY_DEADLINE = "EMERGENCY_DEADLINE"
    PRIORITY_NOT_GRANTED = "PRIORITY_NOT_GRANTED"
    NOT_CONFIRMED = "NOT_CONFIRMED"
    ACTIVATION_WINDOW = "ACTIVATION_WINDOW"
    ZONE_LEAD_TIME = "ZONE_LEAD_TIME"
    LONG_TERM_MISMATCH = "LONG_TERM_MISMATCH"
    ZONE_INTERVAL_BEFORE = "ZONE_INTERVAL_BEFORE"
    DOCUMENT_MISSING = "DOCUMENT_MISSING"
    DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"
    DRONE_NOT_ACTIVE = "DRONE_NOT_ACTIVE"
    DURATION = "DURATION"
    DEPARTURE_WINDOW = "DEPARTURE_WINDOW"


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
        """The reason as a JSON object."""
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

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Reason:
        """Read what :meth:`to_json` wrote (unknown keys go to ``detail``)."""
        known = {"code", "message", "zone", "flight", "rule"}
        return cls(
            code=ReasonCode(d["code"]),
            message=d.get("message", ""),
            zone=d.get("zone"),
            flight=d.get("flight"),
            rule=d.get("rule"),
            detail={k: v for k, v in d.items() if k not in known},
        )


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

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Decision:
        """Read what :meth:`to_json` wrote."""
        trajectory = d.get("trajectory")
        area: dict[str, Any] | None = None
        if "area" in d:
            area = {k: d[k] for k in ("area", "lower_m", "upper_m", "start", "end") if k in d}
        return cls(
            flight_id=d["flight"],
            status=Status(d["status"]),
            decided_at_s=float(d["decided_at"]),
            departure_s=None if d.get("departure") is None else float(d["departure"]),
            delay_s=None if d.get("delay_s") is None else float(d["delay_s"]),
            trajectory=None
            if trajectory is None
            else np.asarray(trajectory, dtype=np.float64).reshape(-1, 4),
            area=area,
            reasons=[Reason.from_json(r) for r in d.get("reasons", [])],
            route=d.get("route"),
        )


def area_json(
    polygon: Polygon, lower_m: float, upper_m: float, start_s: float, end_s: float
) -> dict[str, Any]:
    """The ``area`` object of a decision for an area operation."""
    return {
        "area": mapping(polygon),
        "lower_m": float(lower_m),
        "upper_m": float(upper_m),
        "start": float(start_s),
        "end": float(end_s),
    }
