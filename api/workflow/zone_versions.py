"""Zone versions: every publication of a zone is kept as published, so ``GET /v1/zones?at=``
answers the zones in force at any past instant (a replaced or withdrawn version stays
readable). Times are the service clock's (:func:`api.workflow.clock.now`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.models import ZoneRow
from api.workflow.clock import aware, stored
from api.workflow.models import ZoneVersion


def _close(s: Session, zone_id: str, at: datetime, why: str) -> None:
    for v in s.execute(
        select(ZoneVersion).where(ZoneVersion.zone_id == zone_id, ZoneVersion.ended_at.is_(None))
    ).scalars():
        v.ended_at, v.ended_by = stored(at), why


def published(s: Session, row: ZoneRow, at: datetime, actor: Principal | None) -> None:
    """Record the version ``row`` now holds (the previous one ends, replaced)."""
    _close(s, row.id, at, "replaced")
    s.add(
        ZoneVersion(
            zone_id=row.id,
            version=row.version,
            kind=row.kind,
            restriction=row.restriction,
            source=row.source,
            published_at=stored(at),
            published_by=None if actor is None else actor.user_id,
        )
    )


def withdrawn(s: Session, zone_id: str, at: datetime) -> None:
    """The zone's current version ends, withdrawn."""
    _close(s, zone_id, at, "withdrawn")


def in_force(s: Session, at: datetime) -> list[dict[str, Any]]:
    """The zones in force at ``at`` as they were published then (zones stored before versions
    were kept count from their creation, as they are now)."""
    t = stored(at)
    out: dict[str, dict[str, Any]] = {}
    versions = s.execute(
        select(ZoneVersion)
        .where(
            ZoneVersion.published_at <= t,
            or_(ZoneVersion.ended_at.is_(None), ZoneVersion.ended_at > t),
        )
        .order_by(ZoneVersion.zone_id, ZoneVersion.version)
    ).scalars()
    for v in versions:
        out[v.zone_id] = {
            "id": v.zone_id,
            "kind": v.kind,
            "restriction": v.restriction,
            "withdrawn": False,
            "version": v.version,
            "source": v.source,
            "created_at": aware(v.published_at),
            "updated_at": aware(v.published_at),
            "ended_at": aware(v.ended_at),
            "ended_by": v.ended_by,
        }
    versioned = set(s.execute(select(ZoneVersion.zone_id).distinct()).scalars())
    for row in s.execute(select(ZoneRow).where(ZoneRow.created_at <= t)).scalars():
        if row.id in versioned or row.id in out or row.withdrawn:
            continue
        out[row.id] = {
            "id": row.id,
            "kind": row.kind,
            "restriction": row.restriction,
            "withdrawn": False,
            "version": row.version,
            "source": row.source,
            "created_at": aware(row.created_at),
            "updated_at": aware(row.updated_at),
        }
    return [out[k] for k in sorted(out)]
