"""The notifications service: what changed for an operator's flights, oldest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.models import Notification


def notification_public(n: Notification) -> dict[str, Any]:
    """A notification as answered."""
    return {
        "id": n.id,
        "flight": n.flight_id,
        "kind": n.kind,
        "created_at": n.created_at,
        "payload": n.payload,
    }


def notifications_after(
    session: Session, *, user: Principal, after: int, limit: int
) -> list[dict[str, Any]]:
    """Notifications with an id above ``after`` (operators: their own flights'), by id."""
    q = select(Notification).where(Notification.id > after)
    if not user.is_regulator:
        q = q.where(Notification.operator_id == user.operator_id)
    q = q.order_by(Notification.id).limit(limit)
    return [notification_public(n) for n in session.execute(q).scalars()]
