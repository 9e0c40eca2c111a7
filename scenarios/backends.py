"""Where a replay's decisions are made: the :class:`Backend` protocol, the planner in this
process (:class:`InProcessBackend`) and the no-UTM baseline (:class:`UnmanagedBackend`); the
HTTP backend is :class:`scenarios.http.HttpBackend`. Every backend answers in interchange JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from airspace.zones import Zone
from scenarios.format import Event, Scenario
from scenarios.workflow import ReplayWorkflow

if TYPE_CHECKING:
    from scenarios.replay import Airspace


class Backend(Protocol):
    """Where decisions are made. Every method takes the event time in scenario seconds and
    answers in interchange JSON: a decision dict and a list of change dicts (``flight``,
    ``change``: ``revoked`` | ``replanned`` | ``approved``, ``decision``, ``reason``)."""

    name: str

    def request(self, event: Event) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Decide a flight request; the decision and the changes it caused."""

    def review(
        self, flight: str, approve: bool, t_s: float, comment: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A regulator's verdict on a pending flight; the decision and its changes."""

    def publish_zone(self, zone: Zone, raw: dict[str, Any], t_s: float) -> list[dict[str, Any]]:
        """Publish a zone; the changes it caused."""

    def withdraw_zone(self, zone_id: str, t_s: float) -> None:
        """Withdraw a zone."""

    def transition(self, op: str, flight: str, t_s: float) -> None:
        """Cancel, activate, end (or report ready, confirm) a flight."""

    def final_states(self) -> dict[str, str]:
        """Every flight's lifecycle state at the end."""

    def close(self) -> None:
        """Release what the backend holds."""


class InProcessBackend:
    """Decisions from a :class:`planner.decision.Planner` built in this process."""

    name = "in-process"

    def __init__(self, scenario: Scenario, airspace: Airspace):
        from airspace.rulesets import RULESETS
        from planner.decision import Planner

        ruleset = RULESETS.get(scenario.deployment.rules)
        if ruleset is not None and scenario.ceiling_m is not None:
            ruleset = replace(ruleset, ceiling_m=scenario.ceiling_m)
        self.planner = Planner(
            scenario.deployment,
            epoch=scenario.start,
            zones=airspace.zones,
            corridors=airspace.corridors,
            ruleset=ruleset,
            separation_h_m=scenario.separation_h_m,
            separation_v_m=scenario.separation_v_m,
        )
        self.workflow = ReplayWorkflow.for_scenario(scenario)

    @staticmethod
    def _changes(changes: Sequence[Any]) -> list[dict[str, Any]]:
        return [
            {
                "flight": c.flight_id,
                "change": str(c.kind),
                "decision": c.decision.to_json(),
                "reason": c.reason.to_json(),
            }
            for c in changes
        ]

    def request(self, event: Event) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Decide with the planner (through the workflow's gate when there is one)."""
        assert event.request is not None
        if self.workflow is None:
            decision, changes = self.planner.decide(event.request, event.t_s)
            return decision.to_json(), self._changes(changes)
        gate = self.workflow.gate(event)
        req = replace(event.request, priority=self.workflow.effective_priority(event))
        decision, changes = self.planner.decide(req, event.t_s, gate=gate)
        out = decision.to_json()
        self.workflow.decided(req.flight_id, gate, out)
        return out, self._changes(changes)

    def review(
        self, flight: str, approve: bool, t_s: float, comment: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The planner's review of a pending flight."""
        decision, changes = self.planner.review(flight, approve, t_s, comment)
        return decision.to_json(), self._changes(changes)

    def publish_zone(self, zone: Zone, raw: dict[str, Any], t_s: float) -> list[dict[str, Any]]:
        """Publish in the planner (a workflow checks the lead time first)."""
        if self.workflow is not None:
            self.workflow.check_zone(zone, raw, t_s)
        return self._changes(self.planner.publish_zone(zone, t_s))

    def withdraw_zone(self, zone_id: str, t_s: float) -> None:
        """Withdraw from the planner."""
        self.planner.withdraw_zone(zone_id, t_s)

    def transition(self, op: str, flight: str, t_s: float) -> None:
        """Apply a lifecycle or workflow step to the planner's record."""
        if op in ("ready", "confirm") or (op == "activate" and self.workflow is not None):
            if self.workflow is None:
                raise ValueError(f"{op}: the scenario runs without a workflow (workflow: cn)")
            rec = self.planner.record(flight)
            if rec.state != "accepted":
                raise ValueError(f"cannot {op} flight {flight}: it is {rec.state}")
            departure_s = rec.decision.departure_s
            if op == "ready":
                self.workflow.ready(flight, t_s, departure_s)
                return
            if op == "confirm":
                self.workflow.confirm(flight, t_s)
                return
            if departure_s is not None:
                self.workflow.check_activation(flight, t_s, departure_s, rec.request.latest_s)
        getattr(self.planner, op)(flight, t_s)

    def final_states(self) -> dict[str, str]:
        """The planner's states."""
        return {fid: str(rec.state) for fid, rec in self.planner.records().items()}

    def close(self) -> None:
        """Nothing to release."""
        pass


class UnmanagedBackend:
    """The baseline without a UTM: every waypoint route and area operation is flown as filed at
    its earliest departure, with no deconfliction and no zone check. Replaying a scenario this
    way shows what the final safety check finds when nobody plans (``qingkong replay
    --unmanaged``). Corridor requests (``from``/``to``) need the planner's routing and are
    refused (``NO_ROUTE``)."""

    name = "unmanaged"

    def __init__(self, scenario: Scenario):
        from airspace.projection import Projection

        self.scenario = scenario
        self.projection = Projection.for_deployment(scenario.deployment)
        self.states: dict[str, str] = {}

    def request(self, event: Event) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Approve as filed: no deconfliction without a UTM."""
        from planner.requests import (
            AreaRoute,
            Decision,
            Reason,
            ReasonCode,
            Status,
            WaypointRoute,
            area_json,
        )
        from planner.trajectory import build_waypoint_trajectory, to_lonlat_rows

        req = event.request
        assert req is not None
        dep = req.earliest_s
        if isinstance(req.route, WaypointRoute):
            speed = req.speed_mps or req.drone.max_speed_mps
            traj = build_waypoint_trajectory(
                req.route.waypoints, dep, speed, req.drone.vertical_rate_mps, self.projection
            )
            d = Decision(
                req.flight_id,
                Status.APPROVED,
                event.t_s,
                dep,
                0.0,
                trajectory=to_lonlat_rows(traj, self.projection),
            )
        elif isinstance(req.route, AreaRoute):
            r = req.route
            area = area_json(r.polygon, r.lower_m, r.upper_m, dep, dep + r.duration_s)
            d = Decision(req.flight_id, Status.APPROVED, event.t_s, dep, 0.0, area=area)
        else:
            reason = Reason(
                ReasonCode.NO_ROUTE,
                "the unmanaged baseline flies filed waypoint routes and areas only",
            )
            d = Decision(req.flight_id, Status.REJECTED, event.t_s, reasons=[reason])
        self.states[req.flight_id] = "accepted" if d.status == Status.APPROVED else "rejected"
        return d.to_json(), []

    def review(
        self, flight: str, approve: bool, t_s: float, comment: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Refused: nothing is pending without a UTM."""
        raise ValueError(f"flight {flight!r}: nothing is pending without a UTM")

    def publish_zone(self, zone: Zone, raw: dict[str, Any], t_s: float) -> list[dict[str, Any]]:
        """Zones change nothing without a UTM."""
        return []

    def withdraw_zone(self, zone_id: str, t_s: float) -> None:
        """Zones change nothing without a UTM."""
        pass

    def transition(self, op: str, flight: str, t_s: float) -> None:
        """Record the new state."""
        if flight not in self.states:
            raise KeyError(f"unknown flight {flight!r}")
        self.states[flight] = {"cancel": "cancelled", "activate": "activated", "end": "ended"}[op]

    def final_states(self) -> dict[str, str]:
        """The recorded states."""
        return dict(self.states)

    def close(self) -> None:
        """Nothing to release."""
        pass
