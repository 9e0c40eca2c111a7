"""The flights service: filing a flight request, reading one's own flights and moving them
through their lifecycle (cancel, activate, end). Decisions run on the group-commit worker
(:meth:`AirspaceState.run`), transitions inside :meth:`AirspaceState.transaction`, so the
planner decides on an up-to-date airspace and the answer is committed (durable) before it is
returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.errors import AirspaceError
from api import scoped_ids
from api.airspace_state import LIVE_STATES, AirspaceState
from api.auth import Principal
from api.batch_rows import batch_rows
from api.errors import ApiError, bad_field, not_found
from api.filing import filing_values
from api.models import DroneRow, FlightRow
from api.schemas import FlightCreate
from api.services.records import (
    STATE_OF_STATUS,
    apply_changes,
    body_hash,
    drone_from_row,
    flight_json,
    set_decision,
)
from api.store import utcnow
from api.workflow import service as workflow
from api.workflow.audit import record as audit
from planner.decision import AIRBORNE_STATES, LIFECYCLE
from planner.workflow_gate import ApplicationIncomplete

GROUND_ONLY = frozenset({"cancel"})
"""The API's policy over the planner's lifecycle: an operator cancels only a flight on the
ground (one in the air is ended), though the planner would cancel it."""
TRANSITIONS = {
    op: (
        {str(s) for s in from_states if not (op in GROUND_ONLY and s in AIRBORNE_STATES)},
        str(to),
    )
    for op, (from_states, to) in LIFECYCLE.items()
}
"""What the API lets an operator do: the planner's lifecycle (:data:`planner.decision.LIFECYCLE`)
with :data:`GROUND_ONLY` on top; states as stored strings."""


def _find_by_request_id(s: Session, operator_id: str, request_id: str) -> FlightRow | None:
    return s.execute(
        select(FlightRow).where(
            FlightRow.operator_id == operator_id, FlightRow.request_id == request_id
        )
    ).scalar_one_or_none()


def _replay(row: FlightRow, digest: str, state: AirspaceState) -> tuple[dict[str, Any], bool]:
    if row.body_hash != digest:
        raise ApiError(
            409,
            "request_id_reused",
            f"request_id {row.request_id!r} was already used for a different request "
            f"(flight {scoped_ids.ref_of(row.operator_id, row.id)})",
            field="request_id",
        )
    return flight_json(row, state), False


def flight_public(row: FlightRow, state: AirspaceState, user: Principal) -> dict[str, Any]:
    """The flight as ``user`` is shown it (:func:`flight_json`, in the ids ``user`` knows:
    see :mod:`api.scoped_ids`)."""
    return scoped_ids.for_user(flight_json(row, state), user)


def file_flight(
    state: AirspaceState,
    user: Principal,
    body: FlightCreate,
    raw: dict[str, Any],
    *,
    max_vertices: int,
) -> tuple[dict[str, Any], bool]:
    """Decide and store a flight request; returns the flight (:func:`flight_json`) and whether
    it is new. The decision is committed before this returns.

    A repeated ``request_id`` with the same body returns the stored answer (idempotent retry).
    The flight is named in the caller's own ids (:mod:`api.scoped_ids`).
    """
    flight, created = state.run(flight_job(state, user, body, raw, max_vertices=max_vertices))
    return scoped_ids.for_user(flight, user), created


async def decide_flight_async(
    state: AirspaceState,
    user: Principal,
    body: FlightCreate,
    raw: dict[str, Any],
    *,
    max_vertices: int,
) -> tuple[dict[str, Any], bool]:
    """:func:`file_flight` for the event loop (awaits the decision worker without a thread),
    the flight still in global ids: the answer shows it to ``user``
    (:func:`api.routes.flights.filing_response`, which encodes it once for both)."""
    job = flight_job(state, user, body, raw, max_vertices=max_vertices)
    return await state.run_async(job)


def flight_job(
    state: AirspaceState,
    user: Principal,
    body: FlightCreate,
    raw: dict[str, Any],
    *,
    max_vertices: int,
) -> Callable[[Session], tuple[dict[str, Any], bool]]:
    """Check what can be checked without the airspace lock, and return the job that decides
    under it (for :meth:`AirspaceState.run`)."""
    op = user.operator_id or ""
    digest = body_hash(raw)
    values = filing_values(state, body, raw, max_vertices=max_vertices)
    wf = workflow.workflow_of(state)
    facts = workflow.facts_of(wf, raw) if wf is not None else None
    priority = body.priority
    if wf is not None and facts is not None:
        priority = workflow.effective_priority(wf, facts, body.priority)

    def decide(s: Session) -> tuple[dict[str, Any], bool]:
        pending = batch_rows(s)
        if body.request_id:
            prev = None if pending is None else pending.by_request(op, body.request_id)
            if prev is None:
                prev = _find_by_request_id(s, op, body.request_id)
            if prev is not None:
                return _replay(prev, digest, state)
        # No autoflush here: earlier jobs' rows are written together when the batch commits.
        drone_row = scoped_ids.find_own(s, DroneRow, op, body.drone)
        if drone_row is None:
            raise bad_field("drone", f"drone {body.drone!r} is not registered to operator {op}")
        # Ids are the operator's own: one held by another operator is as good as a free one.
        flight_id = f"F-{uuid.uuid4().hex[:16]}"
        if body.flight:
            unwritten = None if pending is None else pending.flights
            key = scoped_ids.new_key(s, FlightRow, op, body.flight, unwritten)
            if key is None:
                raise ApiError(
                    409,
                    "flight_exists",
                    f"you already have a flight {body.flight!r}",
                    field="flight",
                )
            flight_id = key
        try:
            req = values.request(
                flight_id, drone_from_row(drone_row), priority=priority, operator_id=op
            )
        except (ValueError, AirspaceError) as e:
            raise ApiError(422, "invalid_request", str(e), field="route") from None
        gate = None if facts is None else workflow.gate_for(state, s, op, facts, drone_row.id)
        try:
            decision, changes = state.planner.decide(req, state.now_s(), gate=gate)
        except ApplicationIncomplete as e:  # raised before the planner changed anything
            raise ApiError(422, "application_incomplete", str(e), field="application") from None
        except (ValueError, AirspaceError) as e:
            if state.has_record(flight_id):
                state.mark_dirty()
            raise ApiError(422, "invalid_request", str(e), field="route") from None
        dj = decision.to_json()
        now = utcnow()
        row = FlightRow(
            id=flight_id,
            operator_id=op,
            drone_id=drone_row.id,
            request_id=body.request_id,
            body_hash=digest,
            request=raw,
            decision=dj,
            status=dj["status"],
            state=STATE_OF_STATUS[dj["status"]],
            priority=req.priority,
            review_comment="",
            created_at=now,
            updated_at=now,
        )
        set_decision(row, dj, state.record_json(flight_id))
        if pending is not None:
            pending.add_flight(row)  # written with the batch's other rows
        else:
            s.add(row)  # flushed with the transaction (FlightWorkflow.flight orders the inserts)
        workflow.record_filing(
            s, user, row, gate, facts or workflow.WorkflowFacts(), getattr(state, "units", None)
        )
        if row.state in LIVE_STATES:
            state.log_event(s, "flight", flight_id, {"state": row.state})
        apply_changes(s, state, changes)
        return flight_json(row, state), True

    decide.uses_batch_rows = True  # type: ignore[attr-defined]
    # The drone is looked up by its two possible keys (scoped_ids.find_own): read once a batch.
    decide.preload_keys = [  # type: ignore[attr-defined]
        (DroneRow, body.drone),
        (DroneRow, scoped_ids.qualified(op, body.drone)),
    ]
    return decide


def own_flight(s: Session, user: Principal, flight_id: str) -> FlightRow:
    """The flight, if the caller may see it (operators: their own only, by their own id;
    regulators: by its global key, see :mod:`api.scoped_ids`)."""
    row = scoped_ids.find_visible(s, FlightRow, user, flight_id)
    if row is None:
        raise not_found("flight", flight_id)
    return row


def transition(state: AirspaceState, user: Principal, flight_id: str, op: str) -> FlightRow:
    """Cancel, activate or end a flight."""
    allowed, new_state = TRANSITIONS[op]
    with state.transaction() as s:
        row = own_flight(s, user, flight_id)
        if row.state not in allowed:
            raise ApiError(
                409,
                "bad_state",
                f"cannot {op} flight {flight_id}: it is {row.state} (needs {sorted(allowed)})",
            )
        if op == "activate":
            workflow.check_activation(state, s, row)
        try:
            getattr(state.planner, op)(row.id, state.now_s())
        except (ValueError, KeyError) as e:
            why = str(e) if user.is_regulator else scoped_ids.for_operator(str(e), row.operator_id)
            raise ApiError(409, "bad_state", f"cannot {op} flight {flight_id}: {why}") from None
        row.state = new_state
        row.record = state.record_json(row.id)
        row.updated_at = utcnow()
        state.log_event(s, "flight", row.id, {"state": row.state})
        audit(s, user, op, "flight", row.id, reason=op, state=row.state)
    return row


def list_flights(
    session: Session,
    *,
    user: Principal,
    states: list[str] | None,
    start_s: float | None,
    end_s: float | None,
    operator: str | None,
    limit: int,
    offset: int,
) -> list[FlightRow]:
    """The caller's flights (regulators: everyone's, or one ``operator``'s), newest first,
    filtered by lifecycle state and by overlap with ``[start_s, end_s]`` (planner seconds)."""
    q = select(FlightRow)
    if not user.is_regulator:
        q = q.where(FlightRow.operator_id == user.operator_id)
    elif operator:
        q = q.where(FlightRow.operator_id == operator)
    if states:
        q = q.where(FlightRow.state.in_(states))
    if start_s is not None:
        q = q.where(FlightRow.end_s >= start_s)
    if end_s is not None:
        q = q.where(FlightRow.departure_s <= end_s)
    q = q.order_by(FlightRow.created_at.desc(), FlightRow.id).offset(offset).limit(limit)
    return list(session.execute(q).scalars())
