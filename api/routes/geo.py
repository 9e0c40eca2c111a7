"""Geo-awareness: which zones affect a point, a route or a volume during a time window."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query

from api import wire
from api.deps import CurrentUser, PlannerDep, SettingsDep
from api.errors import bad_field
from api.schemas import Time, check_time
from api.zone_schemas import RouteQuery, VolumeQuery, ZoneHitPublic

router = APIRouter(prefix="/geo", tags=["geo-awareness"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON"},
    413: {"description": "too many vertices"},
    422: {"description": "a field is wrong; the body names it"},
}


def _hits(hits: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "zone": h.zone.identifier,
            "name": h.zone.name,
            "restriction": str(h.zone.restriction),
            "volume_index": h.volume_index,
            "intervals": [(a, b) for a, b in h.intervals],
        }
        for h in hits
    ]


def _window(
    airspace: Any, start: Time, end: Time, max_s: float, fields: tuple[str, str] = ("start", "end")
) -> tuple[Any, Any]:
    s0 = wire.seconds(airspace, start, fields[0])
    s1 = wire.seconds(airspace, end, fields[1])
    if s1 < s0:
        raise bad_field(fields[1], "is before start")
    if s1 - s0 > max_s:
        raise bad_field(
            fields[1], f"the window is {s1 - s0:g} s long; ask for at most {max_s:g} s at a time"
        )
    return airspace.to_datetime(s0), airspace.to_datetime(s1)


@router.get(
    "/point", operation_id="geo-point", response_model=list[ZoneHitPublic], responses=ERRORS
)
def at_point(
    _user: CurrentUser,
    airspace: PlannerDep,
    settings: SettingsDep,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    start: Annotated[str, Query(description="planner seconds or RFC 3339")],
    end: Annotated[str, Query(description="planner seconds or RFC 3339")],
    altitude_m: Annotated[float, Query(ge=-1000, le=20_000, description="metres AGL")] = 0.0,
) -> list[dict[str, Any]]:
    """Zones whose volume holds this point while they are active in the window."""
    t0, t1 = _window(airspace, _num(start, "start"), _num(end, "end"), settings.max_query_window_s)
    with airspace.reading():
        hits = airspace.zone_index().at_point(lon, lat, altitude_m, t0, t1)
    return _hits(hits)


def _num(v: str, field: str) -> Time:
    try:
        value: Time = float(v)
    except ValueError:
        value = v
    try:
        return check_time(value)
    except ValueError as e:
        raise bad_field(field, str(e)) from None


@router.post(
    "/route", operation_id="geo-route", response_model=list[ZoneHitPublic], responses=ERRORS
)
def along_route(
    body: RouteQuery, _user: CurrentUser, airspace: PlannerDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    """Zones a 4D route passes through while active (exact, linear between rows)."""
    if len(body.trajectory) > settings.max_vertices:
        raise bad_field("trajectory", f"more than {settings.max_vertices} rows", status=413)
    _window(
        airspace,
        body.trajectory[0][3],
        body.trajectory[-1][3],
        settings.max_query_window_s,
        ("trajectory[0]", f"trajectory[{len(body.trajectory) - 1}]"),
    )
    traj = np.ascontiguousarray(body.trajectory, dtype=np.float64)
    with airspace.reading():
        hits = airspace.zone_index().along_route(traj, airspace.epoch)
    return _hits(hits)


@router.post(
    "/volume", operation_id="geo-volume", response_model=list[ZoneHitPublic], responses=ERRORS
)
def over_area(
    body: VolumeQuery, _user: CurrentUser, airspace: PlannerDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    """Zones intersecting a polygon x altitude band during a window."""
    n = wire.count_vertices(body.area)
    if n > settings.max_vertices:
        raise bad_field(
            "area", f"{n} vertices exceed the limit of {settings.max_vertices}", status=413
        )
    poly = wire.polygon_from_geojson(body.area, "area")
    if not body.lower_m < body.upper_m:
        raise bad_field("upper_m", "must be above lower_m")
    t0, t1 = _window(airspace, body.start, body.end, settings.max_query_window_s)
    with airspace.reading():
        hits = airspace.zone_index().over_area(poly, body.lower_m, body.upper_m, t0, t1)
    return _hits(hits)
