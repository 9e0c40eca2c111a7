"""Writing the planner's answers into the store, the same way for every service: a decision
onto its flight row (:func:`set_decision`), the knock-on changes of a decision
(:func:`apply_changes`), notifications, and the flight as answered (:func:`flight_json`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from airspace.drones import Drone
from api.airspace_state import AirspaceState
from api.batch_rows import batch_rows
from api.models import FlightRow, Notification
from api.store import utcnow
from api.workflow.audit import record as audit

STATE_OF_STATUS = {"approved": "accepted", "pending": "pending", "rejected": "rejected"}
"""The lifecycle state a new decision's status puts its flight in."""
STATE_OF_CHANGE = {"revoked": "revoked", "replanned": "accepted", "approved": "accepted"}
"""The lifecycle state of a changed flight the planner no longer knows."""


def body_hash(raw: dict[str, Any]) -> str:
    """Digest of a request body (sorted keys), to tell a retry from a different request.

    >>> body_hash({"b": 1, "a": 2}) == body_hash({"a": 2, "b": 1})
    True
    """
    return hashlib.sha256(
        json.dumps(raw, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


DRONE_FIELDS = (
    "id",
    "operator_id",
    "serial",
    "empty_weight_kg",
    "max_takeoff_weight_kg",
    "max_speed_mps",
    "max_altitude_m",
    "vertical_rate_mps",
)
"""The fields a stored drone, a registration body and the planner's :class:`Drone` share."""


def drone_from_row(row: Any, *, classified: bool = True) -> Drone:
    """The planner's :class:`Drone` of a stored drone row (or a registration body).

    ``classified=False`` leaves the class out, for the rules to derive it again.
    """
    return Drone(
        **{f: getattr(row, f) for f in DRONE_FIELDS},
        capabilities=frozenset(row.capabilities or ()),
        drone_class=row.drone_class if classified else None,
    )


def end_s(decision: dict[str, Any]) -> float | None:
    """When a decided flight ends (planner seconds), or ``None`` if it has no slot.

    >>> end_s({"trajectory": [[0, 0, 0, 10.0], [1, 1, 0, 70.0]]})
    70.0
    >>> end_s({"status": "rejected"}) is None
    True
    """
    if decision.get("trajectory"):
        return float(decision["trajectory"][-1][3])
    if decision.get("end") is not None:
        return float(decision["end"])
    return None


def set_decision(
    row: FlightRow, decision_json: dict[str, Any], record: dict[str, Any] | None
) -> None:
    """Write a decision (and the planner's record of the flight) onto its row."""
    row.decision = decision_json
    row.status = decision_json["status"]
    row.departure_s = decision_json.get("departure", decision_json.get("start"))
    row.end_s = end_s(decision_json)
    row.record = record
    row.updated_at = utcnow()


def notify(s: Session, row: FlightRow, kind: str, payload: dict[str, Any]) -> None:
    """Queue a notification to the flight's operator."""
    s.add(
        Notification(
            operator_id=row.operator_id,
            flight_id=row.id,
            kind=kind,
            payload={"flight": row.id, "state": row.state, **payload},
            created_at=utcnow(),
        )
    )


def apply_changes(s: Session, state: AirspaceState, changes: list[Any]) -> list[dict[str, Any]]:
    """Persist the flights the planner re-planned, revoked or approved, with notifications."""
    out = []
    if changes:
        s.flush()  # a changed flight may have been filed earlier in the same transaction
    pending = batch_rows(s)
    for ch in changes:
        # ... or earlier in the same batch, and held there, not written yet
        row = pending.flights.get(ch.flight_id) if pending is not None else None
        if row is None:
            row = s.get(FlightRow, ch.flight_id)
        if row is None:
            continue
        dj = ch.decision.to_json()
        row.state = state.record_state(ch.flight_id) or STATE_OF_CHANGE.get(ch.kind, row.state)
        set_decision(row, dj, state.record_json(row.id))
        reason = ch.reason.to_json() if ch.reason is not None else None
        notify(s, row, ch.kind, {"decision": dj, "reason": reason})
        state.log_event(s, "flight", row.id, {"state": row.state})
        audit(s, None, ch.kind, "flight", row.id, reason=ch.reason.message if ch.reason else "")
        out.append({"flight": row.id, "kind": ch.kind, "state": row.state, "reason": reason})
    return out


def flight_json(row: FlightRow, state: AirspaceState) -> dict[str, Any]:
    """The decision object of the replay plus the flight's lifecycle facts (plain data)."""
    out = dict(row.decision)
    out.update(
        state=row.state,
        operator=row.operator_id,
        drone=row.drone_id,
        request_id=row.request_id,
        priority=row.priority,
        review_comment=row.review_comment,
        departure_time=state.to_datetime(row.departure_s) if row.departure_s is not None else None,
    )
    return out
