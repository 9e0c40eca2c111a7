"""The flight-activity workflow at the moment of decision: the bridge between the rules as
data (:mod:`airspace.workflow`) and :meth:`planner.decision.Planner.decide`.

A :class:`WorkflowGate` is built per request with what the request declares about itself
(:class:`WorkflowFacts`: task type, operation features, the application's contents, whether it
stays over the operator's own site) and what a regulator granted the operator. Before the slot
search it refuses task types and priorities the operator does not hold
(``PRIORITY_NOT_GRANTED``); once a slot is found it decides who must apply: an exempt flight is
approved with an ``EXEMPT`` note naming the exemption, a flight that must apply is checked for
the application's contents (:class:`ApplicationIncomplete`, nothing committed), for its filing
deadline (``FILING_DEADLINE`` / ``EMERGENCY_DEADLINE``) and otherwise held for review
(``APPLICATION_REQUIRED`` with the regulator's decision deadline).

The same gate serves the service and the scenario replay, so a simulated day follows the same
rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from airspace.clock import Clock
from airspace.workflow import (
    Finding,
    LongTermApproval,
    Obligation,
    Workflow,
    decision_due,
    document_findings,
    filing_findings,
    grant_findings,
    interval_before_findings,
    long_term_findings,
    missing_items,
    who_must_apply,
)
from planner.requests import AreaRoute, FlightRequest, Reason, ReasonCode, WaypointRoute
from planner.validation import Checked

CONTROLLED_CODES = frozenset(
    {ReasonCode.CEILING, ReasonCode.ALTITUDE, ReasonCode.ZONE_REQ_AUTHORISATION}
)
"""Pending reasons that mean the flight leaves suitable airspace."""


class ApplicationIncomplete(ValueError):
    """An application lacks required contents; ``missing`` names them (the API answers 422)."""

    def __init__(self, missing: list[str], rule: str):
        self.missing = missing
        self.rule = rule
        super().__init__(
            f"application: missing {', '.join(missing)} (required by {rule}); "
            "add them under application.<item>"
        )


@dataclass(frozen=True)
class WorkflowFacts:
    """What a request declares for the workflow (the request fields ``task``, ``operations``,
    ``application``, ``at_own_site``)."""

    task: str | None = None
    operations: frozenset[str] = frozenset()
    application: Mapping[str, Any] | None = None
    at_own_site: bool = False
    long_term: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WorkflowFacts:
        """Read the workflow fields of a request body or scenario event (absent: defaults)."""
        ops = d.get("operations") or ()
        if isinstance(ops, str) or not all(isinstance(o, str) for o in ops):
            raise ValueError("operations: expected a list of names")
        app = d.get("application")
        if app is not None and not isinstance(app, Mapping):
            raise ValueError("application: expected an object of items")
        task = d.get("task")
        if task is not None and not isinstance(task, str):
            raise ValueError("task: expected a task type name")
        lt = d.get("long_term")
        if lt is not None and not isinstance(lt, str):
            raise ValueError("long_term: expected the id of a long-term application")
        return cls(task, frozenset(ops), app, bool(d.get("at_own_site", False)), lt)


def _reason(f: Finding, code: ReasonCode | None = None) -> Reason:
    return Reason(code or ReasonCode(f.code), f.message, rule=f.rule, detail=dict(f.detail))


@dataclass
class WorkflowGate:
    """The workflow's checks for one request (see the module docstring).

    Parameters
    ----------
    workflow : Workflow
    facts : WorkflowFacts
    granted : set of str
        Task types a regulator granted the request's operator.
    epoch : datetime
        The planner clock's zero (aware).
    tz : ZoneInfo
        The deployment's time zone: deadlines are local.
    filed_at_s : float
        When the request is filed (planner seconds; the decision's ``now_s``).
    long_term : LongTermApproval or None
        The approved long-term application ``facts.long_term`` names (``None``: unknown or not
        approved; the caller looks it up).
    documents : mapping or None
        Registry documents of the operator and the drone: kind -> validity periods (``None``:
        the registry is not consulted).
    drone_active : bool
        The drone's real-name registration is active.

    After :meth:`after` ran, ``obligation`` and ``decide_by`` tell what was found.
    """

    workflow: Workflow
    facts: WorkflowFacts
    granted: frozenset[str]
    epoch: datetime
    tz: ZoneInfo
    filed_at_s: float
    long_term: LongTermApproval | None = None
    documents: Mapping[str, list[tuple[datetime, datetime]]] | None = None
    drone_active: bool = True
    obligation: Obligation | None = field(default=None, init=False)
    decide_by: datetime | None = field(default=None, init=False)

    def _dt(self, t_s: float) -> datetime:
        return Clock(self.epoch, self.tz).local(t_s)

    def before(self, request: FlightRequest, checked: Checked) -> list[Reason]:
        """Refusals that need no airspace: a deactivated drone, a task type or priority the
        operator does not hold."""
        if not self.drone_active:
            rule = (
                self.workflow.documents.get("drone_registration") or self.workflow.application_rule
            )
            return [
                Reason(
                    ReasonCode.DRONE_NOT_ACTIVE,
                    f"drone {request.drone.id}'s real-name registration is deactivated",
                    rule=rule,
                )
            ]
        found = grant_findings(
            self.workflow,
            task=self.facts.task,
            priority=request.priority,
            granted=self.granted,
        )
        return [_reason(f) for f in found]

    def after(
        self,
        request: FlightRequest,
        checked: Checked,
        pending: list[Reason],
        route: Mapping[str, Any] | None = None,
    ) -> tuple[list[Reason], list[Reason], list[Reason]]:
        """Who must apply, the application's contents and the filing deadline; or, for a
        flight filed under a long-term application, whether it covers the flight."""
        wf = self.workflow
        if self.facts.long_term is not None:
            return self._long_term(request, checked, pending, route)
        ob = who_must_apply(
            wf,
            drone_class=checked.drone_class,
            task=self.facts.task,
            operations=self.facts.operations,
            controlled=any(r.code in CONTROLLED_CODES for r in pending),
            max_height_m=_max_height_m(request, checked),
            at_own_site=self.facts.at_own_site,
        )
        self.obligation = ob
        late_for_zone = [
            _reason(f)
            for r in pending
            if r.code == ReasonCode.ZONE_REQ_AUTHORISATION and r.detail.get("interval_before")
            for f in interval_before_findings(
                wf,
                zone=r.zone or "",
                interval=str(r.detail["interval_before"]),
                filed_at=self._dt(self.filed_at_s),
                departure=self._dt(request.earliest_s),
            )
        ]
        if late_for_zone:
            return late_for_zone, [], []
        if ob.must_apply:
            missing = missing_items(wf, self.facts.application)
            if missing:
                raise ApplicationIncomplete(missing, wf.contents_rule)
        if self.documents is not None:
            docs = document_findings(
                wf, self.documents, at=self._dt(request.earliest_s), must_apply=ob.must_apply
            )
            if docs:
                return [_reason(f) for f in docs], [], []
        if not ob.must_apply:
            return [], list(pending), []  # exemption_json() says why
        departure = self._dt(request.earliest_s)
        late = filing_findings(
            wf,
            task=self.facts.task,
            filed_at=self._dt(self.filed_at_s),
            departure=departure,
            tz=self.tz,
        )
        if late:
            return [_reason(f) for f in late], [], []
        self.decide_by = decision_due(wf, task=self.facts.task, departure=departure, tz=self.tz)
        detail: dict[str, Any] = {"gate": ob.gate}
        if self.decide_by is not None:
            detail["decide_by"] = self.decide_by.isoformat()
        out = [
            Reason(ReasonCode.APPLICATION_REQUIRED, f.message, rule=f.rule, detail=dict(detail))
            for f in ob.because
        ]
        return [], [*pending, *out], []

    def _long_term(
        self,
        request: FlightRequest,
        checked: Checked,
        pending: list[Reason],
        route: Mapping[str, Any] | None,
    ) -> tuple[list[Reason], list[Reason], list[Reason]]:
        lt = self.long_term
        if lt is None:
            return (
                [
                    Reason(
                        ReasonCode.LONG_TERM_MISMATCH,
                        f"no approved long-term application {self.facts.long_term!r} of this "
                        "operator",
                        rule=self.workflow.long_term_rule or self.workflow.application_rule,
                    )
                ],
                [],
                [],
            )
        found = long_term_findings(
            self.workflow,
            lt,
            operator=request.operator_id,
            departure=self._dt(request.earliest_s),
            filed_at=self._dt(self.filed_at_s),
            tz=self.tz,
            max_height_m=_max_height_m(request, checked),
            edges=[str(e) for e in route["edges"]] if route and "edges" in route else None,
            points=_points(request),
        )
        if found:
            return [_reason(f) for f in found], [], []
        return [], [], []  # the standing approval authorises it: no review


def decision_extras(gate: WorkflowGate | None, status: str) -> dict[str, Any]:
    """What an approved answer adds under a workflow: the ``exemption`` that applied, or the
    ``long_term`` application it flies under."""
    if gate is None or status != "approved":
        return {}
    if gate.facts.long_term is not None and gate.long_term is not None:
        rule = gate.workflow.long_term_rule or ""
        return {
            "long_term": {
                "id": gate.long_term.id,
                "rule": rule,
                "message": f"filed under long-term application {gate.long_term.id}: "
                + gate.workflow.rules[rule].summary,
            }
        }
    exemption = exemption_json(gate)
    return {} if exemption is None else {"exemption": exemption}


def exemption_json(gate: WorkflowGate | None) -> dict[str, Any] | None:
    """The exemption a decided flight flew under, as the answer reports it (``None`` when it
    had to apply or no workflow ran): ``{"code": "EXEMPT", "rule", "message", "gate"}``."""
    ob = None if gate is None else gate.obligation
    if ob is None or ob.must_apply or ob.exemption is None:
        return None
    message = ob.exemption.message
    if ob.gate:
        message += (
            " It still reports readiness and waits for the regulator's confirmation before "
            "take-off."
        )
    return {"code": "EXEMPT", "rule": ob.exemption.rule, "message": message, "gate": ob.gate}


def _points(request: FlightRequest) -> list[tuple[float, float]] | None:
    route = request.route
    if isinstance(route, WaypointRoute):
        return [(float(w[0]), float(w[1])) for w in route.waypoints]
    if isinstance(route, AreaRoute):
        return [(float(x), float(y)) for x, y in route.polygon.exterior.coords]
    return None


def _max_height_m(request: FlightRequest, checked: Checked) -> float:
    if checked.true_height_m is not None:  # over the terrain (planner.true_height)
        return checked.true_height_m
    route = request.route
    if isinstance(route, WaypointRoute):
        return float(np.asarray(route.waypoints, dtype=float)[:, 2].max())
    if isinstance(route, AreaRoute):
        return float(route.upper_m)
    return 0.0
