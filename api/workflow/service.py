"""Service functions of the workflow: the gate a filing passes, what is recorded about it,
task grants, the pre-departure readiness report and its confirmation, the activation check,
reports after landing and the zone lead-time check. Routes call these; the rules themselves
are data in :mod:`airspace.workflow`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.schedule import active_intervals
from airspace.units import Units
from airspace.workflow import (
    Workflow,
    activation_findings,
    readiness_deadline,
    zone_lead_findings,
)
from airspace.zones import Zone
from api import scoped_ids
from api.airspace_state import AirspaceState
from api.auth import Principal
from api.batch_rows import batch_rows
from api.errors import ApiError, bad_field, not_found
from api.models import FlightRow
from api.store import utcnow
from api.workflow.audit import record
from api.workflow.clock import now, stored, workflow_of
from api.workflow.long_term import approval_of
from api.workflow.models import (
    FlightReport,
    FlightWorkflow,
    TaskGrant,
)
from api.workflow.registry import documents_of, inactive_drones
from api.workflow.units import flight_points
from planner.workflow_gate import WorkflowFacts, WorkflowGate, decision_extras


def granted_tasks(s: Session, operator_id: str) -> frozenset[str]:
    """Task types a regulator granted ``operator_id`` (not revoked)."""
    rows = s.execute(
        select(TaskGrant.task).where(
            TaskGrant.operator_id == operator_id, TaskGrant.revoked_at.is_(None)
        )
    ).scalars()
    return frozenset(rows)


def facts_of(workflow: Workflow, raw: dict[str, Any]) -> WorkflowFacts:
    """The workflow fields of a request body, checked against the workflow (422 naming the
    field otherwise)."""
    try:
        facts = WorkflowFacts.from_dict(raw)
    except ValueError as e:
        field = str(e).split(":", 1)[0]
        raise bad_field(field, str(e).split(":", 1)[-1].strip()) from None
    try:
        workflow.task(facts.task)
    except ValueError as e:
        raise bad_field("task", str(e)) from None
    unknown = sorted(facts.operations - set(workflow.triggers))
    if unknown:
        raise bad_field(
            "operations",
            f"unknown {unknown}; expected any of {', '.join(workflow.triggers)}",
        )
    return facts


def effective_priority(workflow: Workflow, facts: WorkflowFacts, requested: int) -> int:
    """Priority comes from the task type: the task's own unless the request asks for less.
    (A request asking for more is refused by the gate with ``PRIORITY_NOT_GRANTED``.)"""
    task_priority = workflow.task(facts.task).priority
    return requested if requested else task_priority


def gate_for(
    state: AirspaceState, s: Session, operator_id: str, facts: WorkflowFacts, drone_id: str = ""
) -> WorkflowGate | None:
    """The gate one filing passes (``None`` without a workflow)."""
    wf = workflow_of(state)
    if wf is None:
        return None
    # Filings are decided in batches (one transaction, AirspaceState.run); none of them changes
    # grants, documents or drone statuses, and those are written under the same store lock,
    # so one lookup per transaction serves every filing of the batch. No autoflush: the
    # earlier filings' rows are written once, with this one's (not once per lookup).
    cache: dict[tuple, Any] = s.info.setdefault("workflow_gate_cache", {})
    with s.no_autoflush:
        grants = cache.get(("grants", operator_id))
        if grants is None:
            grants = cache["grants", operator_id] = granted_tasks(s, operator_id)
        documents = cache.get(("documents", operator_id, drone_id))
        if documents is None:
            documents = cache["documents", operator_id, drone_id] = documents_of(
                s, operator_id, drone_id, cache=cache
            )
        inactive = cache.get(("inactive", operator_id))
        if inactive is None:
            inactive = cache["inactive", operator_id] = inactive_drones(s, operator_id)
        long_term = (
            None if facts.long_term is None else approval_of(s, facts.long_term, operator_id)
        )
    return WorkflowGate(
        wf,
        facts,
        grants,
        state.epoch,
        state.deployment.tz,
        state.now_s(),
        long_term=long_term,
        documents=documents,
        drone_active=drone_id not in inactive,
    )


UNSET_WORKFLOW_COLUMNS = (
    "decided_at",
    "ready_at",
    "expected_takeoff",
    "confirmed_at",
    "confirmed_by",
)
"""The workflow columns a filing leaves empty (NULL): one statement writes a batch's rows."""


def record_filing(
    s: Session,
    user: Principal,
    row: FlightRow,
    gate: WorkflowGate | None,
    facts: WorkflowFacts,
    units: Units | None = None,
) -> None:
    """Remember the flight's workflow facts and audit the filing."""
    detail: dict[str, Any] = {"status": row.status, "state": row.state}
    if gate is not None:
        ob = gate.obligation
        wf = {
            "flight_id": row.id,
            "task": gate.workflow.task(facts.task).name,
            "operations": sorted(facts.operations),
            "application": dict(facts.application) if facts.application else None,
            "must_apply": bool(ob and ob.must_apply),
            "exemption": ob.exemption.rule if ob and ob.exemption else None,
            "gate": bool(ob and ob.gate),
            "decide_by": stored(gate.decide_by) if row.state == "pending" else None,
            "unit": None if units is None else units.competent(flight_points(row)),
        }
        pending = batch_rows(s)
        if pending is not None:  # written after the batch's flights (api.batch_rows)
            pending.workflows.append(wf | dict.fromkeys(UNSET_WORKFLOW_COLUMNS))
        else:
            s.add(FlightWorkflow(**wf))
        extras = decision_extras(gate, row.status)
        if extras:
            row.decision = {**row.decision, **extras}
        detail.update(task=wf["task"], must_apply=wf["must_apply"], exemption=wf["exemption"])
    record(s, user, "file", "flight", row.id, reason="filed", **detail)


def flight_workflow(s: Session, flight_id: str) -> FlightWorkflow | None:
    """The workflow record of a flight (``None``: filed without a workflow)."""
    return s.get(FlightWorkflow, flight_id)


def note_decided(state: AirspaceState, s: Session, flight_id: str) -> None:
    """Stamp the regulator's decision time (for latency against the deadline)."""
    wf_row = s.get(FlightWorkflow, flight_id)
    if wf_row is not None and wf_row.decided_at is None:
        wf_row.decided_at = stored(now(state))


def check_activation(state: AirspaceState, s: Session, row: FlightRow) -> None:
    """Refuse to activate a flight the regulator has not confirmed (``NOT_CONFIRMED``) or
    outside its departure window (``ACTIVATION_WINDOW``): a 409 naming the rule."""
    wf = workflow_of(state)
    if wf is None or row.departure_s is None:
        return
    wf_row = s.get(FlightWorkflow, row.id)
    latest_s = row.request.get("departure", {}).get("latest") if row.request else None
    latest = row.departure_s
    if isinstance(latest_s, int | float) and not isinstance(latest_s, bool):
        latest = max(float(latest_s), row.departure_s)
    found = activation_findings(
        wf,
        now=now(state),
        departure=state.to_datetime(row.departure_s),
        latest=state.to_datetime(latest),
        gate=bool(wf_row and wf_row.gate),
        confirmed=bool(wf_row and wf_row.confirmed_at),
    )
    if found:
        f = found[0]
        raise ApiError(409, f.code, f"{f.message} ({f.rule})", field="flight")


def report_ready(
    state: AirspaceState, user: Principal, flight_id: str, expected_takeoff: datetime
) -> FlightWorkflow:
    """The operator reports readiness and the expected take-off (at least 1 h before it)."""
    wf = workflow_of(state)
    if wf is None or wf.readiness is None:
        raise ApiError(409, "no_gate", "this deployment has no pre-departure gate")
    with state.store.write() as s:
        row = scoped_ids.find_own(s, FlightRow, user.operator_id or "", flight_id)
        if row is None:
            raise not_found("flight", flight_id)
        wf_row = s.get(FlightWorkflow, row.id)
        if wf_row is None or not wf_row.gate:
            raise ApiError(
                409, "no_gate", f"flight {flight_id} needs no readiness report (it is exempt)"
            )
        if row.state != "accepted":
            raise ApiError(409, "bad_state", f"flight {flight_id} is {row.state}, not accepted")
        t = now(state)
        dl = readiness_deadline(wf, wf_row.task)
        due = None if dl is None else dl.due(expected_takeoff, state.deployment.tz)
        if dl is not None and due is not None and t > due:
            raise ApiError(
                409,
                "READINESS_LATE",
                f"readiness is reported at least {dl.describe()} (by {due.isoformat()} for "
                f"take-off at {expected_takeoff.isoformat()}); {dl.rule}",
                field="expected_takeoff",
            )
        wf_row.ready_at, wf_row.expected_takeoff = stored(t), stored(expected_takeoff)
        wf_row.confirmed_at = wf_row.confirmed_by = None
        record(
            s,
            user,
            "ready",
            "flight",
            row.id,
            reason="readiness reported",
            expected_takeoff=expected_takeoff.isoformat(),
        )
        return wf_row


def confirm(state: AirspaceState, user: Principal, flight_id: str, comment: str) -> FlightWorkflow:
    """The regulator confirms a readiness report: the flight may now be activated."""
    with state.store.write() as s:
        wf_row = s.get(FlightWorkflow, flight_id)
        if s.get(FlightRow, flight_id) is None or wf_row is None:
            raise not_found("flight", flight_id)
        if wf_row.ready_at is None:
            raise ApiError(409, "not_ready", f"flight {flight_id} has not reported readiness yet")
        wf_row.confirmed_at, wf_row.confirmed_by = stored(now(state)), user.user_id
        record(s, user, "confirm", "flight", flight_id, reason=comment or "readiness confirmed")
        return wf_row


def add_report(
    state: AirspaceState, user: Principal, flight_id: str, kind: str, text: str
) -> FlightReport:
    """A completion report (after landing) or an abnormal-event report (flagged ``late`` when
    more than the workflow's limit after the flight's end)."""
    with state.store.write() as s:
        row = scoped_ids.find_visible(s, FlightRow, user, flight_id)
        if row is None:
            raise not_found("flight", flight_id)
        if kind == "completion" and row.state != "ended":
            raise ApiError(
                409,
                "bad_state",
                f"flight {flight_id} is {row.state}; report completion after landing",
            )
        wf = workflow_of(state)
        t = now(state)
        late = False
        if wf is not None and kind == "abnormal" and row.end_s is not None:
            late = t > state.to_datetime(row.end_s) + timedelta(seconds=wf.report_within_s)
        rep = FlightReport(
            flight_id=row.id,
            kind=kind,
            text=text,
            late=late,
            created_by=user.user_id,
            created_at=stored(t),
        )
        s.add(rep)
        record(s, user, "report", "flight", row.id, reason=kind, late=late)
        s.flush()
        return rep


def grant(
    state: AirspaceState, user: Principal, operator_id: str, task: str, reason: str
) -> TaskGrant:
    """A regulator grants an operator a task type."""
    wf = workflow_of(state)
    if wf is None:
        raise ApiError(409, "no_workflow", "this deployment runs without a workflow")
    try:
        tt = wf.task(task)
    except ValueError as e:
        raise bad_field("task", str(e)) from None
    with state.store.write() as s:
        from api.models import Operator

        if s.get(Operator, operator_id) is None:
            raise not_found("operator", operator_id)
        g = TaskGrant(
            operator_id=operator_id,
            task=tt.name,
            granted_by=user.user_id,
            reason=reason,
            created_at=utcnow(),
        )
        s.add(g)
        s.flush()
        record(s, user, "grant", "operator", operator_id, reason=reason, task=tt.name)
        return g


def check_zone_lead(state: AirspaceState, zone: Zone, emergency_reason: str) -> None:
    """Refuse a temporary restriction published too close to its start (``ZONE_LEAD_TIME``).

    Permanent zones (no schedule) are designated outside this workflow and pass."""
    wf = workflow_of(state)
    if wf is None or zone.is_permanent:
        return
    t = now(state)
    spans = active_intervals(zone, t, t + timedelta(days=400), state.deployment.tz)
    if not spans:
        return
    found = zone_lead_findings(
        wf, published_at=t, effective_at=spans[0][0], emergency_reason=emergency_reason
    )
    if found:
        f = found[0]
        raise ApiError(
            422, f.code, f"zone {zone.identifier}: {f.message} ({f.rule})", field="schedule"
        )


def review_deadlines(s: Session, flight_ids: list[str]) -> dict[str, FlightWorkflow]:
    """The workflow rows of some flights (for the review queue)."""
    if not flight_ids:
        return {}
    rows = s.execute(select(FlightWorkflow).where(FlightWorkflow.flight_id.in_(flight_ids)))
    return {r.flight_id: r for r in rows.scalars()}
