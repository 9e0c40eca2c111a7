"""The regulators' review queue: pending requests, approve or deny with a comment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from api import lifecycle
from api.deps import PlannerDep, RegulatorUser, SessionDep
from api.models import FlightRow
from api.routes.flights import ERRORS, flight_public
from api.schemas import FlightList, FlightPublic, ReviewVerdict

router = APIRouter(prefix="/reviews", tags=["reviews"])


@router.get("", operation_id="reviews-list", response_model=FlightList, responses=ERRORS)
def queue(_user: RegulatorUser, session: SessionDep, airspace: PlannerDep) -> dict[str, Any]:
    """Pending requests, oldest first."""
    rows = session.execute(
        select(FlightRow).where(FlightRow.state == "pending").order_by(FlightRow.created_at)
    ).scalars()
    items = [flight_public(r, airspace) for r in rows]
    return {"items": items, "count": len(items)}


@router.post(
    "/{flight_id}", operation_id="reviews-decide", response_model=FlightPublic, responses=ERRORS
)
def decide(
    flight_id: str, verdict: ReviewVerdict, _user: RegulatorUser, airspace: PlannerDep
) -> dict[str, Any]:
    """Approve or deny a pending request; the operator is notified."""
    row, _changes = lifecycle.review(
        airspace, flight_id, approve=verdict.approve, comment=verdict.comment
    )
    return flight_public(row, airspace)
