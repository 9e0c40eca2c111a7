"""Routes of the workflow: the rules as data, task grants, the pre-departure gate (readiness
report, confirmation), reports after landing and the audit log. They only translate HTTP to
:mod:`api.workflow.service`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import (
    AdminUser,
    CurrentOperator,
    CurrentUser,
    PlannerDep,
    RegulatorUser,
    SessionDep,
)
from api.errors import ApiError
from api.routes.flights import ERRORS
from api.services.flights import own_flight
from api.services.lists import visible_rows
from api.wire import polygon_from_geojson
from api.workflow import audit, clock, long_term, registry, service, units
from api.workflow.models import (
    LongTermApplication,
    RegistryDocument,
    TaskGrant,
)
from api.workflow.schemas import (
    Confirmation,
    DocumentCreate,
    DroneModification,
    DroneStatusUpdate,
    GrantCreate,
    LongTermCreate,
    LongTermVerdict,
    ReadyReport,
    ReportCreate,
    UnitAssignment,
    WorkflowState,
    document_json,
    long_term_json,
    parse_instant,
    rfc3339,
    workflow_state_json,
)

router = APIRouter(tags=["workflow"])


@router.get("/workflow", operation_id="workflow-get")
def get_workflow(_user: CurrentUser, airspace: PlannerDep) -> dict[str, Any]:
    """The deployment's workflow as data: rules with codes and articles, task types, the
    application's contents, deadlines (``null`` workflow: none)."""
    wf = clock.workflow_of(airspace)
    if wf is None:
        return {"workflow": None}
    return {
        "workflow": wf.code,
        "name": wf.name,
        "timezone": airspace.deployment.timezone,
        "rules": [
            {"code": r.code, "summary": r.summary, "source": r.source} for r in wf.rules.values()
        ],
        "tasks": [
            {
                "name": t.name,
                "local_name": t.local_name,
                "urgency": t.urgency,
                "priority": t.priority,
                "needs_grant": t.needs_grant,
                "exemption": t.exemption,
            }
            for t in wf.tasks.values()
        ],
        "operations": dict(wf.triggers),
        "application_items": list(wf.application_items),
        "filing": {u: d.describe() for u, d in wf.filing.items()},
        "decision": {u: d.describe() for u, d in wf.decision.items()},
    }


@router.get(
    "/flights/{flight_id}/workflow",
    operation_id="flights-workflow",
    response_model=WorkflowState,
    responses=ERRORS,
)
def flight_workflow(
    flight_id: str, user: CurrentUser, session: SessionDep, airspace: PlannerDep
) -> dict[str, Any]:
    """Where a flight stands in the workflow (exemption, deadline, readiness, confirmation)."""
    r = service.flight_workflow(session, own_flight(session, user, flight_id).id)
    if r is None:
        raise ApiError(404, "not_found", f"flight {flight_id!r} was filed without a workflow")
    return workflow_state_json(r, airspace.deployment.tz) | {"flight": flight_id}


@router.post(
    "/flights/{flight_id}/ready",
    operation_id="flights-ready",
    response_model=WorkflowState,
    responses=ERRORS,
)
def ready(
    flight_id: str, body: ReadyReport, user: CurrentOperator, airspace: PlannerDep
) -> dict[str, Any]:
    """Report readiness and the expected take-off time (China: at least 1 h before it)."""
    return workflow_state_json(
        service.report_ready(airspace, user, flight_id, parse_instant(body.expected_takeoff)),
        airspace.deployment.tz,
    ) | {"flight": flight_id}


@router.post(
    "/flights/{flight_id}/confirm",
    operation_id="flights-confirm",
    response_model=WorkflowState,
    responses=ERRORS,
)
def confirm(
    flight_id: str, body: Confirmation, user: RegulatorUser, airspace: PlannerDep
) -> dict[str, Any]:
    """Confirm a readiness report: the flight may now be activated."""
    return workflow_state_json(
        service.confirm(airspace, user, flight_id, body.comment), airspace.deployment.tz
    )


@router.post(
    "/flights/{flight_id}/reports",
    operation_id="flights-report",
    status_code=201,
    responses=ERRORS,
)
def report(
    flight_id: str, body: ReportCreate, user: CurrentUser, airspace: PlannerDep
) -> dict[str, Any]:
    """A completion report after landing, or an abnormal-event report (due within 24 h)."""
    rep = service.add_report(airspace, user, flight_id, body.kind, body.text)
    return {
        "id": rep.id,
        "flight": flight_id,  # as the caller names it (api.scoped_ids)
        "kind": rep.kind,
        "late": rep.late,
        "created_at": rep.created_at.isoformat(),
    }


@router.post("/grants", operation_id="grants-create", status_code=201, responses=ERRORS)
def create_grant(body: GrantCreate, user: RegulatorUser, airspace: PlannerDep) -> dict[str, Any]:
    """Grant an operator a task type (its flights of that type get the type's priority)."""
    g = service.grant(airspace, user, body.operator, body.task, body.reason)
    return {"id": g.id, "operator": g.operator_id, "task": g.task, "reason": g.reason}


@router.get("/grants", operation_id="grants-list", responses=ERRORS)
def list_grants(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Task grants (operators: their own)."""
    return [
        {"id": g.id, "operator": g.operator_id, "task": g.task, "reason": g.reason}
        for g in visible_rows(session, TaskGrant, user)
    ]


@router.post("/long-term", operation_id="long-term-create", status_code=201, responses=ERRORS)
def create_long_term(
    body: LongTermCreate, user: CurrentOperator, airspace: PlannerDep
) -> dict[str, Any]:
    """Apply for routine flights in fixed airspace for months (approved once by a regulator;
    each day's flights then name it in ``long_term`` and are filed by 12:00 the day before)."""
    data = body.model_dump()
    data["valid_from"], data["valid_until"] = (
        parse_instant(body.valid_from),
        parse_instant(body.valid_until),
    )
    if body.area is not None:
        polygon_from_geojson(body.area, "area")
    row = long_term.apply_long_term(airspace, user, data)
    return long_term_json(row, airspace.deployment.tz)


@router.get("/long-term", operation_id="long-term-list", responses=ERRORS)
def list_long_term(
    user: CurrentUser, session: SessionDep, airspace: PlannerDep
) -> list[dict[str, Any]]:
    """Long-term applications (operators: their own)."""
    rows = visible_rows(session, LongTermApplication, user)
    return [long_term_json(r, airspace.deployment.tz) for r in rows]


@router.post("/long-term/{lt_id}/review", operation_id="long-term-review", responses=ERRORS)
def review_long_term(
    lt_id: str, body: LongTermVerdict, user: RegulatorUser, airspace: PlannerDep
) -> dict[str, Any]:
    """Approve or deny a long-term application."""
    row = long_term.decide_long_term(airspace, user, lt_id, body.approve, body.comment)
    return long_term_json(row, airspace.deployment.tz)


@router.post("/documents", operation_id="documents-create", status_code=201, responses=ERRORS)
def create_document(
    body: DocumentCreate, user: CurrentUser, airspace: PlannerDep
) -> dict[str, Any]:
    """Register a certificate, insurance, pilot licence or drone registration with its validity;
    an expired one refuses filing, a missing one refuses a flight that must apply."""
    data = body.model_dump()
    data["valid_from"], data["valid_until"] = (
        parse_instant(body.valid_from),
        parse_instant(body.valid_until),
    )
    doc = registry.add_document(airspace, user, data)
    return document_json(doc, airspace.deployment.tz, user)


@router.get("/documents", operation_id="documents-list", responses=ERRORS)
def list_documents(
    user: CurrentUser, session: SessionDep, airspace: PlannerDep
) -> list[dict[str, Any]]:
    """Registry documents (operators: their own)."""
    rows = visible_rows(session, RegistryDocument, user)
    return [document_json(d, airspace.deployment.tz, user) for d in rows]


@router.get("/units", operation_id="units-list", responses=ERRORS)
def list_units(_user: CurrentUser, airspace: PlannerDep) -> dict[str, Any]:
    """The control sub-regions and their approving units (``null`` without a units file)."""
    u = getattr(airspace, "units", None)
    if u is None:
        return {"region_unit": None, "units": []}
    return {
        "region_unit": u.region_unit,
        "region_name": u.region_name,
        "units": [{"unit": a, "name": n} for a, n in zip(u.units, u.names, strict=True)],
    }


@router.post("/units/keys", operation_id="units-assign", responses=ERRORS)
def assign_unit(body: UnitAssignment, user: AdminUser, airspace: PlannerDep) -> dict[str, Any]:
    """Bind a regulator key to a unit (admins): it then sees and decides that unit's queue."""
    row = units.assign_unit(airspace, user, body.user_id, body.unit)
    return {"user_id": row.user_id, "unit": row.unit}


@router.post("/drones/{drone_id}/status", operation_id="drones-status", responses=ERRORS)
def drone_status(
    drone_id: str, body: DroneStatusUpdate, user: CurrentUser, airspace: PlannerDep
) -> dict[str, Any]:
    """Activate or deactivate a drone's real-name registration (a deactivated drone files
    nothing under the workflow: ``DRONE_NOT_ACTIVE``)."""
    row = registry.set_drone_status(airspace, user, drone_id, body.active, body.reason)
    return {"drone": drone_id, "active": row.active, "reason": row.reason}


@router.post("/drones/{drone_id}/modification", operation_id="drones-modify", responses=ERRORS)
def drone_modification(
    drone_id: str, body: DroneModification, user: CurrentUser, airspace: PlannerDep
) -> dict[str, Any]:
    """Record a modification; the drone's class is derived again from its new properties."""
    row, before = registry.modify_drone(
        airspace, user, drone_id, body.model_dump(exclude={"reason"}), body.reason
    )
    return {"drone": drone_id, "drone_class_before": before, "drone_class": row.drone_class}


@router.get("/audit", operation_id="audit-list", responses=ERRORS)
def audit_log(
    _user: RegulatorUser,
    session: SessionDep,
    airspace: PlannerDep,
    flight: Annotated[str | None, Query(description="one flight's entries")] = None,
    zone: Annotated[str | None, Query(description="one zone's entries")] = None,
    actor: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="one key's entries (its id)")
    ] = None,
    since: Annotated[str | None, Query(description="RFC 3339")] = None,
    until: Annotated[str | None, Query(description="RFC 3339")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**53 - 1)] = 0,
) -> dict[str, Any]:
    """Who changed what, when and why (regulators). Nothing is ever deleted from it."""
    bounds = {}
    for name, v in (("since", since), ("until", until)):
        if v is not None:
            try:
                rfc3339(v)
            except ValueError as e:
                raise ApiError(422, "invalid_field", f"{name}: {e}", field=name) from None
            bounds[name] = parse_instant(v)
    entries = audit.query(
        session, flight=flight, zone=zone, actor=actor, limit=limit, offset=offset, **bounds
    )
    items = [audit.entry_json(e, airspace.deployment.tz) for e in entries]
    return {"items": items, "count": len(items)}
