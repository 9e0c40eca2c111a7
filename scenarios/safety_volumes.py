"""The values of the final safety check (:mod:`scenarios.safety`): what it checks (accepted
route flights and area operations, restriction windows) and what it finds (conflicts, zone
violations, the report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import Polygon

from airspace.zones import Restriction


@dataclass(frozen=True)
class RouteVolume:
    """An accepted route flight: rows ``[lon, lat, altitude_m AGL, t_s]``, linear between rows."""

    flight_id: str
    trajectory: np.ndarray


@dataclass(frozen=True)
class AreaVolume:
    """An accepted area operation: polygon (lon/lat) x ``[lower_m, upper_m]`` x ``[start_s, end_s]``."""

    flight_id: str
    polygon: Polygon
    lower_m: float
    upper_m: float
    start_s: float
    end_s: float


@dataclass(frozen=True)
class ZoneWindow:
    """A restriction volume and the scenario seconds during which it applies."""

    zone_id: str
    restriction: Restriction
    polygon: Polygon
    lower_m: float
    upper_m: float
    intervals: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Conflict:
    """Two accepted flights closer than the separation minima at ``t_s``."""

    flight_a: str
    flight_b: str
    t_s: float
    horizontal_m: float
    vertical_m: float
    instant: bool = False
    """The two flights share only one instant (one ends exactly when the other starts)."""

    def to_json(self) -> dict[str, Any]:
        """The conflict as plain data."""
        out: dict[str, Any] = {
            "flights": [self.flight_a, self.flight_b],
            "t": round(self.t_s, 3),
            "horizontal_m": round(self.horizontal_m, 3),
            "vertical_m": round(self.vertical_m, 3),
        }
        if self.instant:
            out["instant"] = True
        return out


@dataclass(frozen=True)
class ZoneViolation:
    """An accepted flight inside an active restriction it was not authorised for."""

    flight_id: str
    zone_id: str
    restriction: str
    t_s: float

    def to_json(self) -> dict[str, Any]:
        """The violation as plain data."""
        return {
            "flight": self.flight_id,
            "zone": self.zone_id,
            "restriction": self.restriction,
            "t": round(self.t_s, 3),
        }


@dataclass
class SafetyReport:
    """Result of :func:`check_safety`; ``ok`` is what the replay's exit status follows."""

    flights: int
    pairs_checked: int
    conflicts: list[Conflict] = field(default_factory=list)
    violations: list[ZoneViolation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No conflict and no zone violation."""
        return not self.conflicts and not self.violations

    def to_json(self) -> dict[str, Any]:
        """The report as plain data."""
        return {
            "ok": self.ok,
            "flights": self.flights,
            "pairs_checked": self.pairs_checked,
            "conflicts": len(self.conflicts),
            "conflicts_at_one_instant": sum(c.instant for c in self.conflicts),
            "zone_violations": len(self.violations),
            "conflict_details": [c.to_json() for c in self.conflicts[:50]],
            "violation_details": [v.to_json() for v in self.violations[:50]],
        }
