"""The zone side of the final safety check (:mod:`scenarios.safety`): restriction volumes
with the scenario seconds they apply in, and the accepted flights that entered one while it
was active (interior, not boundary) without authorisation. Shapely for polygons, exact in time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from airspace.deployment import Deployment
from airspace.projection import Projection
from airspace.schedule import active_intervals
from airspace.zones import Restriction, Zone
from scenarios.safety_volumes import AreaVolume, ZoneViolation, ZoneWindow
from scenarios.segments import clip, xy_geometry, z_window


def zone_windows(
    zones: Iterable[Zone],
    *,
    start: datetime,
    horizon_s: float,
    deployment: Deployment,
    published_s: dict[str, float] | None = None,
    withdrawn_s: dict[str, float] | None = None,
) -> list[ZoneWindow]:
    """The restriction volumes of ``zones`` with their active seconds in ``[0, horizon_s]``.

    Parameters
    ----------
    zones : iterable of Zone
    start : datetime
        The scenario start (t = 0).
    horizon_s : float
        End of the window to evaluate schedules in.
    deployment : Deployment
        For AMSL/WGS84 to AGL conversion and the schedule time zone.
    published_s, withdrawn_s : dict, optional
        Zone id -> second it was published / withdrawn; the zone only counts in between.
    """
    out: list[ZoneWindow] = []
    end = start + timedelta(seconds=horizon_s)
    for z in zones:
        if z.restriction not in (Restriction.PROHIBITED, Restriction.REQ_AUTHORISATION):
            continue
        lo_s = (published_s or {}).get(z.identifier, 0.0)
        hi_s = (withdrawn_s or {}).get(z.identifier, horizon_s)
        ivs = []
        for a, b in active_intervals(z, start, end, deployment.tz):
            a_s = max((a - start).total_seconds(), lo_s)
            b_s = min((b - start).total_seconds(), hi_s)
            if a_s < b_s:
                ivs.append((a_s, b_s))
        if not ivs:
            continue
        for v in z.volumes:
            lower, upper = v.band_agl_m(deployment)
            out.append(ZoneWindow(z.identifier, z.restriction, v.polygon, lower, upper, tuple(ivs)))
    return out


def segment_in_zone(seg: np.ndarray, zone_xy: Polygon, zw: ZoneWindow) -> float | None:
    """First instant a segment is inside an active zone volume (interior, not boundary)."""
    for a, b in zw.intervals:
        t_from, t_to = max(seg[3], a), min(seg[7], b)
        if t_from >= t_to:
            continue
        w = z_window(clip(seg, t_from, t_to), zw.lower_m, zw.upper_m)
        if w is None:
            continue
        geom = xy_geometry(clip(seg, w[0], w[1]))
        if geom.intersects(zone_xy) and not geom.touches(zone_xy):
            if isinstance(geom, Point):
                return w[0]
            inside = shapely.get_coordinates(geom.intersection(zone_xy))
            first_m = min(geom.project(Point(c)) for c in inside)
            return w[0] + first_m / geom.length * (w[1] - w[0])
    return None


def zone_violations(
    segs: np.ndarray,
    owner: np.ndarray,
    ids: list[str],
    areas: Sequence[AreaVolume],
    area_xy: list[Polygon],
    zones: Sequence[ZoneWindow],
    projection: Projection,
    authorised: set[str],
) -> list[ZoneViolation]:
    """The first entry of each accepted flight into each active restriction it was not
    authorised for, in time order. ``segs``/``owner`` are the route segments in metres and
    their flight index into ``ids`` (routes first, then ``areas``, whose shapes in metres are
    ``area_xy``)."""
    if not zones:
        return []
    zone_xy = [projection.geometry_to_xy(z.polygon) for z in zones]
    tree = shapely.STRtree(zone_xy)
    n_routes = len(ids) - len(areas)
    hits: dict[tuple[str, str], ZoneViolation] = {}

    def note(fid: str, zw: ZoneWindow, t: float) -> None:
        if zw.restriction == Restriction.REQ_AUTHORISATION and fid in authorised:
            return
        key = (fid, zw.zone_id)
        if key not in hits or t < hits[key].t_s:
            hits[key] = ZoneViolation(fid, zw.zone_id, str(zw.restriction), t)

    if len(segs):
        lines = shapely.linestrings(np.stack([segs[:, [0, 1]], segs[:, [4, 5]]], axis=1))
        s_idx, z_idx = tree.query(lines, predicate="intersects")
        for s, z in zip(s_idx.tolist(), z_idx.tolist(), strict=True):
            t = segment_in_zone(segs[s], zone_xy[z], zones[z])
            if t is not None:
                note(ids[int(owner[s])], zones[z], t)
    for k, (a, g) in enumerate(zip(areas, area_xy, strict=True)):
        for z in tree.query(g, predicate="intersects").tolist():
            zw = zones[z]
            if not (a.lower_m < zw.upper_m and zw.lower_m < a.upper_m):
                continue
            if g.touches(zone_xy[z]):
                continue
            for lo, hi in zw.intervals:
                if max(lo, a.start_s) < min(hi, a.end_s):
                    note(ids[n_routes + k], zw, max(lo, a.start_s))
                    break
    return sorted(hits.values(), key=lambda v: (v.t_s, v.flight_id, v.zone_id))
