"""The notifications service: what changed for an operator's flights, oldest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.models import Notification
from api.scoped_ids import for_user


def notification_public(n: Notification, user: Principal) -> dict[str, Any]:
    """A notification as ``user`` is shown it (an operator: in its own flight ids, see
    :mod:`api.scoped_ids`)."""
    out = for_user({"flight": n.flight_id, "payload": n.payload}, user)
    return {"id": n.id, "kind": n.kind, "created_at": n.created_at, **out}


def notifications_after(
    session: Session, *, user: Principal, after: int, limit: int
) -> list[dict[str, Any]]:
    """Notifications with an id above ``after`` (operators: their own flights'), by id."""
    q = select(Notification).where(Notification.id > after)
    if not user.is_regulator:
        q = q.where(Notification.operator_id == user.operator_id)
    q = q.order_by(Notification.id).limit(limit)
    return [notification_public(n, user) for n in session.execute(q).scalars()]
