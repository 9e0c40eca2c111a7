"""What a flight request is, and its one domain validation (:func:`route_from_dict`,
:func:`request_from_dict` for raw objects: scenario files, InterUSS; :func:`usable_area` and
:func:`area_route` for values an edge already read, which then builds the :class:`FlightRequest`
itself): the objects shared by the planner, the approval API and the
scenario replay (the ``request`` event). What a decision says is in :mod:`planner.outcomes`
(re-exported here).

Times are seconds on the planner's clock (seconds after the planner's epoch: the scenario
start in a replay, a fixed instant in the service). Positions are lon/lat degrees with
altitudes in metres above ground.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Polygon, mapping, shape

from airspace.drones import Drone
from planner.outcomes import (  # noqa: F401 (re-exported: the names importers use)
    Decision,
    Reason,
    ReasonCode,
    State,
    Status,
    area_json,
)


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

ONE_FORM = "route: give exactly one of 'waypoints', 'from'/'to' or 'area'"
"""The message when a route object names no form or several (a key present counts, even null)."""
TO_NEEDS_FROM = "route.from: a 'to' needs a 'from' position [lon, lat]"
"""The message when a route object has a ``to`` key but no ``from`` key."""
BAD_AREA = "route.area: the polygon must be non-empty, valid and not self-intersecting"
"""The message for an area polygon that is empty, invalid or encloses no area."""


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

    def to_json(self) -> dict[str, Any]:
        """The request as JSON: the scenario ``request`` event shape plus the full drone.

        Inverse of :meth:`from_json` (times are planner seconds).
        """
        return {
            "flight": self.flight_id,
            "drone": drone_to_json(self.drone),
            "operator": self.operator_id,
            "priority": self.priority,
            "departure": {"earliest": self.earliest_s, "latest": self.latest_s},
            "speed_mps": self.speed_mps,
            "route": route_to_json(self.route),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FlightRequest:
        """Read what :meth:`to_json` wrote."""
        drone = drone_from_json(d["drone"])
        return request_from_dict(d, drone)


def drone_to_json(drone: Drone) -> dict[str, Any]:
    """A drone as a JSON object (the scenario ``drones`` item, all fields)."""
    return {
        "id": drone.id,
        "operator": drone.operator_id,
        "serial": drone.serial,
        "empty_weight_kg": drone.empty_weight_kg,
        "max_takeoff_weight_kg": drone.max_takeoff_weight_kg,
        "max_speed_mps": drone.max_speed_mps,
        "max_altitude_m": drone.max_altitude_m,
        "vertical_rate_mps": drone.vertical_rate_mps,
        "capabilities": sorted(drone.capabilities),
        "class": drone.drone_class,
    }


def drone_from_json(d: dict[str, Any]) -> Drone:
    """Read a drone object (scenario ``drones`` item or :func:`drone_to_json` output)."""
    if not isinstance(d, dict) or "id" not in d:
        raise ValueError("drone: expected an object with an 'id'")

    def opt(key: str) -> float | None:
        v = d.get(key)
        return None if v is None else _number(v, f"drone.{key}")

    return Drone(
        id=str(d["id"]),
        operator_id=str(d.get("operator", d.get("operator_id", "")) or ""),
        serial=str(d.get("serial", "") or ""),
        empty_weight_kg=opt("empty_weight_kg"),
        max_takeoff_weight_kg=opt("max_takeoff_weight_kg"),
        max_speed_mps=_number(d.get("max_speed_mps", 20.0), "drone.max_speed_mps"),
        max_altitude_m=opt("max_altitude_m"),
        vertical_rate_mps=_number(d.get("vertical_rate_mps", 3.0), "drone.vertical_rate_mps"),
        capabilities=frozenset(str(c) for c in d.get("capabilities", ()) or ()),
        drone_class=d.get("class", d.get("drone_class")),
    )


def route_to_json(route: Route) -> dict[str, Any]:
    """A route as the scenario ``route`` object."""
    if isinstance(route, WaypointRoute):
        return {"waypoints": [list(w) for w in route.waypoints]}
    if isinstance(route, CorridorRoute):
        return {"from": list(route.origin), "to": list(route.destination)}
    return {
        "area": mapping(route.polygon),
        "lower_m": route.lower_m,
        "upper_m": route.upper_m,
        "duration_s": route.duration_s,
    }


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: expected a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{what}: expected a finite number, got {value!r}")
    return v


def _position(value: Any, what: str, size: int) -> tuple[float, ...]:
    if not isinstance(value, list | tuple) or len(value) != size:
        names = "[lon, lat, altitude_m]" if size == 3 else "[lon, lat]"
        raise ValueError(f"{what}: expected {names}, got {value!r}")
    return tuple(_number(v, what) for v in value)


def route_from_dict(d: Any) -> Route:
    """Parse the scenario/API ``route`` object (``waypoints`` | ``from``/``to`` | ``area``).

    Raises
    ------
    ValueError
        Naming the field to fix.
    """
    if not isinstance(d, dict):
        raise ValueError("route: expected an object with 'waypoints', 'from'/'to' or 'area'")
    kinds = [k for k in ("waypoints", "from", "area") if k in d]
    if "to" in d and "from" not in d:
        raise ValueError(TO_NEEDS_FROM)
    if len(kinds) != 1:
        raise ValueError(ONE_FORM)
    if "waypoints" in d:
        wps = d["waypoints"]
        if not isinstance(wps, list) or len(wps) < 2:
            raise ValueError("route.waypoints: expected at least two [lon, lat, altitude_m] rows")
        rows = tuple(_position(w, f"route.waypoints[{i}]", 3) for i, w in enumerate(wps))
        return WaypointRoute(rows)  # type: ignore[arg-type]
    if "from" in d:
        if "to" not in d:
            raise ValueError("route.to: a 'from' needs a 'to' position [lon, lat]")
        origin = _position(d["from"], "route.from", 2)
        destination = _position(d["to"], "route.to", 2)
        return CorridorRoute(origin, destination)  # type: ignore[arg-type]
    area = d["area"]
    if not isinstance(area, dict) or area.get("type") != "Polygon":
        raise ValueError("route.area: expected a GeoJSON Polygon")
    try:
        polygon = shape(area)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValueError(f"route.area: not a readable GeoJSON Polygon ({exc})") from None
    if polygon.is_empty or not polygon.is_valid:
        raise ValueError(BAD_AREA)
    usable_area(polygon)
    for key in ("lower_m", "upper_m", "duration_s"):
        if key not in d:
            raise ValueError(f"route.{key}: required for an area operation")
    return area_route(polygon, d["lower_m"], d["upper_m"], d["duration_s"])


def usable_area(polygon: Polygon) -> Polygon:
    """``polygon`` if it encloses some area; a reader has already found it non-empty and valid
    (:func:`route_from_dict` here, the API's GeoJSON reader at its edge).

    Raises
    ------
    ValueError
        :data:`BAD_AREA`.
    """
    if polygon.area <= 0.0:
        raise ValueError(BAD_AREA)
    return polygon


def area_route(polygon: Polygon, lower_m: Any, upper_m: Any, duration_s: Any) -> AreaRoute:
    """An area operation from values already read: ``polygon`` passed by :func:`usable_area`,
    the band and the duration as numbers (checked finite, the band ordered, the duration
    positive, with :func:`route_from_dict`'s messages).

    Raises
    ------
    ValueError
        Naming the field to fix.
    """
    lower_m = _number(lower_m, "route.lower_m")
    upper_m = _number(upper_m, "route.upper_m")
    duration_s = _number(duration_s, "route.duration_s")
    if upper_m <= lower_m:
        raise ValueError(f"route.upper_m: must be above lower_m ({upper_m} <= {lower_m})")
    if duration_s <= 0.0:
        raise ValueError(f"route.duration_s: must be positive, got {duration_s}")
    return AreaRoute(polygon, lower_m, upper_m, duration_s)


def request_from_dict(
    d: dict[str, Any], drone: Drone, *, epoch_offset_s: float = 0.0
) -> FlightRequest:
    """Parse a scenario ``request`` event or an API request body into a :class:`FlightRequest`.

    Parameters
    ----------
    d : dict
        ``flight`` (or ``flight_id``), ``route``, ``departure: {earliest, latest}`` in seconds,
        optional ``speed_mps``, ``priority`` (integer, default 0) and ``operator``.
    drone : Drone
        The registered drone flying it (the event's ``drone`` field names it; the caller
        looks it up).
    epoch_offset_s : float
        Added to the departure times, for bodies whose seconds count from another instant
        than the planner's epoch.

    Raises
    ------
    ValueError
        Naming the field to fix.

    Examples
    --------
    >>> from airspace.drones import Drone
    >>> r = request_from_dict({"flight": "F-1", "departure": {"earliest": 300, "latest": 900},
    ...     "route": {"from": [120.38, 36.07], "to": [120.42, 36.09]}}, Drone("DR-1"))
    >>> r.earliest_s, r.latest_s, type(r.route).__name__
    (300.0, 900.0, 'CorridorRoute')
    """
    if not isinstance(d, dict):
        raise ValueError("request: expected an object")
    flight_id = d.get("flight", d.get("flight_id"))
    if not isinstance(flight_id, str) or not flight_id:
        raise ValueError("flight: expected a non-empty flight id string")
    if "route" not in d:
        raise ValueError("route: required ('waypoints', 'from'/'to' or 'area')")
    route = route_from_dict(d["route"])
    dep = d.get("departure")
    if not isinstance(dep, dict) or "earliest" not in dep:
        raise ValueError("departure: expected {earliest: seconds, latest: seconds}")
    earliest_s = _number(dep["earliest"], "departure.earliest") + float(epoch_offset_s)
    latest_raw = dep.get("latest", dep["earliest"])
    latest_s = _number(latest_raw, "departure.latest") + float(epoch_offset_s)
    if latest_s < earliest_s:
        raise ValueError(
            f"departure.latest: must not be before earliest ({latest_s} < {earliest_s})"
        )
    speed = d.get("speed_mps")
    speed_mps = None if speed is None else _number(speed, "speed_mps")
    if speed_mps is not None and speed_mps <= 0.0:
        raise ValueError(f"speed_mps: must be positive, got {speed_mps}")
    priority = d.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        if isinstance(priority, float) and priority.is_integer():
            priority = int(priority)
        else:
            raise ValueError(f"priority: expected an integer, got {priority!r}")
    operator = d.get("operator", d.get("operator_id")) or drone.operator_id
    return FlightRequest(
        flight_id=flight_id,
        drone=drone,
        route=route,
        earliest_s=earliest_s,
        latest_s=latest_s,
        speed_mps=speed_mps,
        priority=int(priority),
        operator_id=str(operator),
    )
