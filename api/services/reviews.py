"""The reviews service: the regulators' queue of pending requests and their verdicts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.airspace_state import AirspaceState
from api.auth import Principal
from api.errors import ApiError, not_found
from api.models import FlightRow
from api.services.records import STATE_OF_STATUS, apply_changes, notify, set_decision
from api.workflow import service as workflow
from api.workflow.audit import record as audit
from api.workflow.service import review_deadlines
from api.workflow.units import unit_of_key


def pending_flights(session: Session) -> list[FlightRow]:
    """The flights waiting for a regulator, oldest first."""
    return list(
        session.execute(
            select(FlightRow).where(FlightRow.state == "pending").order_by(FlightRow.created_at)
        ).scalars()
    )


def check_unit(state: AirspaceState, user: Principal, flight_id: str) -> None:
    """403 unless the caller's key may decide this flight (a key bound to a competent unit
    decides that unit's requests only)."""
    with state.store.session() as s:
        mine = unit_of_key(s, user)
        wf = review_deadlines(s, [flight_id]).get(flight_id)
    if mine is not None and (wf is None or wf.unit != mine):
        raise ApiError(
            403,
            "other_unit",
            f"flight {flight_id} is reviewed by unit {wf.unit if wf else 'none'}, not {mine} "
            "(CN-2024-ART26-COMPETENT-UNIT)",
        )


def review(
    state: AirspaceState,
    flight_id: str,
    *,
    approve: bool,
    comment: str,
    actor: Principal | None = None,
) -> tuple[FlightRow, list]:
    """A regulator's verdict on a pending request."""
    with state.transaction() as s:
        row = s.get(FlightRow, flight_id)
        if row is None:
            raise not_found("flight", flight_id)
        if row.state != "pending":
            raise ApiError(
                409, "bad_state", f"flight {flight_id} is {row.state}, not pending review"
            )
        decision, changes = state.planner.review(flight_id, approve, state.now_s(), comment)
        dj = decision.to_json()
        row.state = STATE_OF_STATUS[dj["status"]]
        row.review_comment = comment
        set_decision(row, dj, state.record_json(flight_id))
        notify(
            s,
            row,
            "approved" if row.state != "rejected" else "denied",
            {"decision": dj, "comment": comment},
        )
        state.log_event(s, "flight", flight_id, {"state": row.state})
        workflow.note_decided(state, s, flight_id)
        audit(s, actor, "review", "flight", flight_id, reason=comment, approve=approve)
        out = apply_changes(s, state, changes)
    return row, out
