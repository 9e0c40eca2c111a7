"""The regulators' review queue: pending requests with their decision deadlines, approve or
deny with a comment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from api.deps import PlannerDep, RegulatorUser, SessionDep
from api.routes.flights import ERRORS
from api.schemas import FlightList, FlightPublic, ReviewVerdict
from api.services import reviews
from api.services.flights import flight_public
from api.workflow.clock import aware
from api.workflow.clock import now as service_now
from api.workflow.service import review_deadlines
from api.workflow.units import unit_of_key

router = APIRouter(prefix="/reviews", tags=["reviews"])


@router.get("", operation_id="reviews-list", response_model=FlightList, responses=ERRORS)
def queue(user: RegulatorUser, session: SessionDep, airspace: PlannerDep) -> dict[str, Any]:
    """Pending requests, the most urgent decision deadline first (then oldest first).

    Each item carries ``decide_by`` (the workflow's decision deadline, in the deployment's time
    zone, or ``null``), ``overdue`` (the deadline has passed) and ``unit`` (the competent unit).
    A regulator key bound to a unit sees that unit's queue only."""
    mine = unit_of_key(session, user)
    rows = reviews.pending_flights(session)
    deadlines = review_deadlines(session, [r.id for r in rows])
    now = service_now(airspace)
    tz = airspace.deployment.tz
    items = []
    for r in rows:
        item = flight_public(r, airspace, user)
        wf = deadlines.get(r.id)
        if mine is not None and (wf is None or wf.unit != mine):
            continue
        due: datetime | None = aware(wf.decide_by) if wf is not None else None
        item["decide_by"] = due.astimezone(tz).isoformat() if due is not None else None
        item["overdue"] = bool(due is not None and due < now)
        item["task"] = wf.task if wf is not None else None
        item["unit"] = wf.unit if wf is not None else None
        items.append((due is None, due or now, item))
    items.sort(key=lambda x: (x[0], x[1]))
    out = [i for _, _, i in items]
    return {"items": out, "count": len(out)}


@router.post(
    "/{flight_id}", operation_id="reviews-decide", response_model=FlightPublic, responses=ERRORS
)
def decide(
    flight_id: str, verdict: ReviewVerdict, user: RegulatorUser, airspace: PlannerDep
) -> dict[str, Any]:
    """Approve or deny a pending request; the operator is notified. A key bound to a unit
    decides that unit's requests only."""
    reviews.check_unit(airspace, user, flight_id)
    row, _changes = reviews.review(
        airspace, flight_id, approve=verdict.approve, comment=verdict.comment, actor=user
    )
    return flight_public(row, airspace, user)
