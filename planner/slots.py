"""Slot choice and suggestions: the best conflict-free departure over a request's candidates,
and, when none fits, what the operator could file instead.

For each candidate (:mod:`planner.candidates`) the exact earliest-slot search
(:func:`planner.deconflict.earliest_slot`, on the :data:`SEARCH_QUANTUM_S` grid) runs against
the accepted flights and the PROHIBITED zone volumes active while the flight could be inside;
the winner needs no authorisation if possible, then arrives first. Without a slot the
search looks up to :data:`ALTERNATIVE_HORIZON_S` past the window for a later departure, and
tries cruise-altitude shifts (:data:`ALTERNATIVE_LAYER_STEPS`) of a waypoint route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airspace.errors import AirspaceError
from airspace.projection import Projection
from airspace.rules import RuleSet
from airspace.zones import Restriction
from planner import reasons as say
from planner.candidates import CandidateRoutes
from planner.deconflict import earliest_slot
from planner.index import SpaceTimeIndex
from planner.reasons import Failure
from planner.requests import (
    AreaRoute,
    Decision,
    FlightRequest,
    Reason,
    ReasonCode,
    Status,
    WaypointRoute,
    area_json,
)
from planner.trajectory import AreaOp, Trajectory4D, build_waypoint_trajectory, to_lonlat_rows
from planner.true_height import TrueHeight
from planner.validation import Checked, altitude_findings
from planner.zoneset import CompiledZones

Flight = Trajectory4D | AreaOp

SEARCH_QUANTUM_S = 0.1
"""Departure delays are chosen on this grid (seconds) above the earliest departure."""
ALTERNATIVE_HORIZON_S = 3600.0
"""How far past a rejected window the planner looks for a departure to suggest."""
ALTERNATIVE_LAYER_STEPS = (1, -1, 2, -2)
"""Cruise-altitude shifts (in S_v) tried to suggest an alternative to a rejected route."""


@dataclass
class Plan:
    """The chosen slot: the delayed flight, its delay, the corridor ``route`` object, the
    reasons it waits for, the lower-priority flights it overrides and the notes it carries."""

    flight: Flight
    delay_s: float
    route: dict[str, Any] | None
    pending: list[Reason]
    overridden: list[str]
    notes: list[Reason] = field(default_factory=list)


class SlotSearch:
    """Chooses slots against the filed flights and the zones in force.

    Parameters
    ----------
    index : SpaceTimeIndex
        The filed flights (:attr:`planner.records.RecordBook.index`).
    zones : CompiledZones
        The zones in force.
    candidates : CandidateRoutes
        Builds each request's alternatives.
    ruleset : RuleSet
        Altitude limits for the suggested cruise altitudes.
    projection : Projection
        lon/lat of waypoint routes to planner metres.
    separation_h_m, separation_v_m : float
        Separation minima.
    heights : callable
        True heights of ``[lon, lat, altitude_m]`` rows over the deployment's terrain
        (:meth:`planner.decision.Planner.true_height`).
    """

    def __init__(
        self,
        index: SpaceTimeIndex,
        zones: CompiledZones,
        candidates: CandidateRoutes,
        ruleset: RuleSet,
        projection: Projection,
        separation_h_m: float,
        separation_v_m: float,
        *,
        heights: Callable[[np.ndarray], TrueHeight],
    ):
        self.index = index
        self.zones = zones
        self.candidates = candidates
        self.ruleset = ruleset
        self.projection = projection
        self.separation_h_m = separation_h_m
        self.separation_v_m = separation_v_m
        self.heights = heights
        """True heights of ``[lon, lat, altitude_m]`` rows over the deployment's terrain."""

    def _earliest(
        self,
        f: Flight,
        dmin: float,
        dmax: float,
        request: FlightRequest,
        stop_above_s: float | None = None,
    ):
        return earliest_slot(
            f,
            dmin,
            dmax,
            self.index,
            self.zones.blocks(f, f.start_s + dmin, f.end_s + dmax, (Restriction.PROHIBITED,)),
            self.separation_h_m,
            self.separation_v_m,
            SEARCH_QUANTUM_S,
            ignore_priority_below=request.priority,
            exclude=(request.flight_id,),
            stop_above_s=stop_above_s,
            name_blockers=False,  # read only when nothing fits (see plan)
        )

    def plan(
        self, request: FlightRequest, checked: Checked, *, suggest: bool = True
    ) -> tuple[Plan | None, Failure]:
        """The best slot over the request's alternatives: no authorisation needed first,
        then the earliest arrival. Without one, ``suggest`` looks for what the operator could
        file instead (a later departure, another cruise altitude)."""
        failure = Failure()
        try:
            candidates, dropped = self.candidates.build(request, checked)
        except (AirspaceError, ValueError) as exc:  # e.g. origin too far from the network
            candidates, dropped = [], [Reason(ReasonCode.NO_ROUTE, str(exc))]
        failure.reasons.extend(dropped)
        dmin = checked.depart_lo_s - request.earliest_s
        dmax = checked.depart_hi_s - request.earliest_s
        best: tuple[tuple[bool, float], Plan] | None = None
        unsuggested: list[Flight] = []
        for cand in candidates:
            f = cand.flight
            if best is not None and best[0] <= (False, f.end_s + dmin):
                # Its score is at least (False, end + dmin) (a delay is never below dmin): it
                # cannot beat the best so far, and failures only matter when nothing fits.
                continue
            # With a best so far that needs no authorisation, only a delay that lands earlier
            # can win: stop the search there (a quantum beyond, against rounding) instead of
            # searching the whole window of an alternative that cannot be chosen.
            stop = None
            if best is not None and not best[0][0]:
                stop = best[0][1] - f.end_s + SEARCH_QUANTUM_S
            res = self._earliest(f, dmin, dmax, request, stop)
            if res.delay_s is None and best is not None:
                continue  # failures only matter when nothing fits
            if res.delay_s is None:
                failure.flights.update(dict.fromkeys(res.blockers))
                failure.zones.update(dict.fromkeys(res.zone_blockers))
                if suggest and not res.zone_blockers:
                    unsuggested.append(f)
                continue
            final = f.shifted(res.delay_s)
            pending = list(cand.pending) + self.authorisation_reasons(final)
            score = (bool(pending), final.end_s)
            if best is None or score < best[0]:
                best = (score, Plan(final, res.delay_s, cand.route, pending, list(res.overridden)))
        if best is None:
            # A later departure to suggest: the first blocked alternative (in order) that
            # fits within the horizon past the window (searched only once nothing fits).
            for f in unsuggested:
                alt = self._earliest(f, dmin, dmax + ALTERNATIVE_HORIZON_S, request)
                if alt.delay_s is not None:
                    failure.alternative_s = request.earliest_s + alt.delay_s
                    break
        if best is not None:
            best[1].notes = self.condition_notes(best[1].flight)
        elif suggest and isinstance(request.route, WaypointRoute) and candidates:
            failure.layer = self.alternative_layer(request, checked, dmin, dmax)
        return (None if best is None else best[1]), failure

    def alternative_layer(
        self, request: FlightRequest, checked: Checked, dmin: float, dmax: float
    ) -> tuple[float, float] | None:
        """The nearest cruise-altitude shift (multiples of S_v) that would be approved in the
        window as it is: ``(offset_m, departure_s)``, or ``None``."""
        route = request.route
        assert isinstance(route, WaypointRoute)
        w = np.asarray(route.waypoints, dtype=np.float64)
        airborne = w[:, 2] > 0.0
        for k in ALTERNATIVE_LAYER_STEPS:
            shifted = w.copy()
            shifted[airborne, 2] += k * self.separation_v_m
            if np.any(shifted[airborne, 2] <= 0.0):
                continue
            th = self.heights(shifted)
            reject, pending = altitude_findings(th.max_m, checked, self.ruleset, th.where_max)
            if reject or pending or th.min_m < 0.0:
                continue
            traj = build_waypoint_trajectory(
                shifted,
                request.earliest_s,
                float(checked.speed_mps or 0.0),
                request.drone.vertical_rate_mps,
                self.projection,
            )
            res = self._earliest(traj, dmin, dmax, request)
            if res.delay_s is not None and not self.authorisation_reasons(
                traj.shifted(res.delay_s)
            ):
                return k * self.separation_v_m, request.earliest_s + res.delay_s
        return None

    def _entered(self, flight: Flight, restriction: Restriction) -> list[str]:
        return self.zones.entered(flight, restriction, self.separation_h_m, self.separation_v_m)

    def condition_notes(self, flight: Flight) -> list[Reason]:
        """CONDITIONAL zones the flight enters: approved, with the zone's conditions attached."""
        return [
            say.conditional(self.zones[z]) for z in self._entered(flight, Restriction.CONDITIONAL)
        ]

    def authorisation_reasons(self, flight: Flight) -> list[Reason]:
        """REQ_AUTHORISATION zones the flight enters: it waits for review."""
        return [
            say.needs_authorisation(self.zones[z])
            for z in self._entered(flight, Restriction.REQ_AUTHORISATION)
        ]

    def decision(
        self,
        request: FlightRequest,
        plan: Plan,
        status: Status,
        now_s: float,
        reasons: list[Reason],
    ) -> Decision:
        """The decision that files ``plan`` (the flight back in lon/lat, at the edge)."""
        f = plan.flight
        if isinstance(f, AreaOp):
            route = request.route
            assert isinstance(route, AreaRoute)
            return Decision(
                request.flight_id,
                status,
                now_s,
                departure_s=f.start_s,
                delay_s=f.start_s - request.earliest_s,
                area=area_json(route.polygon, route.lower_m, route.upper_m, f.start_s, f.end_s),
                reasons=list(reasons),
            )
        return Decision(
            request.flight_id,
            status,
            now_s,
            departure_s=f.start_s,
            delay_s=f.start_s - request.earliest_s,
            trajectory=to_lonlat_rows(f, self.projection),
            reasons=list(reasons),
            route=plan.route,
        )
