"""Service functions behind the InterUSS ``flight_planning`` v1 interface: upsert (plan, modify,
activate, report off-nominal, close), delete, read the virtual user's notifications (clearing an
area is in :mod:`api.interuss.clearing`). They use the same planner, store and lifecycle as ``/v1``.

How qingkong answers map onto the interface:

- approved -> ``Completed`` with ``Planned`` (accepted), ``OkToFly`` (activated) or
  ``OffNominal`` (nonconforming, contingent); conditions of CONDITIONAL zones ->
  ``includes_advisories: AtLeastOneAdvisoryOrCondition``.
- rejected -> ``Rejected``; the notes give qingkong's reasons.
- pending review (a REQ_AUTHORISATION zone, above the ceiling, a class that needs
  authorisation) has no place in this interface: it is answered ``Rejected`` with notes saying a
  regulator's authorisation is needed, and nothing is held (the pending request is withdrawn).
- a modification (PUT of a live id) is decided as a new request that ignores the flight's own
  old plan; if refused, the old plan stays in force unchanged and the status is the old one.
- ``Hypothetical`` execution -> ``NotSupported``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.drones import Drone
from airspace.rulesets import RULESETS
from api.airspace_state import LIVE_STATES, AirspaceState
from api.auth import Principal
from api.errors import ApiError
from api.interuss.plans import (
    CLOSED,
    authorisation_problems,
    decision_notes,
    flight_plan_status,
    includes_advisories,
    plan_priority,
    plan_request,
    uas_class,
    uas_serial,
    wanted_state,
)
from api.models import DroneRow, FlightRow, Notification
from api.services.records import STATE_OF_STATUS, apply_changes, body_hash, set_decision
from api.store import utcnow
from planner.modify import modify, set_airborne_state
from planner.requests import FlightRequest, State, Status
from planner.volume4d import IntentFormatError

log = logging.getLogger("qingkong.api")

AIRBORNE = ("activated", "nonconforming", "contingent")
AIRBORNE_OFF_NOMINAL = (State.NONCONFORMING, State.CONTINGENT)
PENDING_NOTE = (
    "qingkong would hold this request for a regulator's authorisation (pending review); this "
    "interface has no pending state, so it is answered Rejected and nothing is held"
)


def answer(result: str, status: str, notes: list[str], advisories: str = "Unknown") -> dict:
    """An ``UpsertFlightPlanResponse`` / ``DeleteFlightPlanResponse`` body."""
    out: dict[str, Any] = {
        "planning_result": result,
        "flight_plan_status": status,
        "includes_advisories": advisories,
    }
    if notes:
        out["notes"] = "; ".join(notes)
    return out


def _drone(
    s: Session, operator_id: str, plan: dict[str, Any], ruleset_code: str, default: str | None
) -> Drone:
    """The operator's drone for the plan's serial number (registered on first use)."""
    serial = uas_serial(plan) or "unnamed"
    drone_id = f"{operator_id}/{serial}"[:64]
    classes = [c.name for c in RULESETS[ruleset_code].classes]
    wanted = uas_class(plan)
    drone_class = wanted if wanted in classes else (default or "light")
    if drone_class not in classes:
        drone_class = classes[0]
    with s.no_autoflush:
        row = s.get(DroneRow, drone_id)
    if row is None:
        row = DroneRow(
            id=drone_id,
            operator_id=operator_id,
            serial=drone_id,
            model="InterUSS test aircraft",
            max_speed_mps=20.0,
            vertical_rate_mps=3.0,
            capabilities=["remote_id", "geofencing", "manual_takeover"],
            drone_class=drone_class,
            created_at=utcnow(),
        )
        s.add(row)
    return Drone(
        id=row.id,
        operator_id=operator_id,
        serial=row.serial,
        max_speed_mps=row.max_speed_mps,
        vertical_rate_mps=row.vertical_rate_mps,
        capabilities=frozenset(row.capabilities or ()),
        drone_class=row.drone_class,
    )


def _local(state: AirspaceState) -> Callable[[float], datetime]:
    """Planner seconds as times in the deployment's time zone."""
    tz = state.deployment.tz
    return lambda t_s: state.to_datetime(t_s).astimezone(tz)


def _advance(state: AirspaceState, fid: str, wanted: State, now_s: float) -> None:
    """Move a live flight to the lifecycle state the plan asks for (InUse / off-nominal)."""
    current = state.planner.record(fid).state
    if wanted == State.ACCEPTED or current == wanted:
        return
    if current == State.ACCEPTED:
        state.planner.activate(fid, now_s)
    if wanted != State.ACTIVATED or state.planner.record(fid).state != State.ACTIVATED:
        set_airborne_state(state.planner, fid, wanted)


def _store_state(s: Session, state: AirspaceState, row: FlightRow) -> None:
    row.state = str(state.planner.record(row.id).state)
    row.record = state.record_json(row.id)
    row.updated_at = utcnow()
    state.log_event(s, "flight", row.id, {"state": row.state})


def upsert_job(
    state: AirspaceState,
    user: Principal,
    flight_plan_id: str,
    raw: dict[str, Any],
    *,
    drone_class: str | None,
) -> Callable[[Session], dict[str, Any]]:
    """The job (for :meth:`AirspaceState.run`) that plans, modifies, activates or closes the
    flight plan ``flight_plan_id`` of ``user`` and returns the response body."""
    op = user.operator_id or ""
    plan = raw["flight_plan"]
    style = raw["execution_style"]
    request_id = str(raw["request_id"])[:100]
    digest = body_hash(raw)
    wanted = wanted_state(plan)

    def job(s: Session) -> dict[str, Any]:
        with s.no_autoflush:
            row = s.get(FlightRow, flight_plan_id)
        if row is not None and row.operator_id != op:
            raise ApiError(
                409,
                "flight_plan_id_taken",
                f"flight plan {flight_plan_id} belongs to another client; choose another id",
            )
        live = row is not None and row.state in LIVE_STATES
        old_status = flight_plan_status(row.state if live and row else None)
        if row is not None and row.request_id == request_id and row.body_hash == digest:
            return answer(
                "Completed" if live or wanted == CLOSED else "Rejected",
                flight_plan_status(row.state),
                ["a repeated request_id: the outcome of the first request"],
                includes_advisories(row.decision),
            )
        if style == "Hypothetical":
            return answer(
                "NotSupported",
                old_status,
                ["qingkong does not answer hypothetical planning; use IfAllowed"],
            )
        now_s = state.now_s()
        if wanted == CLOSED:
            return close_flight(s, state, row, now_s)
        problems = authorisation_problems(plan)
        if problems:
            return answer(
                "Rejected", old_status, [f"U-space flight authorisation: {p}" for p in problems]
            )
        drone = _drone(s, op, plan, state.deployment.rules, drone_class)
        try:
            request, read_notes = plan_request(
                plan,
                flight_id=flight_plan_id,
                drone=drone,
                epoch=state.epoch,
                deployment=state.deployment,
            )
        except IntentFormatError as e:
            return answer("Rejected", old_status, [f"the flight plan cannot be planned: {e}"])
        if live and row is not None:
            return _modify(
                s, state, row, request, read_notes, raw, digest, request_id, wanted, style, now_s
            )
        return _create(
            s, state, row, request, read_notes, raw, digest, request_id, wanted, op, now_s
        )

    return job


def _fill(
    row: FlightRow, raw: dict[str, Any], digest: str, request_id: str, request: FlightRequest
) -> None:
    row.request = raw
    row.body_hash = digest
    row.request_id = request_id
    row.priority = request.priority
    row.drone_id = request.drone.id


def _create(
    s: Session,
    state: AirspaceState,
    row: FlightRow | None,
    request: FlightRequest,
    notes: list[str],
    raw: dict[str, Any],
    digest: str,
    request_id: str,
    wanted: State | str,
    op: str,
    now_s: float,
) -> dict[str, Any]:
    fid = request.flight_id
    # This interface has no pending state: a request that would wait for review holds nothing
    # and displaces nobody.
    decision, changes = state.planner.decide(request, now_s, hold_pending=False)
    dj = decision.to_json()
    reasons = decision_notes(dj, _local(state))
    if decision.status == Status.PENDING:
        return answer("Rejected", "NotPlanned", [PENDING_NOTE, *reasons])
    if row is None:
        row = FlightRow(id=fid, operator_id=op, review_comment="", created_at=utcnow())
        s.add(row)
    _fill(row, raw, digest, request_id, request)
    set_decision(row, dj, state.record_json(fid))
    row.state = STATE_OF_STATUS[dj["status"]]
    if decision.status == Status.REJECTED:
        return answer("Rejected", "NotPlanned", [*notes, *reasons])
    if isinstance(wanted, State):
        _advance(state, fid, wanted, now_s)
    _store_state(s, state, row)
    apply_changes(s, state, changes)
    return answer(
        "Completed", flight_plan_status(row.state), [*notes, *reasons], includes_advisories(dj)
    )


def _modify(
    s: Session,
    state: AirspaceState,
    row: FlightRow,
    request: FlightRequest,
    notes: list[str],
    raw: dict[str, Any],
    digest: str,
    request_id: str,
    wanted: State | str,
    style: str,
    now_s: float,
) -> dict[str, Any]:
    fid = row.id
    if row.state in AIRBORNE and wanted == State.ACCEPTED:
        return answer(
            "Rejected",
            flight_plan_status(row.state),
            ["a flight in the air cannot go back to Planned; close it (usage_state Closed)"],
        )
    same = state.planner.record(fid).request.to_json() == request.to_json()
    dj = row.decision
    changes: list[Any] = []
    if not same:
        m = modify(state.planner, request, now_s, accept_pending=False)
        changes = m.changes
        dj = m.decision.to_json()
        reasons = decision_notes(dj, _local(state))
        if not m.applied:
            apply_changes(s, state, changes)
            kept = "the previous plan stays in force unchanged"
            off_nominal = isinstance(wanted, State) and wanted in AIRBORNE_OFF_NOMINAL
            if style == "InReality" and off_nominal and row.state in AIRBORNE:
                assert isinstance(wanted, State)
                # Reality is not refused: the flight is off-nominal whatever can be planned.
                set_airborne_state(state.planner, fid, wanted)
                _store_state(s, state, row)
                why = "; ".join(reasons)
                return answer(
                    "Completed",
                    flight_plan_status(row.state),
                    [
                        f"the flight is {row.state}; its new area could not be planned ({why}), {kept}"
                    ],
                )
            pending = [PENDING_NOTE] if m.decision.status == Status.PENDING else []
            return answer("Rejected", flight_plan_status(row.state), [*pending, *reasons, kept])
        set_decision(row, dj, state.record_json(fid))
    _fill(row, raw, digest, request_id, request)
    if isinstance(wanted, State):
        _advance(state, fid, wanted, now_s)
    _store_state(s, state, row)
    apply_changes(s, state, changes)
    return answer(
        "Completed",
        flight_plan_status(row.state),
        [*notes, *decision_notes(dj, _local(state))],
        includes_advisories(dj),
    )


def close_flight(
    s: Session, state: AirspaceState, row: FlightRow | None, now_s: float
) -> dict[str, Any]:
    """End (planned or flying) or cancel (pending) a live flight; the response body."""
    if row is None or row.state not in LIVE_STATES:
        return answer("Completed", "Closed", ["there was no open flight plan with this id"])
    if row.state in AIRBORNE or row.state == "accepted":
        state.planner.end(row.id, now_s)
    else:
        state.planner.cancel(row.id, now_s)
    _store_state(s, state, row)
    return answer("Completed", "Closed", [f"the flight is {row.state}"])


def delete_flight_plan(
    state: AirspaceState, user: Principal, flight_plan_id: str
) -> dict[str, Any]:
    """Close a flight plan (ended when it was planned or flying, cancelled when pending)."""
    with state.transaction() as s:
        row = s.get(FlightRow, flight_plan_id)
        if row is None or row.operator_id != user.operator_id:
            raise ApiError(
                404, "not_found", f"flight plan {flight_plan_id} does not exist (or is not yours)"
            )
        return close_flight(s, state, row, state.now_s())


def user_notifications(
    state: AirspaceState, user: Principal, after: datetime, before: datetime
) -> dict[str, Any]:
    """What qingkong told the caller's operator between ``after`` and ``before``."""
    with state.store.session() as s:
        rows = s.execute(
            select(Notification)
            .where(Notification.operator_id == user.operator_id)
            .order_by(Notification.id)
        ).scalars()
        out = []
        for n in rows:
            at = n.created_at if n.created_at.tzinfo else n.created_at.replace(tzinfo=UTC)
            if not after <= at <= before:
                continue
            reason = (n.payload or {}).get("reason") or {}
            message = f"flight {n.flight_id} {n.kind}"
            if reason.get("message"):
                message += f": {reason['message']}"
            conflicts = "Single" if reason.get("flight") else "Unknown"
            out.append(
                {
                    "observed_at": {
                        "value": at.isoformat().replace("+00:00", "Z"),
                        "format": "RFC3339",
                    },
                    "message": message,
                    "conflicts": conflicts,
                }
            )
    return {"user_notifications": out}


__all__ = [
    "answer",
    "delete_flight_plan",
    "plan_priority",
    "upsert_job",
    "user_notifications",
]
