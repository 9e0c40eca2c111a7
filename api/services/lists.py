"""Listing what a caller may see (operators their own rows, regulators everyone's), and
counting the live flights."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.airspace_state import LIVE_STATES
from api.auth import Principal
from api.models import FlightRow


def visible_rows(session: Session, model: Any, user: Principal) -> list[Any]:
    """The rows of ``model`` (a table with ``id`` and ``operator_id``) the caller may see,
    by id: operators their own, regulators all."""
    q = select(model).order_by(model.id)
    if not user.is_regulator:
        q = q.where(model.operator_id == user.operator_id)
    return list(session.execute(q).scalars())


def live_flight_count(session: Session) -> int:
    """How many flights are live (pending, accepted or in the air); raises what the database
    raises when it does not answer (readiness turns that into a 503)."""
    session.execute(text("SELECT 1"))
    return int(
        session.execute(select(func.count()).where(FlightRow.state.in_(LIVE_STATES))).scalar_one()
    )
