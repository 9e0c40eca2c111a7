"""What the console's map shows (``/v1/map/...``, :mod:`api.routes.console`): the deployment's
settings, zones with their limits, schedules and active intervals in a time window, the corridor
network, live flights as GeoJSON with their 4D trajectories, and which live flights a zone would
affect if it were published. Reads only: nothing here changes the airspace."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.clock import read_datetime
from airspace.deployment import Deployment
from airspace.errors import AirspaceError
from airspace.terrain import describe, terrain_for
from airspace.zones import Zone
from api import wire
from api.airspace_state import LIVE_STATES, AirspaceState
from api.auth import Principal
from api.config import Settings
from api.errors import ApiError, bad_field
from api.models import FlightRow
from api.zone_schemas import ZoneCreate

LOCALES = ("zh-CN", "en")
"""The languages the console speaks."""
MAX_WINDOW_S = 31 * 86400.0
MAX_CLOCK_S = 100 * 365.25 * 86400.0


def window_s(airspace: AirspaceState, start: str | None, end: str | None) -> tuple[float, float]:
    """A planner-seconds window from query values (seconds or RFC 3339); default: today."""
    if start is None:
        local_now = datetime.now(airspace.deployment.tz)
        midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        t0 = airspace.to_seconds(midnight)
    else:
        t0 = seconds(airspace, start, "start")
    t1 = t0 + 86400.0 if end is None else seconds(airspace, end, "end")
    if t1 <= t0:
        raise bad_field("end", "must be after start")
    if t1 - t0 > MAX_WINDOW_S:
        raise bad_field("end", f"the window may span at most {MAX_WINDOW_S / 86400:.0f} days")
    return t0, t1


def seconds(airspace: AirspaceState, value: str, field: str) -> float:
    """A query value (planner seconds or RFC 3339 with an offset) as planner seconds, or a 422
    naming ``field``."""
    try:
        t_s = float(value)
    except ValueError:
        pass
    else:
        if not math.isfinite(t_s) or abs(t_s) > MAX_CLOCK_S:
            raise bad_field(field, f"planner seconds must be finite and within ±{MAX_CLOCK_S:.0f}")
        return t_s
    try:
        dt = read_datetime(value)
    except ValueError:
        raise bad_field(
            field, "not planner seconds nor an RFC 3339 time (e.g. 2026-12-01T07:00:00+08:00)"
        ) from None
    if dt.tzinfo is None:
        raise bad_field(field, "an RFC 3339 time needs an offset or Z")
    t_s = airspace.to_seconds(dt)
    if abs(t_s) > MAX_CLOCK_S:
        raise bad_field(field, "is more than 100 years from the service clock's epoch")
    return t_s


def schedule_json(zone: Zone) -> list[dict[str, Any]]:
    """The zone's applicability as plain data the console words in either language."""
    out = []
    for a in zone.applicability:
        out.append(
            {
                "permanent": a.permanent,
                "start": a.start.isoformat() if a.start else None,
                "end": a.end.isoformat() if a.end else None,
                "periods": [
                    {
                        "days": list(p.days),
                        "start": p.start.strftime("%H:%M") if p.start else None,
                        "end": p.end.strftime("%H:%M") if p.end else None,
                        "utc": p.utc,
                    }
                    for p in a.periods
                ],
            }
        )
    return out


def active_s(airspace: AirspaceState, zone: Zone, t0_s: float, t1_s: float) -> list[list[float]]:
    """The intervals (planner seconds) in ``[t0_s, t1_s]`` during which ``zone`` is active."""
    from airspace.schedule import active_intervals

    t0, t1 = airspace.to_datetime(t0_s), airspace.to_datetime(t1_s)
    return [
        [airspace.to_seconds(a), airspace.to_seconds(b)]
        for a, b in active_intervals(zone, t0, t1, airspace.deployment.tz)
    ]


def zones_feature_collection(
    airspace: AirspaceState, zones: list[Zone], t0_s: float, t1_s: float
) -> dict[str, Any]:
    """One GeoJSON Feature per zone volume, with limits, schedule and active intervals.

    Parameters
    ----------
    airspace : AirspaceState
        Supplies the deployment (projection, time zone) and the planner clock.
    zones : list of Zone
    t0_s, t1_s : float
        The window (planner seconds) in which ``active_s`` intervals are listed.

    Returns
    -------
    dict
        A FeatureCollection; each feature's properties hold ``id``, ``name``, ``restriction``,
        ``lower_m``, ``upper_m``, ``reference``, ``volume``, ``message``, ``schedule`` and
        ``active_s`` (``[[start_s, end_s], ...]`` on the planner clock).
    """
    from airspace.formats import zones_to_geojson

    by_id = {z.identifier: z for z in zones}
    fc = zones_to_geojson(zones, at=None, deployment=airspace.deployment)
    extra = {
        z.identifier: {
            "message": z.message or "",
            "schedule": schedule_json(z),
            "active_s": active_s(airspace, z, t0_s, t1_s),
        }
        for z in zones
    }
    for f in fc["features"]:
        props = f["properties"]
        props.pop("active", None)
        if props.get("id") in by_id:
            props.update(extra[props["id"]])
    return fc


def visible_flights(
    session: Session, user: Principal, t0_s: float, t1_s: float, limit: int
) -> list[FlightRow]:
    """Live flights overlapping ``[t0_s, t1_s]`` by departure (operators: their own)."""
    q = select(FlightRow).where(FlightRow.state.in_(LIVE_STATES))
    if not user.is_regulator:
        q = q.where(FlightRow.operator_id == user.operator_id)
    q = q.where(FlightRow.end_s >= t0_s, FlightRow.departure_s <= t1_s)
    return list(
        session.execute(q.order_by(FlightRow.departure_s, FlightRow.id).limit(limit)).scalars()
    )


def flight_feature(row: FlightRow) -> dict[str, Any]:
    """A live flight as a GeoJSON Feature: a LineString of its route (with the 4D rows in
    ``trajectory``) or the Polygon of its area operation."""
    d = row.decision or {}
    props: dict[str, Any] = {
        "flight": row.id,
        "operator": row.operator_id,
        "drone": row.drone_id,
        "state": row.state,
        "status": row.status,
        "priority": row.priority,
        "start_s": row.departure_s,
        "end_s": row.end_s,
        "delay_s": d.get("delay_s"),
        "reasons": d.get("reasons", []),
    }
    if d.get("trajectory"):
        rows = d["trajectory"]
        props["trajectory"] = rows
        geometry = {"type": "LineString", "coordinates": [[r[0], r[1]] for r in rows]}
    else:
        props.update(lower_m=d.get("lower_m"), upper_m=d.get("upper_m"))
        geometry = d.get("area")  # type: ignore[assignment]  # GeoJSON Polygon or None
    return {"type": "Feature", "geometry": geometry, "properties": props}


def affected_flights(
    airspace: AirspaceState, zone: Zone, rows: list[FlightRow]
) -> list[dict[str, Any]]:
    """Which of ``rows`` would enter ``zone`` while it is active, and when (planner seconds)."""
    from airspace.geoawareness import ZoneIndex

    index = ZoneIndex([zone], airspace.deployment)
    out = []
    for row in rows:
        d = row.decision or {}
        if d.get("trajectory"):
            traj = np.ascontiguousarray(d["trajectory"], dtype=np.float64)
            hits = index.along_route(traj, airspace.epoch)
        elif d.get("area") and d.get("start") is not None:
            poly = wire.polygon_from_geojson(d["area"], "area")
            hits = index.over_area(
                poly,
                float(d["lower_m"]),
                float(d["upper_m"]),
                airspace.to_datetime(d["start"]),
                airspace.to_datetime(d["end"]),
            )
        else:
            continue
        intervals = [
            [airspace.to_seconds(a), airspace.to_seconds(b)] for h in hits for a, b in h.intervals
        ]
        if intervals:
            out.append(
                {
                    "flight": row.id,
                    "operator": row.operator_id,
                    "state": row.state,
                    "priority": row.priority,
                    "intervals_s": intervals,
                }
            )
    return out


def terrain_json(dep: Deployment) -> dict[str, Any]:
    """Which ground true heights are measured from, labelled when it is illustrative."""
    terrain = terrain_for(dep)
    return {
        "model": "flat" if terrain.flat else Path(terrain.source).name,
        "illustrative": terrain.illustrative,
        "description": describe(terrain),
    }


def map_config(airspace: AirspaceState, settings: Settings) -> dict[str, Any]:
    """What the console needs before sign-in (nothing secret): language, time zone, map centre,
    the planner clock, separation minima, basemap, terrain and the traffic picture's limits."""
    dep = airspace.deployment
    locale = dep.locale if dep.locale in LOCALES else "en"
    return {
        "deployment": dep.name,
        "locale": locale,
        "locales": list(LOCALES),
        "timezone": dep.timezone,
        "centre": [dep.centre_lon, dep.centre_lat],
        "ceiling_m": 120.0 if dep.rules == "CN" else None,
        "epoch": airspace.epoch.isoformat(),
        "now_s": airspace.now_s(),
        "separation": {
            "horizontal_m": airspace.separation_h_m or dep.separation_horizontal_m,
            "vertical_m": airspace.separation_v_m or dep.separation_vertical_m,
        },
        "basemap": {"url": settings.basemap_url, "attribution": settings.basemap_attribution},
        "terrain": terrain_json(dep),
        "traffic": {
            "max_area_km2": settings.traffic_max_area_km2,
            "max_area_full_km2": settings.traffic_max_area_full_km2,
        },
    }


def zones_in_window(airspace: AirspaceState, start: str | None, end: str | None) -> dict[str, Any]:
    """The zones in force as GeoJSON with their active intervals in the window (default: today
    in the deployment's time zone)."""
    t0, t1 = window_s(airspace, start, end)
    with airspace.reading():
        zones = list(airspace.zones.values())
    return zones_feature_collection(airspace, zones, t0, t1) | {"window_s": [t0, t1]}


def corridor_features(airspace: AirspaceState) -> dict[str, Any]:
    """The corridor network (LineStrings with their altitude band) and vertiports (Points)."""
    net = airspace.corridors
    features: list[dict[str, Any]] = []
    if net is not None:
        for c in net.corridors.values():
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [list(p) for p in c.coords_lonlat],
                    },
                    "properties": {
                        "id": c.id,
                        "kind": "corridor",
                        "lower_m": c.lower_m,
                        "upper_m": c.upper_m,
                        "width_m": c.width_m,
                        "speed_max_mps": c.speed_max_mps,
                        "oneway": c.oneway,
                    },
                }
            )
        for v in net.vertiports.values():
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [v.lon, v.lat]},
                    "properties": {"id": v.id, "kind": v.kind, "name": v.name},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def flights_in_window(
    session: Session,
    *,
    user: Principal,
    airspace: AirspaceState,
    settings: Settings,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """Live flights overlapping the window as GeoJSON with their 4D trajectories (operators:
    their own)."""
    t0, t1 = window_s(airspace, start, end)
    rows = visible_flights(session, user, t0, t1, max(settings.max_list, 5000))
    return {
        "type": "FeatureCollection",
        "features": [flight_feature(r) for r in rows],
        "window_s": [t0, t1],
    }


def preview_zone(
    session: Session, *, airspace: AirspaceState, settings: Settings, body: ZoneCreate
) -> dict[str, Any]:
    """Dry run of publishing ``body``: the live flights it would affect (nothing is stored)."""
    from airspace.formats import zone_from_dict

    d = body.model_dump(exclude_none=True)
    n = wire.count_vertices(d["geometry"])
    if n > settings.max_vertices:
        raise bad_field(
            "geometry", f"{n} vertices exceed the limit of {settings.max_vertices}", status=413
        )
    try:
        zone = zone_from_dict(d, start=airspace.epoch, tz=airspace.deployment.tz)
    except (AirspaceError, ValueError, KeyError, TypeError) as e:
        raise ApiError(
            422, "invalid_zone", str(e), field=getattr(e, "field", None) or "body"
        ) from None
    rows = list(
        session.execute(select(FlightRow).where(FlightRow.state.in_(LIVE_STATES))).scalars()
    )
    affected = affected_flights(airspace, zone, rows)
    with airspace.reading():
        exists = zone.identifier in airspace.zones
    return {"zone": zone.identifier, "exists": exists, "affected": affected, "count": len(affected)}
