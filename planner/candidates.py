"""Candidate routes: the undelayed 4D alternatives of one request, in the planner frame.

A waypoint route gives one trajectory, an area operation one :class:`AreaOp`; a ``from``/``to``
request asks the corridor router (:class:`planner.routing.Router`, over the compiled zone
set's geo-awareness index) for up to three routes at each of two altitude layers, first for
the earliest departure and, if every route is blocked then, for the latest. Candidates whose
top altitude the rules refuse are dropped with their reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airspace.clock import Clock
from airspace.deployment import Deployment
from airspace.errors import AirspaceError
from airspace.projection import Projection
from airspace.rules import RuleSet
from planner.requests import (
    AreaRoute,
    CorridorRoute,
    FlightRequest,
    Reason,
    ReasonCode,
    WaypointRoute,
)
from planner.trajectory import AreaOp, Trajectory4D, build_waypoint_trajectory
from planner.true_height import TrueHeight
from planner.validation import Checked, altitude_findings, below_ground
from planner.zoneset import CompiledZones

Flight = Trajectory4D | AreaOp

CORRIDOR_LAYER_OFFSETS = (0, 1)
"""Altitude-layer alternatives asked of the router for each corridor request."""
CORRIDOR_ROUTES_K = 3
"""Routes asked of the router per departure and layer offset."""


@dataclass
class Candidate:
    """One alternative of a request: its flight departing at the request's ``earliest_s``,
    the ``route`` object of a corridor decision, and the reasons it would wait for."""

    flight: Flight
    route: dict[str, Any] | None = None
    pending: list[Reason] = field(default_factory=list)


class CandidateRoutes:
    """Builds the candidates of requests (see the module docstring).

    Parameters
    ----------
    deployment : Deployment
        For the router.
    projection : Projection
        lon/lat of filed routes to planner metres.
    ruleset : RuleSet
        Altitude limits.
    clock : Clock
        The planner epoch (the router reads zone schedules against it).
    zones : CompiledZones
        The zones the router avoids.
    separation_v_m : float
        The vertical separation between corridor layers.
    corridors : CorridorNetwork or None
        Needed for ``from``/``to`` requests.
    heights : callable
        True heights of ``[lon, lat, altitude_m]`` rows over the deployment's terrain
        (:meth:`planner.decision.Planner.true_height`).
    """

    def __init__(
        self,
        deployment: Deployment,
        projection: Projection,
        ruleset: RuleSet,
        clock: Clock,
        zones: CompiledZones,
        separation_v_m: float,
        corridors: Any = None,
        *,
        heights: Callable[[np.ndarray], TrueHeight],
    ):
        self.deployment = deployment
        self.projection = projection
        self.ruleset = ruleset
        self.clock = clock
        self.zones = zones
        self.separation_v_m = separation_v_m
        self.corridors = corridors
        self.heights = heights
        """True heights of ``[lon, lat, altitude_m]`` rows over the deployment's terrain."""
        self.router: Any = None
        """The corridor router, made on the first ``from``/``to`` request."""
        self.router_cache_size: int | None = None
        """Bound of each router cache (None: :data:`planner.routing.PATH_CACHE_SIZE`)."""

    def zones_changed(self) -> None:
        """Tell the router (if any) that the zone set changed."""
        if self.router is not None:
            self.router.set_zones(self.zones.geo_index())

    def build(
        self, request: FlightRequest, checked: Checked
    ) -> tuple[list[Candidate], list[Reason]]:
        """Undelayed 4D alternatives for a request, and reasons why others were dropped."""
        route = request.route
        drone = request.drone
        if isinstance(route, CorridorRoute):
            return self._corridor(request, checked)
        try:
            if isinstance(route, WaypointRoute):
                traj = build_waypoint_trajectory(
                    np.asarray(route.waypoints, dtype=np.float64),
                    request.earliest_s,
                    float(checked.speed_mps or 0.0),
                    drone.vertical_rate_mps,
                    self.projection,
                )
                if traj.end_s <= traj.start_s:
                    return [], [
                        Reason(ReasonCode.INVALID, "route.waypoints: the route has no length")
                    ]
                return [Candidate(traj)], []
            if isinstance(route, AreaRoute):
                op = AreaOp.from_lonlat(
                    route.polygon,
                    route.lower_m,
                    route.upper_m,
                    request.earliest_s,
                    request.earliest_s + route.duration_s,
                    self.projection,
                )
                return [Candidate(op)], []
        except (AirspaceError, ValueError) as exc:
            return [], [Reason(ReasonCode.INVALID, str(exc))]
        return [], [Reason(ReasonCode.INVALID, f"unknown route type {type(route).__name__}")]

    def _router(self) -> Any:
        if self.router is None:
            from planner.routing import Router

            self.router = Router(
                self.corridors,
                self.zones.geo_index(),
                self.deployment,
                self.separation_v_m,
                cache_size=self.router_cache_size,
            )
        return self.router

    def _corridor(
        self, request: FlightRequest, checked: Checked
    ) -> tuple[list[Candidate], list[Reason]]:
        route = request.route
        assert isinstance(route, CorridorRoute)
        if self.corridors is None:
            return [], [
                Reason(ReasonCode.NO_ROUTE, "no corridor network is loaded for from/to requests")
            ]
        router = self._router()
        plans = []
        seen: set[tuple] = set()
        # Routes avoid the zones active when they are flown: ask for the earliest departure
        # and, if every route is blocked then, for the latest one.
        for depart_s in dict.fromkeys((checked.depart_lo_s, checked.depart_hi_s)):
            for offset in CORRIDOR_LAYER_OFFSETS:
                for p in router.routes(
                    route.origin,
                    route.destination,
                    depart_s,
                    self.clock.epoch,
                    k=CORRIDOR_ROUTES_K,
                    speed_mps=checked.speed_mps,
                    vertical_rate_mps=request.drone.vertical_rate_mps,
                    layer_offset=offset,
                ):
                    key = (tuple(p.edges), tuple(p.edge_layers_m))
                    if key not in seen:
                        seen.add(key)
                        plans.append(p)
            if plans:
                break
        out: list[Candidate] = []
        dropped: list[Reason] = []
        for p in plans:
            rows = np.array(p.trajectory, dtype=np.float64)
            rows[:, 3] += request.earliest_s - rows[0, 3]  # undelayed: departs at earliest_s
            th = self.heights(rows[:, :3])
            reject, pending = altitude_findings(th.max_m, checked, self.ruleset, th.where_max)
            if th.min_m < 0.0:
                dropped.append(below_ground(th))
                continue
            if reject:
                dropped.extend(reject)
                continue
            if p.trajectory_xy is not None and self.corridors.projection is self.projection:
                xy = p.trajectory_xy[:, :2]  # the router's own metres: no lon/lat round trip
                traj = Trajectory4D(np.column_stack([xy, rows[:, 2], rows[:, 3]]))
            else:
                x, y = self.projection.to_xy(rows[:, 0], rows[:, 1])
                traj = Trajectory4D(np.column_stack([x, y, rows[:, 2], rows[:, 3]]))
            info = {
                "edges": list(p.edges),
                "layer_m": float(p.layer_m),
                "length_m": float(p.length_m),
                "duration_s": float(p.duration_s),
            }
            out.append(Candidate(traj, info, pending))
        if not out and not dropped:
            dropped.append(
                Reason(ReasonCode.NO_ROUTE, "every corridor route is blocked by active zones")
            )
        return out, dropped
