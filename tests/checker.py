"""An independent checker of what the planner accepted, written plainly for the tests.

It shares no code with the planner's conflict detection: it reads the decisions (trajectory rows
``[lon, lat, altitude_m, t_s]`` or an area operation's polygon, band and window), projects them
with the deployment's projection, and checks every pair of live flights by brute force
(closest approach on each common piece of time, where both move linearly) and every flight
against every active PROHIBITED zone volume (shapely on each linear piece).

Conflict rule (DESIGN.md): at the same instant horizontal distance < S_h and vertical distance
< S_v. Zone rule: any part inside the polygon and the (closed) band while the zone is active.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, shape

from airspace.deployment import Deployment
from airspace.projection import Projection
from airspace.schedule import active_intervals
from airspace.zones import Restriction, Zone

LIVE_STATES = ("pending", "accepted", "activated", "nonconforming", "contingent")
TOLERANCE_M = 1e-6
"""Distances within this much of a separation minimum count as separated (float noise)."""


@dataclass(frozen=True)
class Violation:
    """One broken promise: two flights too close, or a flight inside an active zone."""

    kind: str  # "conflict" | "zone"
    flights: tuple[str, ...]
    zone: str | None = None
    t_s: float | None = None
    horizontal_m: float | None = None
    vertical_m: float | None = None


@dataclass
class _Route:
    flight_id: str
    xyzt: np.ndarray  # (n, 4) metres + seconds


@dataclass
class _Area:
    flight_id: str
    polygon_xy: Polygon
    lower_m: float
    upper_m: float
    start_s: float
    end_s: float


def _live(planner_or_records) -> dict:
    records = (
        planner_or_records.records()
        if hasattr(planner_or_records, "records")
        else planner_or_records
    )
    return {fid: r for fid, r in records.items() if str(r.state) in LIVE_STATES}


def _shapes(records: Mapping, projection: Projection) -> list[_Route | _Area]:
    out: list[_Route | _Area] = []
    for fid, rec in records.items():
        d = rec.decision
        if d.trajectory is not None:
            rows = np.asarray(d.trajectory, dtype=float)
            x, y = projection.to_xy(rows[:, 0], rows[:, 1])
            out.append(_Route(fid, np.column_stack([x, y, rows[:, 2], rows[:, 3]])))
        elif d.area is not None:
            poly = projection.geometry_to_xy(shape(d.area["area"]))
            out.append(
                _Area(
                    fid, poly, d.area["lower_m"], d.area["upper_m"], d.area["start"], d.area["end"]
                )
            )
        else:
            raise AssertionError(
                f"live flight {fid} has neither trajectory nor area in its decision"
            )
    return out


def _at(xyzt: np.ndarray, t: float) -> np.ndarray:
    return np.array([np.interp(t, xyzt[:, 3], xyzt[:, k]) for k in range(3)])


def _open_band(d0: float, d1: float, lo: float, hi: float) -> tuple[float, float] | None:
    """Sub-interval of s in [0, 1] where lo < d0 + (d1 - d0) s < hi (open), as its closure."""
    slope = d1 - d0
    if abs(slope) < 1e-12:
        return (0.0, 1.0) if lo < d0 < hi else None
    a, b = (lo - d0) / slope, (hi - d0) / slope
    a, b = min(a, b), max(a, b)
    s0, s1 = max(a, 0.0), min(b, 1.0)
    return (s0, s1) if s1 > s0 else None


def _closed_band(d0: float, d1: float, lo: float, hi: float) -> tuple[float, float] | None:
    slope = d1 - d0
    if abs(slope) < 1e-12:
        return (0.0, 1.0) if lo <= d0 <= hi else None
    a, b = (lo - d0) / slope, (hi - d0) / slope
    a, b = min(a, b), max(a, b)
    s0, s1 = max(a, 0.0), min(b, 1.0)
    return (s0, s1) if s1 >= s0 else None


def _route_route(a: _Route, b: _Route, sh: float, sv: float) -> Violation | None:
    t0 = max(a.xyzt[0, 3], b.xyzt[0, 3])
    t1 = min(a.xyzt[-1, 3], b.xyzt[-1, 3])
    if t1 < t0:
        return None
    ts = np.unique(np.concatenate([a.xyzt[:, 3], b.xyzt[:, 3], [t0, t1]]))
    ts = ts[(ts >= t0) & (ts <= t1)]
    if ts.size == 1:  # they share a single instant
        d = _at(a.xyzt, ts[0]) - _at(b.xyzt, ts[0])
        h, v = math.hypot(d[0], d[1]), abs(d[2])
        return (
            Violation(
                "conflict",
                (a.flight_id, b.flight_id),
                t_s=float(ts[0]),
                horizontal_m=h,
                vertical_m=v,
            )
            if h < sh and v < sv
            else None
        )
    best: Violation | None = None
    for ta, tb in zip(ts[:-1], ts[1:], strict=True):
        da = _at(a.xyzt, ta) - _at(b.xyzt, ta)
        db = _at(a.xyzt, tb) - _at(b.xyzt, tb)
        band = _open_band(da[2], db[2], -sv, sv)
        if band is None:
            continue
        p, q = da[:2], db[:2] - da[:2]
        qq = float(q @ q)
        s = 0.0 if qq == 0.0 else float(np.clip(-(p @ q) / qq, band[0], band[1]))
        s = min(max(s, band[0]), band[1])
        h = float(np.hypot(*(p + q * s)))
        if h < sh and (best is None or h < best.horizontal_m):
            v = abs(da[2] + (db[2] - da[2]) * s)
            best = Violation(
                "conflict",
                (a.flight_id, b.flight_id),
                t_s=float(ta + s * (tb - ta)),
                horizontal_m=h,
                vertical_m=v,
            )
    return best


def _piece(xyzt: np.ndarray, ta: float, tb: float, s0: float, s1: float):
    pa, pb = _at(xyzt, ta + s0 * (tb - ta)), _at(xyzt, ta + s1 * (tb - ta))
    if s1 == s0 or (pa[0] == pb[0] and pa[1] == pb[1]):
        return Point(pa[0], pa[1])
    return LineString([pa[:2], pb[:2]])


def _route_inside(
    route: _Route, polygon: Polygon, lo: float, hi: float, windows, *, closed: bool, sh: float
):
    """First (t_s, distance) where the route is within ``sh`` of ``polygon`` (0 = intersects)
    with its altitude in the band, during one of ``windows``; ``None`` if never."""
    for w0, w1 in windows:
        t0, t1 = max(w0, route.xyzt[0, 3]), min(w1, route.xyzt[-1, 3])
        if t1 < t0:
            continue
        ts = np.unique(np.concatenate([route.xyzt[:, 3], [t0, t1]]))
        ts = ts[(ts >= t0) & (ts <= t1)]
        pairs = list(zip(ts[:-1], ts[1:], strict=True)) or [(ts[0], ts[0])]
        for ta, tb in pairs:
            za, zb = _at(route.xyzt, ta)[2], _at(route.xyzt, tb)[2]
            band = _closed_band(za, zb, lo, hi) if closed else _open_band(za, zb, lo, hi)
            if band is None:
                continue
            geom = _piece(route.xyzt, ta, tb, *band)
            dist = float(shapely.distance(geom, polygon))
            if (closed and dist == 0.0) or (not closed and dist < sh):
                return float(ta + band[0] * (tb - ta)), dist
    return None


def _pair(a, b, sh: float, sv: float) -> Violation | None:
    if isinstance(a, _Route) and isinstance(b, _Route):
        return _route_route(a, b, sh, sv)
    if isinstance(a, _Area) and isinstance(b, _Area):
        if max(a.start_s, b.start_s) > min(a.end_s, b.end_s):
            return None
        gap_v = max(0.0, b.lower_m - a.upper_m, a.lower_m - b.upper_m)
        gap_h = float(shapely.distance(a.polygon_xy, b.polygon_xy))
        if gap_v < sv and gap_h < sh:
            return Violation(
                "conflict",
                (a.flight_id, b.flight_id),
                t_s=max(a.start_s, b.start_s),
                horizontal_m=gap_h,
                vertical_m=gap_v,
            )
        return None
    route, area = (a, b) if isinstance(a, _Route) else (b, a)
    hit = _route_inside(
        route,
        area.polygon_xy,
        area.lower_m - sv,
        area.upper_m + sv,
        [(area.start_s, area.end_s)],
        closed=False,
        sh=sh,
    )
    if hit is None:
        return None
    return Violation("conflict", (a.flight_id, b.flight_id), t_s=hit[0], horizontal_m=hit[1])


def _zone_windows(zone: Zone, t0_s: float, t1_s: float, epoch: datetime, deployment: Deployment):
    t0 = epoch + timedelta(seconds=t0_s)
    t1 = epoch + timedelta(seconds=t1_s)
    if t1 <= t0:
        t1 = t0 + timedelta(microseconds=1)
    return [
        ((a - epoch).total_seconds(), (b - epoch).total_seconds())
        for a, b in active_intervals(zone, t0, t1, deployment.tz)
    ]


def check_accepted(
    planner_or_records,
    zones: Iterable[Zone],
    deployment: Deployment,
    *,
    epoch: datetime | None = None,
    separation_h_m: float | None = None,
    separation_v_m: float | None = None,
    restrictions: tuple[str, ...] = (Restriction.PROHIBITED,),
) -> list[Violation]:
    """Every conflict between live flights and every live flight inside an active zone.

    ``planner_or_records`` is a :class:`planner.decision.Planner` (its epoch and separation
    minima are used unless given) or a mapping ``flight_id -> FlightRecord``. Live flights are
    those pending, accepted, activated, nonconforming or contingent. ``restrictions`` says
    which zone restrictions count (PROHIBITED by default).
    """
    if epoch is None:
        epoch = getattr(planner_or_records, "epoch", None)
    sh = (
        separation_h_m
        if separation_h_m is not None
        else getattr(planner_or_records, "separation_h_m", deployment.separation_horizontal_m)
    )
    sv = (
        separation_v_m
        if separation_v_m is not None
        else getattr(planner_or_records, "separation_v_m", deployment.separation_vertical_m)
    )
    sh, sv = sh - TOLERANCE_M, sv - TOLERANCE_M
    projection = Projection.for_deployment(deployment)
    flights = _shapes(_live(planner_or_records), projection)
    out: list[Violation] = []
    for i, a in enumerate(flights):
        for b in flights[i + 1 :]:
            v = _pair(a, b, sh, sv)
            if v is not None:
                out.append(v)
    zones = [z for z in zones if z.restriction in restrictions]
    if zones and epoch is None:
        raise ValueError("check_accepted: zone checks need the planner's epoch")
    for f in flights:
        t0, t1 = (f.xyzt[0, 3], f.xyzt[-1, 3]) if isinstance(f, _Route) else (f.start_s, f.end_s)
        for z in zones:
            windows = _zone_windows(z, t0, t1, epoch, deployment)
            if not windows:
                continue
            for vol in z.volumes:
                lo, hi = vol.band_agl_m(deployment)
                poly = projection.geometry_to_xy(vol.polygon)
                if isinstance(f, _Route):
                    hit = _route_inside(f, poly, lo, hi, windows, closed=True, sh=0.0)
                    t_hit = None if hit is None else hit[0]
                else:
                    inside = f.lower_m <= hi and lo <= f.upper_m and poly.intersects(f.polygon_xy)
                    t_hit = windows[0][0] if inside else None
                if t_hit is not None:
                    out.append(Violation("zone", (f.flight_id,), zone=z.identifier, t_s=t_hit))
                    break
    return out
