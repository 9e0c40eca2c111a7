"""The replay engine: walk a scenario's events in time order through a backend (the planner in
this process, or a running qingkong service over HTTP), collect every decision, check the
result independently and measure it.

A backend answers in the interchange JSON (``Decision.to_json()`` objects), so the engine, the
metrics and the safety check read the same thing whichever backend ran. The replay document:

``{"qingkong_replay": 1, "scenario", "backend", "decisions": [...], "final": {flight: state},
"errors": [...], "metrics": {...}}``

Each decision entry is the decision object plus ``event`` (the index of the scenario event
that caused it), ``t`` (the event time) and ``kind``: ``request`` (the answer to a request),
``review`` (a regulator's verdict), ``replanned`` / ``revoked`` / ``approved`` (changes to other
flights that an event caused, with the ``cause`` reason).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from shapely.geometry import shape
from tqdm import tqdm

from airspace.corridors import CorridorNetwork
from airspace.formats import load_zones, zone_from_dict
from airspace.zones import Zone
from scenarios.format import Event, Scenario, ScenarioError
from scenarios.metrics import FLYING_STATES, final_decisions, replay_metrics
from scenarios.safety import AreaVolume, RouteVolume, SafetyReport, check_safety, zone_windows
from scenarios.workflow import ReplayWorkflow, workflow_metrics

REPLAY_VERSION = 1


@dataclass
class Airspace:
    """The airspace a scenario starts with: zones (files and inline) and the corridor network."""

    zones: list[Zone]
    corridors: CorridorNetwork | None


def load_airspace(scenario: Scenario) -> Airspace:
    """Read the scenario's zone files, inline zones and corridor file.

    Raises
    ------
    ScenarioError
        Naming the zone entry and what is wrong with it.
    """
    zones: list[Zone] = []
    for k, src in enumerate(scenario.zone_sources):
        try:
            if src.file is not None:
                zones.extend(load_zones(src.file, deployment=scenario.deployment))
            else:
                zones.append(
                    zone_from_dict(
                        dict(src.inline or {}), start=scenario.start, tz=scenario.deployment.tz
                    )
                )
        except (ValueError, OSError) as exc:
            raise ScenarioError(f"airspace.zones[{k}]: {exc}") from None
    corridors = None
    if scenario.corridors_file is not None:
        try:
            corridors = CorridorNetwork.from_geojson(scenario.corridors_file, scenario.deployment)
        except (ValueError, OSError) as exc:
            raise ScenarioError(f"airspace.corridors: {exc}") from None
    return Airspace(zones=zones, corridors=corridors)


def event_zone(scenario: Scenario, event: Event) -> Zone:
    """The zone a ``zone`` event publishes (inline form; schedule seconds after the start)."""
    if event.zone is not None:
        return event.zone
    try:
        return zone_from_dict(
            dict(event.data["zone"]), start=scenario.start, tz=scenario.deployment.tz
        )
    except ValueError as exc:
        raise ScenarioError(f"event {event.index} (zone): {exc}") from None


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
        from airspace.rules import RULESETS
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


@dataclass
class ReplayResult:
    """A finished replay: the JSON document and the safety report behind its verdict."""

    document: dict[str, Any]
    safety: SafetyReport
    zones: list[Zone] = field(default_factory=list)
    corridors: CorridorNetwork | None = None

    @property
    def ok(self) -> bool:
        """Whether the final safety check passed."""
        return self.safety.ok


def _entry(event: Event, kind: str, decision: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"event": event.index, "t": event.t_s, "kind": kind, **decision, **extra}


def safety_inputs(
    decisions: Sequence[dict[str, Any]], final: dict[str, str]
) -> tuple[list[RouteVolume], list[AreaVolume], set[str]]:
    """The flown flights' planned volumes and the flights a regulator authorised (by review or
    a long-term application)."""
    routes: list[RouteVolume] = []
    areas: list[AreaVolume] = []
    for fid, d in sorted(final_decisions(decisions).items()):
        if final.get(fid) not in FLYING_STATES:
            continue
        if d.get("trajectory"):
            routes.append(RouteVolume(fid, np.asarray(d["trajectory"], dtype=np.float64)))
        elif d.get("area") is not None:
            areas.append(
                AreaVolume(
                    fid,
                    shape(d["area"]),
                    float(d["lower_m"]),
                    float(d["upper_m"]),
                    float(d["start"]),
                    float(d["end"]),
                )
            )
    authorised = {
        str(d["flight"])
        for d in decisions
        if (d.get("kind") == "review" or d.get("long_term")) and d.get("status") == "approved"
    }  # approved by a review, or under an approved long-term application
    return routes, areas, authorised


def replay(
    scenario: Scenario,
    *,
    backend: Backend | None = None,
    airspace: Airspace | None = None,
    progress: bool | None = None,
) -> ReplayResult:
    """Replay a scenario and return the replay document (decisions, final states, metrics).

    Parameters
    ----------
    scenario : Scenario
        From :func:`scenarios.format.load_scenario`.
    backend : Backend, optional
        Defaults to an :class:`InProcessBackend` over a fresh planner.
    airspace : Airspace, optional
        The loaded zones and corridors (read from the scenario when omitted).
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.

    Returns
    -------
    ReplayResult
        ``document`` is deterministic for a given scenario except ``metrics.timing``.
    """
    airspace = airspace or load_airspace(scenario)
    backend = backend or InProcessBackend(scenario, airspace)
    show = sys.stderr.isatty() if progress is None else progress
    decisions: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    published: dict[str, float] = {z.identifier: 0.0 for z in airspace.zones}
    withdrawn: dict[str, float] = {}
    all_zones: dict[str, Zone] = {z.identifier: z for z in airspace.zones}
    n_requests = 0

    def changes(event: Event, items: list[dict[str, Any]]) -> None:
        for c in items:
            decisions.append(_entry(event, c["change"], c["decision"], cause=c.get("reason")))

    started = time.perf_counter()
    bar = tqdm(
        scenario.events,
        desc=scenario.name,
        unit="ev",
        disable=not show,
        file=sys.stderr,
        mininterval=0.5,
    )
    try:
        for ev in bar:
            data = ev.data
            try:
                if ev.type == "request":
                    n_requests += 1
                    d, ch = backend.request(ev)
                    decisions.append(_entry(ev, "request", d))
                    changes(ev, ch)
                elif ev.type == "review":
                    d, ch = backend.review(
                        ev.flight or "",
                        data["verdict"] == "approve",
                        ev.t_s,
                        str(data.get("comment", "")),
                    )
                    decisions.append(_entry(ev, "review", d))
                    changes(ev, ch)
                elif ev.type == "zone":
                    zone = event_zone(scenario, ev)
                    changes(ev, backend.publish_zone(zone, dict(data["zone"]), ev.t_s))
                    all_zones[zone.identifier] = zone
                    published[zone.identifier] = ev.t_s
                    withdrawn.pop(zone.identifier, None)
                elif ev.type == "telemetry":
                    continue  # flown by scenarios.fly, not decided
                elif ev.type == "withdraw":
                    zid = str(data["zone"])
                    backend.withdraw_zone(zid, ev.t_s)
                    withdrawn[zid] = ev.t_s
                else:
                    backend.transition(ev.type, ev.flight or "", ev.t_s)
            except ScenarioError:
                raise
            except (KeyError, ValueError, LookupError, RuntimeError) as exc:
                msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                errors.append({"event": ev.index, "t": ev.t_s, "type": ev.type, "error": str(msg)})
    finally:
        bar.close()
    wall_s = time.perf_counter() - started
    final = dict(sorted(backend.final_states().items()))
    backend.close()

    routes, areas, authorised = safety_inputs(decisions, final)
    horizon = (
        max(
            [scenario.horizon_s()]
            + [float(r.trajectory[-1, 3]) for r in routes]
            + [a.end_s for a in areas]
        )
        + 1.0
    )
    windows = zone_windows(
        all_zones.values(),
        start=scenario.start,
        horizon_s=horizon,
        deployment=scenario.deployment,
        published_s=published,
        withdrawn_s=withdrawn,
    )
    report = check_safety(
        routes,
        areas,
        windows,
        deployment=scenario.deployment,
        sep_h_m=scenario.separation_h_m,
        sep_v_m=scenario.separation_v_m,
        authorised=authorised,
    )
    metrics = replay_metrics(
        decisions,
        final,
        requests=n_requests,
        safety=report.to_json(),
        wall_s=wall_s,
        errors=len(errors),
    )
    workflow = workflow_metrics(decisions, scenario.start)
    if workflow is not None:
        metrics["workflow"] = workflow
    document = {
        "qingkong_replay": REPLAY_VERSION,
        "scenario": scenario.name,
        "start": scenario.start.isoformat(),
        "backend": backend.name,
        "decisions": decisions,
        "final": final,
        "errors": errors,
        "metrics": metrics,
    }
    return ReplayResult(
        document=document,
        safety=report,
        zones=list(all_zones.values()),
        corridors=airspace.corridors,
    )
