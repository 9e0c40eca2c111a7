"""The zones service: publishing zones (inline, uploaded, off-nominal) and withdrawing them;
affected flights are re-checked and their changes stored. Reading the stored zones too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.errors import AirspaceError
from airspace.geoawareness import ZoneIndex
from airspace.zones import Zone
from api.airspace_state import AirspaceState, zone_from_row
from api.auth import Principal
from api.errors import ApiError, not_found
from api.models import ZoneRow
from api.services.records import apply_changes
from api.store import utcnow
from api.workflow import service as workflow
from api.workflow import zone_versions
from api.workflow.audit import record as audit


def stored_zones(session: Session, *, withdrawn: bool) -> list[ZoneRow]:
    """The zone rows by id (``withdrawn``: the withdrawn ones too)."""
    q = select(ZoneRow).order_by(ZoneRow.id)
    if not withdrawn:
        q = q.where(ZoneRow.withdrawn.is_(False))
    return list(session.execute(q).scalars())


def active_zones(session: Session, state: AirspaceState) -> list[Zone]:
    """The zones in force now, rebuilt from the store, by id."""
    return [
        zone_from_row(r, epoch=state.epoch, deployment=state.deployment)
        for r in stored_zones(session, withdrawn=False)
    ]


def publish_zones(
    state: AirspaceState,
    zones: list[tuple[Zone, str, dict[str, Any]]],
    *,
    replace_existing: bool,
    actor: Principal | None = None,
    emergency_reason: str | None = None,
) -> tuple[list[ZoneRow], list[dict[str, Any]]]:
    """Store and publish zones (``(zone, kind, source)``); affected flights are re-checked.

    Under a workflow, a temporary restriction published inline (``emergency_reason`` given,
    possibly empty) must respect its lead time (``ZONE_LEAD_TIME``); uploaded datasets
    (``None``) are published aeronautical information and are not checked.
    """
    for zone, _kind, _source in zones:
        if emergency_reason is not None:
            workflow.check_zone_lead(state, zone, emergency_reason)
        try:
            ZoneIndex([zone], state.deployment)
        except AirspaceError as e:
            raise ApiError(
                422, "invalid_zone", str(e), field=getattr(e, "field", None) or "geometry"
            ) from None
    rows, changes = [], []
    with state.transaction() as s:
        now = utcnow()
        for zone, kind, source in zones:
            row = s.get(ZoneRow, zone.identifier)
            if row is not None and not row.withdrawn and not replace_existing:
                raise ApiError(
                    409,
                    "zone_exists",
                    f"zone {zone.identifier!r} exists; PUT /v1/zones/{zone.identifier} updates it",
                )
            if row is None:
                row = ZoneRow(id=zone.identifier, created_at=now, version=0)
                s.add(row)
            row.kind, row.source, row.restriction = kind, source, str(zone.restriction)
            row.withdrawn, row.version, row.updated_at = False, (row.version or 0) + 1, now
            s.flush()
            zone_versions.published(s, row, workflow.now(state), actor)
            audit(
                s,
                actor,
                "publish",
                "zone",
                zone.identifier,
                reason=emergency_reason or f"published ({kind})",
                version=row.version,
                source=source,
            )
            changes.extend(apply_changes(s, state, state.publish_zone(s, zone)))
            rows.append(row)
    return rows, changes


def withdraw_zone(state: AirspaceState, zone_id: str, actor: Principal | None = None) -> ZoneRow:
    """Withdraw a zone (404 if there is none in force); flights keep their slots."""
    with state.transaction() as s:
        row = s.get(ZoneRow, zone_id)
        if row is None or row.withdrawn:
            raise not_found("zone", zone_id)
        row.withdrawn, row.version, row.updated_at = True, row.version + 1, utcnow()
        state.withdraw_zone(s, zone_id)
        zone_versions.withdrawn(s, zone_id, workflow.now(state))
        audit(s, actor, "withdraw", "zone", zone_id, reason="withdrawn", version=row.version)
    return row
