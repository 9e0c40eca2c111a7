"""The test director's ``clear_area_requests``: close every live flight plan of the caller whose
airspace meets an extent (an ASTM F3548 ``Volume4D``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shapely.geometry import LineString, shape
from sqlalchemy import select

from airspace.clock import read_datetime
from api.airspace_state import LIVE_STATES, AirspaceState
from api.auth import Principal
from api.errors import ApiError
from api.interuss.planning import close_flight
from api.models import FlightRow
from planner.volume4d import volume4d_outline


def _window(v4: dict[str, Any], key: str) -> datetime | None:
    t = v4.get(key)
    if not t:
        return None
    return read_datetime(str(t["value"]))


def _touches(
    decision: dict[str, Any], outline: Any, lo_m: float, hi_m: float, t0: float, t1: float
) -> bool:
    """Whether a stored decision's airspace meets the extent (conservative for routes: their
    whole altitude range counts)."""
    if decision.get("area"):
        geom = shape(decision["area"])
        lower, upper = decision["lower_m"], decision["upper_m"]
        start, end = decision["start"], decision["end"]
    elif decision.get("trajectory"):
        rows = decision["trajectory"]
        geom = (
            LineString([(r[0], r[1]) for r in rows])
            if len(rows) > 1
            else shape({"type": "Point", "coordinates": rows[0][:2]})
        )
        lower, upper = min(r[2] for r in rows), max(r[2] for r in rows)
        start, end = rows[0][3], rows[-1][3]
    else:
        return False
    return (
        bool(geom.intersects(outline))
        and lower <= hi_m
        and lo_m <= upper
        and start <= t1
        and t0 <= end
    )


def clear_area(state: AirspaceState, user: Principal, extent: dict[str, Any]) -> dict[str, Any]:
    """Close every live flight of the caller that meets the extent (a ``Volume4D``)."""
    try:
        outline = volume4d_outline(extent)
    except (KeyError, TypeError, ValueError) as e:
        raise ApiError(
            400,
            "invalid_request",
            f"extent.volume: needs an outline_polygon or outline_circle ({e})",
        ) from None
    vol = extent.get("volume") or {}
    ground = state.deployment.ground_elevation_m + state.deployment.geoid_undulation_m
    band = []
    for key, default in (("altitude_lower", float("-inf")), ("altitude_upper", float("inf"))):
        alt = vol.get(key)
        value = (
            default
            if not alt
            else float(alt["value"]) - (ground if alt.get("reference") == "W84" else 0.0)
        )
        band.append(value)
    start, end = _window(extent, "time_start"), _window(extent, "time_end")
    t0 = state.to_seconds(start) if start else float("-inf")
    t1 = state.to_seconds(end) if end else float("inf")
    cleared: list[str] = []
    with state.transaction() as s:
        rows = s.execute(
            select(FlightRow).where(
                FlightRow.operator_id == user.operator_id, FlightRow.state.in_(LIVE_STATES)
            )
        ).scalars()
        now_s = state.now_s()
        for row in rows:
            if _touches(row.decision, outline, band[0], band[1], t0, t1):
                close_flight(s, state, row, now_s)
                cleared.append(row.id)
    return {
        "outcome": {
            "success": True,
            "message": f"closed {len(cleared)} flight plan(s) of {user.operator_id} in the area",
            "details": {"flight_plans": cleared},
        }
    }
