"""A flight request's values read once, at the edge (``POST /v1/flights`` and ``PUT
/v1/flights/{id}``): the model (:class:`api.schemas.FlightCreate`) has validated the body, the
area polygon is parsed here once, and the planner's :class:`planner.requests.FlightRequest` is
built from these values directly (no raw dict read again by
:func:`planner.requests.request_from_dict`, which stays the reader of scenario files and
InterUSS).

The answers do not change: what only the planner's reading refused (a route key given as
``null`` beside another form, a non-finite altitude band or duration, an area polygon that
encloses nothing) is refused with the planner's message, and at the same moment as before,
when the decision job builds the request (:meth:`FilingValues.request`): after the idempotent
retry, the drone and the flight id are looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry import Polygon

from airspace.drones import Drone
from api.airspace_state import AirspaceState
from api.errors import bad_field
from api.schemas import FlightCreate, RouteSpec
from api.wire import count_vertices, polygon_from_geojson, seconds
from planner.requests import (
    ONE_FORM,
    TO_NEEDS_FROM,
    CorridorRoute,
    FlightRequest,
    Route,
    WaypointRoute,
    area_route,
    usable_area,
)


@dataclass(frozen=True)
class FilingValues:
    """What a flight request says, read: the departure window in planner seconds and the
    planner's route, or why the planner refuses the route (:meth:`request` raises it)."""

    earliest_s: float
    latest_s: float
    speed_mps: float | None
    route: Route | None
    route_error: str = ""

    def request(
        self, flight_id: str, drone: Drone, *, priority: int, operator_id: str
    ) -> FlightRequest:
        """The planner's request, as :func:`planner.requests.request_from_dict` made it from
        the same body.

        Raises
        ------
        ValueError
            The planner's message for the route (see the module docstring).
        """
        if self.route is None:
            raise ValueError(self.route_error)
        return FlightRequest(
            flight_id=flight_id,
            drone=drone,
            route=self.route,
            earliest_s=self.earliest_s,
            latest_s=self.latest_s,
            speed_mps=self.speed_mps,
            priority=int(priority),
            operator_id=operator_id,
        )


def filing_values(
    state: AirspaceState, body: FlightCreate, raw: dict[str, Any], *, max_vertices: int
) -> FilingValues:
    """The HTTP-shape checks a flight request (new or modified) passes before it is queued
    (the route's vertex count, the area polygon, the departure window: each a 4xx at once),
    then the planner's route built from the values read."""
    n = count_vertices(raw.get("route"))
    if n > max_vertices:
        raise bad_field("route", f"{n} vertices exceed the limit of {max_vertices}", status=413)
    polygon = None
    if body.route.area is not None:
        polygon = polygon_from_geojson(body.route.area, "route.area")
    earliest_s = seconds(state, body.departure.earliest, "departure.earliest")
    latest_s = seconds(state, body.departure.latest, "departure.latest")
    if latest_s < earliest_s:
        raise bad_field("departure.latest", "is before departure.earliest")
    speed_mps = None if body.speed_mps is None else float(body.speed_mps)
    # + 0.0 as request_from_dict adds its epoch offset: a -0.0 departure reads as 0.0.
    earliest_s, latest_s = earliest_s + 0.0, latest_s + 0.0
    try:
        route = route_from_spec(body.route, polygon)
    except ValueError as e:
        return FilingValues(earliest_s, latest_s, speed_mps, None, str(e))
    return FilingValues(earliest_s, latest_s, speed_mps, route)


def route_from_spec(spec: RouteSpec, polygon: Polygon | None) -> Route:
    """The planner's route of a validated route object, ``polygon`` its area already parsed
    (:func:`api.wire.polygon_from_geojson`).

    The model counts a form by its value, the planner by its key: a key sent as ``null``
    beside another form passes the model, and is refused here as the planner refuses it.

    Raises
    ------
    ValueError
        The planner's message (:func:`planner.requests.route_from_dict`'s).
    """
    sent = spec.model_fields_set
    if "to" in sent and "from_" not in sent:
        raise ValueError(TO_NEEDS_FROM)
    if sum(k in sent for k in ("waypoints", "from_", "area")) != 1:
        raise ValueError(ONE_FORM)
    if spec.waypoints is not None:
        return WaypointRoute(tuple((w[0], w[1], w[2]) for w in spec.waypoints))
    if spec.from_ is not None and spec.to is not None:
        return CorridorRoute((spec.from_[0], spec.from_[1]), (spec.to[0], spec.to[1]))
    if polygon is None:  # the model lets no other form through
        raise ValueError(ONE_FORM)
    return area_route(usable_area(polygon), spec.lower_m, spec.upper_m, spec.duration_s)
