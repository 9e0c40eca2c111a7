"""Bounded work per request: the limits that keep one request from holding the planner for
minutes or filling memory, checked before any trajectory is built or any index is touched.

A request's cost grows with how long its flight lasts (the space-time index files it under
every time bucket it spans) and how wide its departure window is (the slot search sweeps it).
Physically meaningless requests (a 1 km route at 1e-7 m/s is a 283-year flight) are therefore
rejected with a rule code, before the planner does anything with them:

========================  ==========================  ==========================================
code                      rule                        limit (default)
========================  ==========================  ==========================================
``SPEED``                 ``bounds.min_speed_mps``    cruise speed at least 0.5 m/s (micro) or
                                                      1 m/s (every other class)
``DURATION``              ``bounds.max_duration_s``   a flight (route or area) lasts at most 12 h
``DEPARTURE_WINDOW``      ``bounds.max_window_s``     ``latest - earliest`` at most 24 h
``ALTITUDE``              ``bounds.max_altitude_m``   no point above 5,000 m AGL (no drone the
                                                      rules know flies there)
========================  ==========================  ==========================================

With these, a decision touches at most ``(duration + window) / bucket`` time buckets of the
index per grid cell it crosses, whatever the numbers in the request.

Examples
--------
>>> from airspace.drones import Drone
>>> from planner.requests import FlightRequest, WaypointRoute
>>> route = WaypointRoute(((120.38, 36.07, 0.0), (120.39, 36.07, 60.0)))
>>> slow = FlightRequest("F-1", Drone("D-1"), route, 0.0, 600.0, speed_mps=1e-7)
>>> [(str(r.code), r.rule) for r in bound_findings(slow, "light", RequestBounds())]
[('SPEED', 'bounds.min_speed_mps'), ('DURATION', 'bounds.max_duration_s')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

from planner.requests import AreaRoute, CorridorRoute, FlightRequest, Reason, ReasonCode

_GEOD = Geod(ellps="WGS84")


def _default_min_speeds() -> dict[str, float]:
    return {"micro": 0.5}


@dataclass(frozen=True)
class RequestBounds:
    """The limits on one request (settings ``QINGKONG_MAX_FLIGHT_DURATION_S`` ... in the API).

    Attributes
    ----------
    max_duration_s : float
        Longest flight: route flights from take-off to landing, area operations' ``duration_s``.
    max_window_s : float
        Widest departure window (``latest - earliest``).
    max_altitude_m : float
        Highest altitude (m AGL) a request may name at all; above the ceiling but below this
        goes to review as the rules say, above this is rejected.
    min_speed_mps : float
        Slowest cruise ground speed of a route flight, unless ``min_speed_by_class_mps``
        names the drone's class.
    min_speed_by_class_mps : dict
        Per drone class (e.g. ``{"micro": 0.5}``).
    """

    max_duration_s: float = 12 * 3600.0
    max_window_s: float = 24 * 3600.0
    max_altitude_m: float = 5000.0
    min_speed_mps: float = 1.0
    min_speed_by_class_mps: dict[str, float] = field(default_factory=_default_min_speeds)

    def __post_init__(self) -> None:
        for name in ("max_duration_s", "max_window_s", "max_altitude_m", "min_speed_mps"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive finite number, got {v}")
        for cls, v in self.min_speed_by_class_mps.items():
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"min speed of class {cls} must be positive and finite, got {v}")

    def min_speed_for(self, drone_class: str) -> float:
        """The slowest cruise speed allowed for ``drone_class``."""
        return float(self.min_speed_by_class_mps.get(drone_class, self.min_speed_mps))


def _hours(t_s: float) -> str:
    return f"{t_s / 3600.0:.4g} h"


def route_duration_s(lonlat_alt: np.ndarray, speed_mps: float, vertical_rate_mps: float) -> float:
    """Flight time of a waypoint route (rows ``lon, lat, altitude_m``): each leg takes the
    longer of its geodesic length / ``speed_mps`` and its climb / ``vertical_rate_mps``.

    >>> rows = np.array([[120.0, 36.0, 0.0], [120.0, 36.0, 90.0], [120.0, 36.009, 90.0]])
    >>> round(route_duration_s(rows, 10.0, 3.0), 1)
    129.9
    """
    lon, lat, alt = lonlat_alt[:, 0], lonlat_alt[:, 1], lonlat_alt[:, 2]
    _az1, _az2, dist_m = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    horizontal_s = np.asarray(dist_m, dtype=float) / speed_mps
    vertical_s = np.abs(np.diff(alt)) / vertical_rate_mps
    return float(np.maximum(horizontal_s, vertical_s).sum())


def bound_findings(
    request: FlightRequest,
    drone_class: str,
    bounds: RequestBounds,
    speed_mps: float | None = None,
) -> list[Reason]:
    """The bounds ``request`` breaks (empty: its cost is bounded).

    Parameters
    ----------
    request : FlightRequest
    drone_class : str
        The drone's class (it picks the minimum speed).
    bounds : RequestBounds
    speed_mps : float, optional
        The cruise speed the flight will fly (default: the request's).
    """
    out: list[Reason] = []
    route = request.route
    earliest, latest = float(request.earliest_s), float(request.latest_s)
    if (
        math.isfinite(earliest)
        and math.isfinite(latest)
        and latest - earliest > bounds.max_window_s
    ):
        out.append(
            Reason(
                ReasonCode.DEPARTURE_WINDOW,
                f"the departure window is {_hours(latest - earliest)} wide; at most "
                f"{_hours(bounds.max_window_s)} is allowed (file several requests instead)",
                rule="bounds.max_window_s",
                detail={"window_s": latest - earliest, "limit_s": bounds.max_window_s},
            )
        )
    if isinstance(route, AreaRoute):
        if route.upper_m > bounds.max_altitude_m:
            out.append(_altitude(route.upper_m, bounds))
        if route.duration_s > bounds.max_duration_s:
            out.append(_duration(route.duration_s, bounds, "the area operation lasts"))
        return out
    if speed_mps is None:
        speed_mps = request.speed_mps
    if speed_mps is None or not math.isfinite(speed_mps) or speed_mps <= 0:
        return out  # validation already rejects it as INVALID
    min_speed = bounds.min_speed_for(drone_class)
    if speed_mps < min_speed:
        out.append(
            Reason(
                ReasonCode.SPEED,
                f"{speed_mps:g} m/s is below the {min_speed:g} m/s minimum cruise speed for a "
                f"{drone_class} drone",
                rule="bounds.min_speed_mps",
                detail={"speed_mps": float(speed_mps), "limit_mps": min_speed},
            )
        )
    if isinstance(route, CorridorRoute):
        rows = np.array([[*route.origin, 0.0], [*route.destination, 0.0]], dtype=float)
        what = "even the straight line from origin to destination takes"
    else:
        rows = np.asarray(route.waypoints, dtype=float)
        top = float(rows[:, 2].max())
        if top > bounds.max_altitude_m:
            out.append(_altitude(top, bounds))
        what = "the route takes"
    duration_s = route_duration_s(rows, speed_mps, float(request.drone.vertical_rate_mps))
    if duration_s > bounds.max_duration_s:
        out.append(_duration(duration_s, bounds, f"at {speed_mps:g} m/s {what}"))
    return out


def _altitude(altitude_m: float, bounds: RequestBounds) -> Reason:
    return Reason(
        ReasonCode.ALTITUDE,
        f"{altitude_m:g} m is above {bounds.max_altitude_m:g} m AGL, higher than any drone "
        "flight the rules know (altitudes are metres above ground)",
        rule="bounds.max_altitude_m",
        detail={"altitude_m": float(altitude_m), "limit_m": bounds.max_altitude_m},
    )


def _duration(duration_s: float, bounds: RequestBounds, what: str) -> Reason:
    return Reason(
        ReasonCode.DURATION,
        f"{what} {_hours(duration_s)}; a flight may last at most {_hours(bounds.max_duration_s)}",
        rule="bounds.max_duration_s",
        detail={"duration_s": float(duration_s), "limit_s": bounds.max_duration_s},
    )
