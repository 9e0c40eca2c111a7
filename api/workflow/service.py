"""Service functions of the workflow: the gate a filing passes, what is recorded about it,
task grants, the pre-departure readiness report and its confirmation, the activation check,
reports after landing and the zone lead-time check. Routes call these; the rules themselves
are data in :mod:`airspace.workflow`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.schedule import active_intervals
from airspace.units import QINGDAO_UNITS_PATH, Units, load_units
from airspace.workflow import (
    LongTermApproval,
    Workflow,
    activation_findings,
    missing_items,
    readiness_deadline,
    zone_lead_findings,
)
from airspace.zones import Zone
from api.airspace_state import AirspaceState
from api.auth import Principal
from api.errors import ApiError, bad_field, not_found
from api.models import FlightRow
from api.store import utcnow
from api.workflow.audit import record
from api.workflow.models import (
    FlightReport,
    FlightWorkflow,
    KeyUnit,
    LongTermApplication,
    RegistryDocument,
    TaskGrant,
)
from planner.workflow_gate import WorkflowFacts, WorkflowGate, decision_extras


def stored(dt: datetime | None) -> datetime | None:
    """An instant as the store keeps it: UTC (SQLite drops offsets, PostgreSQL keeps them)."""
    return None if dt is None else dt.astimezone(UTC)


def aware(dt: datetime | None) -> datetime | None:
    """An instant read back from the store (naive from SQLite means UTC)."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


def now(state: AirspaceState) -> datetime:
    """The service clock (the planner's: replays and tests move it) as an aware instant."""
    return state.to_datetime(state.now_s())


def workflow_units(settings: Any) -> Units | None:
    """The deployment's units file (``QINGKONG_UNITS_PATH``; demo mode: Qingdao's)."""
    path = settings.units_path or (str(QINGDAO_UNITS_PATH) if settings.demo else None)
    return None if not path else load_units(path)


def unit_of_key(s: Session, user: Principal) -> str | None:
    """The unit a regulator key belongs to (``None``: the whole region)."""
    row = s.get(KeyUnit, user.user_id)
    return None if row is None else row.unit


def assign_unit(state: AirspaceState, admin: Principal, user_id: int, unit: str) -> KeyUnit:
    """Bind a regulator key to a unit of the deployment's units file."""
    units = getattr(state, "units", None)
    if units is None:
        raise ApiError(409, "no_units", "this deployment has no units file (QINGKONG_UNITS_PATH)")
    if unit not in units.known():
        raise bad_field("unit", f"unknown unit {unit!r}; expected one of {units.known()}")
    with state.store.write() as s:
        from api.models import ApiUser

        key = s.get(ApiUser, user_id)
        if key is None or key.role != "regulator":
            raise bad_field("user_id", f"{user_id} is not a regulator key")
        row = s.get(KeyUnit, user_id)
        if row is None:
            row = KeyUnit(
                user_id=user_id, unit=unit, assigned_by=admin.user_id, created_at=utcnow()
            )
            s.add(row)
        else:
            row.unit, row.assigned_by = unit, admin.user_id
        record(s, admin, "assign", "key", str(user_id), reason=f"unit {unit}", unit=unit)
        return row


def flight_points(row: FlightRow) -> list[tuple[float, float]]:
    """Where a decided flight goes (trajectory, area ring, or the filed waypoints)."""
    d = row.decision or {}
    if d.get("trajectory"):
        return [(float(r[0]), float(r[1])) for r in d["trajectory"]]
    if d.get("area"):
        return [(float(x), float(y)) for x, y in d["area"]["coordinates"][0]]
    route = (row.request or {}).get("route") or {}
    if route.get("waypoints"):
        return [(float(w[0]), float(w[1])) for w in route["waypoints"]]
    return [tuple(p) for p in (route.get("from"), route.get("to")) if p]  # type: ignore[misc]


def workflow_of(state: AirspaceState) -> Workflow | None:
    """The deployment's workflow (``QINGKONG_WORKFLOW``; ``None`` for ``none``)."""
    return getattr(state, "workflow", None)


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


def documents_of(
    s: Session, operator_id: str, drone_id: str
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Validity periods of the registry documents that count for a flight: the operator's, and
    the drone's own real-name registration."""
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    rows = s.execute(
        select(RegistryDocument).where(RegistryDocument.operator_id == operator_id)
    ).scalars()
    for d in rows:
        if d.drone_id is not None and d.drone_id != drone_id:
            continue
        out.setdefault(d.kind, []).append((aware(d.valid_from), aware(d.valid_until)))  # type: ignore[arg-type]
    return out


def add_document(state: AirspaceState, user: Principal, body: dict[str, Any]) -> RegistryDocument:
    """Register a document (operators: their own; regulators name the operator)."""
    wf = workflow_of(state)
    kinds = list(wf.documents) if wf is not None else []
    if body["kind"] not in kinds:
        raise bad_field("kind", f"unknown document kind {body['kind']!r}; expected one of {kinds}")
    if body["valid_until"] <= body["valid_from"]:
        raise bad_field("valid_until", "is not after valid_from")
    operator = body.get("operator") if user.is_regulator else user.operator_id
    if not operator:
        raise bad_field("operator", "a regulator registering a document names the operator")
    with state.store.write() as s:
        from api.models import DroneRow, Operator

        if s.get(Operator, operator) is None:
            raise not_found("operator", operator)
        drone = body.get("drone")
        if (body["kind"] == "drone_registration") != (drone is not None):
            raise bad_field("drone", "a drone registration names its drone; other documents do not")
        if drone is not None:
            row = s.get(DroneRow, drone)
            if row is None or row.operator_id != operator:
                raise not_found("drone", drone)
        doc = RegistryDocument(
            operator_id=operator,
            drone_id=drone,
            kind=body["kind"],
            number=body["number"],
            valid_from=stored(body["valid_from"]),
            valid_until=stored(body["valid_until"]),
            created_at=utcnow(),
        )
        s.add(doc)
        s.flush()
        record(s, user, "register", "document", str(doc.id), reason=doc.kind, operator=operator)
        return doc


def gate_for(
    state: AirspaceState, s: Session, operator_id: str, facts: WorkflowFacts, drone_id: str = ""
) -> WorkflowGate | None:
    """The gate one filing passes (``None`` without a workflow)."""
    wf = workflow_of(state)
    if wf is None:
        return None
    return WorkflowGate(
        wf,
        facts,
        granted_tasks(s, operator_id),
        state.epoch,
        state.deployment.tz,
        state.now_s(),
        long_term=None if facts.long_term is None else approval_of(s, facts.long_term, operator_id),
        documents=documents_of(s, operator_id, drone_id),
    )


def approval_of(s: Session, lt_id: str, operator_id: str) -> LongTermApproval | None:
    """The operator's approved long-term application ``lt_id`` (``None`` otherwise)."""
    row = s.get(LongTermApplication, lt_id)
    if row is None or row.operator_id != operator_id or row.status != "approved":
        return None
    return LongTermApproval(
        row.id,
        row.operator_id,
        aware(row.valid_from),  # type: ignore[arg-type]
        aware(row.valid_until),  # type: ignore[arg-type]
        frozenset(str(c) for c in row.corridors or ()),
        shape(row.area) if row.area else None,
        float(row.upper_m),
    )


def apply_long_term(
    state: AirspaceState, user: Principal, body: dict[str, Any]
) -> LongTermApplication:
    """An operator applies for routine flights in fixed airspace (held for a regulator)."""
    wf = workflow_of(state)
    if wf is None or wf.long_term_rule is None:
        raise ApiError(
            409, "no_long_term", "this deployment's workflow has no long-term applications"
        )
    missing = missing_items(wf, body.get("application"))
    if missing:
        raise ApiError(
            422,
            "application_incomplete",
            f"application: missing {', '.join(missing)} (required by {wf.contents_rule})",
            field="application",
        )
    valid_from, valid_until = body["valid_from"], body["valid_until"]
    if valid_until <= valid_from:
        raise bad_field("valid_until", "is not after valid_from")
    if not body.get("corridors") and not body.get("area"):
        raise bad_field("corridors", "name the corridors (edge ids) or give an area")
    with state.store.write() as s:
        if s.get(LongTermApplication, body["id"]) is not None:
            raise ApiError(
                409, "long_term_exists", f"long-term application {body['id']!r} exists", field="id"
            )
        row = LongTermApplication(
            id=body["id"],
            operator_id=user.operator_id or "",
            corridors=list(body.get("corridors") or []),
            area=body.get("area"),
            upper_m=float(body["upper_m"]),
            valid_from=stored(valid_from),
            valid_until=stored(valid_until),
            application=dict(body["application"]),
            status="pending",
            comment="",
            created_at=utcnow(),
        )
        s.add(row)
        record(s, user, "apply", "long_term", row.id, reason="long-term application filed")
        return row


def decide_long_term(
    state: AirspaceState, user: Principal, lt_id: str, approve: bool, comment: str
) -> LongTermApplication:
    """A regulator approves or denies a long-term application."""
    with state.store.write() as s:
        row = s.get(LongTermApplication, lt_id)
        if row is None:
            raise not_found("long-term application", lt_id)
        if row.status != "pending":
            raise ApiError(409, "bad_state", f"long-term application {lt_id} is {row.status}")
        row.status = "approved" if approve else "denied"
        row.decided_by, row.comment = user.user_id, comment
        record(s, user, "review", "long_term", lt_id, reason=comment, approve=approve)
        return row


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
        wf_row = FlightWorkflow(
            flight_id=row.id,
            task=gate.workflow.task(facts.task).name,
            operations=sorted(facts.operations),
            application=dict(facts.application) if facts.application else None,
            must_apply=bool(ob and ob.must_apply),
            exemption=ob.exemption.rule if ob and ob.exemption else None,
            gate=bool(ob and ob.gate),
            decide_by=stored(gate.decide_by) if row.state == "pending" else None,
            unit=None if units is None else units.competent(flight_points(row)),
        )
        s.add(wf_row)
        extras = decision_extras(gate, row.status)
        if extras:
            row.decision = {**row.decision, **extras}
        detail.update(task=wf_row.task, must_apply=wf_row.must_apply, exemption=wf_row.exemption)
    record(s, user, "file", "flight", row.id, reason="filed", **detail)


def flight_workflow(s: Session, flight_id: str) -> FlightWorkflow | None:
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
        row = s.get(FlightRow, flight_id)
        if row is None or row.operator_id != user.operator_id:
            raise not_found("flight", flight_id)
        wf_row = s.get(FlightWorkflow, flight_id)
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
            flight_id,
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
        row = s.get(FlightRow, flight_id)
        if row is None or (not user.is_regulator and row.operator_id != user.operator_id):
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
            flight_id=flight_id,
            kind=kind,
            text=text,
            late=late,
            created_by=user.user_id,
            created_at=stored(t),
        )
        s.add(rep)
        record(s, user, "report", "flight", flight_id, reason=kind, late=late)
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
