"""Modifying a filed flight through ``PUT /v1/flights/{id}`` (ASTM F3548 semantics, see
:mod:`planner.modify`): the new request is decided as if new, ignoring only the flight's own
old plan; if it is rejected, the old plan stays in force unchanged. Flights in the air can be
modified too and stay in the air."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from airspace.errors import AirspaceError
from api import scoped_ids
from api.airspace_state import LIVE_STATES, AirspaceState
from api.auth import Principal
from api.errors import ApiError, bad_field
from api.filing import filing_values
from api.models import DroneRow
from api.schemas import FlightCreate
from api.services.flights import own_flight
from api.services.records import (
    apply_changes,
    body_hash,
    drone_from_row,
    flight_json,
    set_decision,
)
from planner.modify import modify


def modify_job(
    state: AirspaceState,
    user: Principal,
    flight_id: str,
    body: FlightCreate,
    raw: dict[str, Any],
    *,
    max_vertices: int,
) -> Callable[[Session], dict[str, Any]]:
    """The job (for :meth:`AirspaceState.run`) deciding a modification of ``flight_id``; it
    returns the flight as it now stands plus ``modification: {applied, decision}``, in the
    ids ``user`` knows (:mod:`api.scoped_ids`)."""
    if body.flight is not None and body.flight != flight_id:
        raise bad_field("flight", f"is {body.flight!r} but the URL names {flight_id!r}")
    values = filing_values(state, body, raw, max_vertices=max_vertices)

    def decide(s: Session) -> dict[str, Any]:
        with s.no_autoflush:
            row = own_flight(s, user, flight_id)
        drone_row = scoped_ids.find_own(s, DroneRow, row.operator_id, body.drone)
        if row.state not in LIVE_STATES:
            raise ApiError(
                409,
                "bad_state",
                f"flight {flight_id} is {row.state}; only a pending, accepted or flying flight "
                "can be modified (file a new one instead)",
            )
        if drone_row is None:
            raise bad_field("drone", f"drone {body.drone!r} is not registered to {row.operator_id}")
        try:
            req = values.request(
                row.id,
                drone_from_row(drone_row),
                priority=body.priority,
                operator_id=row.operator_id,
            )
        except (ValueError, AirspaceError) as e:
            raise ApiError(422, "invalid_request", str(e), field="route") from None
        try:
            m = modify(state.planner, req, state.now_s())
        except (ValueError, AirspaceError) as e:
            state.mark_dirty()
            raise ApiError(422, "invalid_request", str(e), field="route") from None
        dj = m.decision.to_json()
        if m.applied:
            row.request = raw
            row.body_hash = body_hash(raw)
            row.request_id = body.request_id or row.request_id
            row.drone_id = drone_row.id
            row.priority = body.priority
            set_decision(row, dj, state.record_json(row.id))
            row.state = str(state.planner.record(row.id).state)
            state.log_event(s, "flight", row.id, {"state": row.state})
        apply_changes(s, state, m.changes)
        out = flight_json(row, state)
        if out.get("departure_time") is not None:
            out["departure_time"] = out["departure_time"].isoformat()
        out["modification"] = {"applied": m.applied, "decision": dj}
        return scoped_ids.for_user(out, user)

    return decide
