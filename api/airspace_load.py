"""Reading the airspace back from the store: the zones a stored row describes, the active
zones, and the live flights' records restored into a planner (bounded like request work).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.deployment import Deployment
from airspace.formats import load_zones, zone_from_dict
from airspace.zones import Zone
from api.models import FlightRow, ZoneRow
from api.restore_bounds import record_span_s
from planner.decision import LIVE_STATES as PLANNER_LIVE_STATES
from planner.decision import FlightRecord, Planner
from planner.requests import State

LIVE_STATES = tuple(str(s) for s in State if s in PLANNER_LIVE_STATES)
"""The planner's live states as stored strings (pending, accepted, activated, ...)."""


def zone_from_row(row: ZoneRow, *, epoch: datetime, deployment: Deployment) -> Zone:
    """Rebuild the :class:`Zone` a stored row describes."""
    if row.kind in ("inline", "offnominal"):
        return zone_from_dict(row.source, start=epoch, tz=deployment.tz)
    zones = load_zones(row.source, deployment=deployment)
    for z in zones:
        if z.identifier == row.id:
            return z
    if len(zones) == 1:
        return zones[0]
    raise ValueError(f"stored zone {row.id!r} cannot be read back from its source document")


def live_zones(session: Session, *, epoch: datetime, deployment: Deployment) -> dict[str, Zone]:
    """The zones not withdrawn, by id, in the store's row order."""
    zones: dict[str, Zone] = {}
    for row in session.execute(select(ZoneRow).where(ZoneRow.withdrawn.is_(False))).scalars():
        zones[row.id] = zone_from_row(row, epoch=epoch, deployment=deployment)
    return zones


def restore_live_flights(session: Session, planner: Planner) -> tuple[int, list[str]]:
    """Restore every live flight's stored record into ``planner``; returns how many were
    restored and the flights left out for being longer than the planner's bounds allow."""
    rows = session.execute(
        select(FlightRow.record).where(
            FlightRow.state.in_(LIVE_STATES), FlightRow.record.is_not(None)
        )
    ).scalars()
    n = 0
    limit_s = planner.bounds.max_duration_s
    oversized: list[str] = []
    for rec in rows:
        if record_span_s(rec) > limit_s:  # restore work is bounded like request work
            oversized.append(rec["request"]["flight"])
            continue
        planner.restore(FlightRecord.from_json(rec))
        n += 1
    return n, oversized


def stored_records(session: Session, refs: Sequence[str]) -> dict[str, Any]:
    """The stored record of each flight in ``refs`` that has a row (``None`` where the row
    holds no record), read 500 ids at a time."""
    records: dict[str, Any] = {}
    for i in range(0, len(refs), 500):
        chunk = refs[i : i + 500]
        rows = session.execute(
            select(FlightRow.id, FlightRow.record).where(FlightRow.id.in_(chunk))
        )
        for fid, record in rows:
            records[fid] = record
    return records
