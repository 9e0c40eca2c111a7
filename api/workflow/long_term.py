"""Long-term applications (Art. 26): filed by an operator, approved once by a regulator, read
as a standing approval when a day's flight names it."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from sqlalchemy.orm import Session

from airspace.workflow import LongTermApproval, missing_items
from api.airspace_state import AirspaceState
from api.auth import Principal
from api.errors import ApiError, bad_field, not_found
from api.store import utcnow
from api.workflow.audit import record
from api.workflow.clock import aware, stored, workflow_of
from api.workflow.models import LongTermApplication


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
