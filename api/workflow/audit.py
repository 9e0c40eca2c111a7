"""The audit log: every state change of a flight, zone, drone, key, grant or review records
who did it (the key's id and role), when and why. Entries are only ever appended; the
database refuses to change or delete them (migration ``0004``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.batch_rows import batch_rows
from api.store import utcnow
from api.workflow.models import AuditEntry

SYSTEM_ROLE = "system"
"""Role recorded for changes the planner makes itself (re-planning, revocation)."""


def record(
    s: Session,
    actor: Principal | None,
    action: str,
    kind: str,
    ref: str,
    *,
    reason: str = "",
    **detail: Any,
) -> None:
    """Append one entry (in the caller's transaction: it commits with the change it records;
    in a decision batch, with the batch's other rows: :mod:`api.batch_rows`).

    ``actor`` ``None`` is the planner itself. ``detail`` must be JSON-serialisable and must not
    hold secrets (keys are recorded by their id, never their value).
    """
    values = {
        "at": utcnow(),
        "actor_id": None if actor is None else actor.user_id,
        "actor_role": SYSTEM_ROLE if actor is None else str(actor.role),
        "action": action,
        "kind": kind,
        "ref": str(ref),
        "reason": reason,
        "detail": detail,
    }
    pending = batch_rows(s)
    if pending is not None:
        pending.audits.append(values)
    else:
        s.add(AuditEntry(**values))


def query(
    s: Session,
    *,
    flight: str | None = None,
    zone: str | None = None,
    actor: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Entries oldest first, filtered by flight, zone, actor id and time."""
    q = select(AuditEntry)
    if flight is not None:
        q = q.where(AuditEntry.kind == "flight", AuditEntry.ref == flight)
    if zone is not None:
        q = q.where(AuditEntry.kind == "zone", AuditEntry.ref == zone)
    if actor is not None:
        q = q.where(AuditEntry.actor_id == actor)
    if since is not None:
        q = q.where(AuditEntry.at >= since)
    if until is not None:
        q = q.where(AuditEntry.at <= until)
    q = q.order_by(AuditEntry.id).offset(offset).limit(limit)
    return list(s.execute(q).scalars())


def entry_json(e: AuditEntry, tz: Any) -> dict[str, Any]:
    """An entry as the API answers it (time in the deployment's zone)."""
    at = e.at if e.at.tzinfo is not None else e.at.replace(tzinfo=utcnow().tzinfo)
    return {
        "id": e.id,
        "at": at.astimezone(tz).isoformat(),
        "actor": {"id": e.actor_id, "role": e.actor_role},
        "action": e.action,
        "kind": e.kind,
        "ref": e.ref,
        "reason": e.reason,
        "detail": e.detail,
    }
