"""Competent units on the service side: the deployment's units file, regulator keys bound to
a unit, and where a flight goes (:mod:`airspace.units`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from airspace.units import QINGDAO_UNITS_PATH, Units, load_units
from api.airspace_state import AirspaceState
from api.auth import Principal
from api.errors import ApiError, bad_field
from api.models import FlightRow
from api.store import utcnow
from api.workflow.audit import record
from api.workflow.models import KeyUnit


def workflow_units(settings: Any) -> Units | None:
    """The deployment's units file (``QINGKONG_UNITS_PATH``; demo mode: Qingdao's)."""
    path = settings.units_path or (str(QINGDAO_UNITS_PATH) if settings.demo else None)
    return None if not path else load_units(path)


def unit_of_key(s: Session, user: Principal) -> str | None:
    """The unit a regulator key belongs to (``None``: the whole region)."""
    row = s.get(KeyUnit, user.user_id)
    return None if row is None else row.unit


def assign_unit(state: AirspaceState, admin: Principal, user_id: int, unit: str) -> KeyUnit:
    """Bind a regulator key to a unit of the deployment's units file."""
    units = getattr(state, "units", None)
    if units is None:
        raise ApiError(409, "no_units", "this deployment has no units file (QINGKONG_UNITS_PATH)")
    if unit not in units.known():
        raise bad_field("unit", f"unknown unit {unit!r}; expected one of {units.known()}")
    with state.store.write() as s:
        from api.models import ApiUser

        key = s.get(ApiUser, user_id)
        if key is None or key.role != "regulator":
            raise bad_field("user_id", f"{user_id} is not a regulator key")
        row = s.get(KeyUnit, user_id)
        if row is None:
            row = KeyUnit(
                user_id=user_id, unit=unit, assigned_by=admin.user_id, created_at=utcnow()
            )
            s.add(row)
        else:
            row.unit, row.assigned_by = unit, admin.user_id
        record(s, admin, "assign", "key", str(user_id), reason=f"unit {unit}", unit=unit)
        return row


def flight_points(row: FlightRow) -> list[tuple[float, float]]:
    """Where a decided flight goes (trajectory, area ring, or the filed waypoints)."""
    d = row.decision or {}
    if d.get("trajectory"):
        return [(float(r[0]), float(r[1])) for r in d["trajectory"]]
    if d.get("area"):
        return [(float(x), float(y)) for x, y in d["area"]["coordinates"][0]]
    route = (row.request or {}).get("route") or {}
    if route.get("waypoints"):
        return [(float(w[0]), float(w[1])) for w in route["waypoints"]]
    return [tuple(p) for p in (route.get("from"), route.get("to")) if p]  # type: ignore[misc]
