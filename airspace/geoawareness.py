"""Geo-awareness: which zones (and which of their volumes) a point, a 4D route or an area
operation touches, and exactly when.

A :class:`ZoneIndex` compiles every zone volume once per deployment: its horizontal shape
projected to metres, its vertical band as heights above ground. A shapely ``STRtree`` over
the projected shapes is the broad phase, so thousands of zones cost little more than the few
a query is near. The narrow phase is exact: point-in-polygon (closed, the boundary counts),
segment/polygon intersection for routes, solved analytically for the altitude band (a route is
linear in x, y, z and t between its rows), and the zone's schedule
(:func:`airspace.schedule.active_intervals` in the deployment's time zone).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from airspace.clock import Clock, at_whole_us
from airspace.deployment import Deployment
from airspace.errors import CoordinateError, ZoneFormatError
from airspace.geo_inputs import as_polygon, check_aware, check_trajectory, check_window, finite
from airspace.projection import Projection, check_lonlat
from airspace.route_spans import band_parameters, intersect_with_active, merge_closed
from airspace.schedule import active_intervals, active_seconds, merge
from airspace.zones import Zone

Interval = tuple[datetime, datetime]

_ONE_US = timedelta(microseconds=1)


@dataclass(frozen=True)
class ZoneHit:
    """A zone volume touched by a query.

    Attributes
    ----------
    zone : Zone
        The zone.
    volume_index : int
        Which of ``zone.volumes`` is touched (stacked volumes are reported separately).
    intervals : list of (datetime, datetime)
        Closed, sorted, disjoint intervals during which the queried point, route or area is
        inside that volume while the zone is active. An interval may be a single instant
        (``start == end``) when the route only touches the volume.
    """

    zone: Zone
    volume_index: int
    intervals: list[Interval]


@dataclass(frozen=True)
class CompiledVolume:
    """One zone volume ready for queries: shape in metres, band in metres above ground.

    Attributes
    ----------
    zone_index : int
        Index of the zone in :attr:`ZoneIndex.zones`.
    volume_index : int
        Index of the volume in ``zone.volumes``.
    polygon_xy : shapely Polygon or MultiPolygon
        The horizontal shape in the deployment projection (metres), made valid.
    lower_agl_m, upper_agl_m : float
        The vertical band above ground; ``-inf`` / ``inf`` where unbounded.
    """

    zone_index: int
    volume_index: int
    polygon_xy: BaseGeometry
    lower_agl_m: float
    upper_agl_m: float


class ZoneIndex:
    """A spatial index over the volumes of a set of zones, answering exact geo-awareness queries.

    Parameters
    ----------
    zones : sequence of Zone
        The zones to index; their order is kept in :attr:`zones`.
    deployment : Deployment
        Gives the metric projection, the time zone for schedules and the ground elevation
        that turns AMSL/WGS84 limits into heights above ground.

    Examples
    --------
    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> from shapely.geometry import box
    >>> from airspace.deployment import QINGDAO
    >>> from airspace.zones import Restriction, Zone, ZoneVolume
    >>> z = Zone("PARK", Restriction.PROHIBITED, (ZoneVolume(box(120.37, 36.06, 120.39, 36.08), 0, 100),))
    >>> index = ZoneIndex([z], QINGDAO)
    >>> t = datetime(2026, 12, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    >>> [h.zone.identifier for h in index.at_point(120.38, 36.07, 50.0, t)]
    ['PARK']
    >>> index.at_point(120.38, 36.07, 150.0, t)
    []
    """

    def __init__(self, zones: Sequence[Zone], deployment: Deployment):
        self.zones: list[Zone] = list(zones)
        self.deployment = deployment
        self.projection: Projection = Projection.for_deployment(deployment)
        self._tz = deployment.tz
        volumes: list[CompiledVolume] = []
        for zi, zone in enumerate(self.zones):
            for vi, volume in enumerate(zone.volumes):
                try:
                    polygon_xy = _polygonal(self.projection.geometry_to_xy(volume.polygon))
                except CoordinateError as exc:
                    raise ZoneFormatError(
                        str(exc), zone=zone.identifier, field=f"volumes[{vi}]"
                    ) from exc
                if volume.polygon.area <= 0.0 or polygon_xy.area <= 0.0:
                    raise ZoneFormatError(
                        "horizontal shape has no area (collinear or repeated points)",
                        zone=zone.identifier,
                        field=f"volumes[{vi}]",
                    )
                lower_m, upper_m = volume.band_agl_m(deployment)
                if math.isnan(lower_m) or math.isnan(upper_m) or lower_m > upper_m:
                    raise ZoneFormatError(
                        f"vertical band {lower_m}..{upper_m} m AGL is empty or not a number",
                        zone=zone.identifier,
                        field=f"volumes[{vi}]",
                    )
                shapely.prepare(polygon_xy)
                volumes.append(CompiledVolume(zi, vi, polygon_xy, lower_m, upper_m))
        self.volumes: list[CompiledVolume] = volumes
        self._polygons = np.array([v.polygon_xy for v in volumes], dtype=object)
        self._lower_m = np.array([v.lower_agl_m for v in volumes], dtype=np.float64)
        self._upper_m = np.array([v.upper_agl_m for v in volumes], dtype=np.float64)
        self.tree = shapely.STRtree(self._polygons)

    def __len__(self) -> int:
        return len(self.volumes)

    def candidates_xy(self, geom_xy: BaseGeometry) -> np.ndarray:
        """Broad phase: indices into :attr:`volumes` whose bounding boxes meet ``geom_xy``.

        Parameters
        ----------
        geom_xy : shapely geometry
            A geometry in the deployment projection (metres).

        Returns
        -------
        numpy.ndarray of int
            Sorted volume indices; a superset of the volumes the geometry intersects.
        """
        return np.sort(np.asarray(self.tree.query(geom_xy), dtype=np.intp))

    def at_point(
        self,
        lon: float,
        lat: float,
        altitude_m: float,
        start: datetime,
        end: datetime | None = None,
    ) -> list[ZoneHit]:
        """The zone volumes containing a position, while their zones are active.

        Parameters
        ----------
        lon, lat : float
            Position in degrees.
        altitude_m : float
            Height above ground in metres.
        start : datetime
            Aware instant; with ``end`` the start of a closed time window.
        end : datetime, optional
            End of the window. Without it, the query is the instant ``start`` and each hit's
            interval is ``(start, start)``.

        Returns
        -------
        list of ZoneHit
            One per volume whose closed shape and band contain the position and whose zone is
            active at some time in the window, with the active intervals.
        """
        end = check_window(start, end)
        altitude_m = finite(altitude_m, "altitude_m")
        lon_a = np.array([lon], dtype=np.float64)
        lat_a = np.array([lat], dtype=np.float64)
        check_lonlat(lon_a, lat_a, what="point")
        x, y = self.projection.to_xy(lon_a, lat_a)
        point = shapely.points(x[0], y[0])
        hits = self.tree.query(point, predicate="intersects")
        hits = np.sort(
            hits[(self._lower_m[hits] <= altitude_m) & (altitude_m <= self._upper_m[hits])]
        )
        return self._windowed_hits(hits, start, end)

    def over_area(
        self,
        polygon_lonlat: Polygon | Mapping[str, Any] | Sequence[Sequence[float]],
        lower_m: float,
        upper_m: float,
        start: datetime,
        end: datetime,
    ) -> list[ZoneHit]:
        """The zone volumes an area operation touches: polygon x band x ``[start, end]``.

        Parameters
        ----------
        polygon_lonlat : shapely Polygon, GeoJSON Polygon mapping or ring of [lon, lat]
            The operation's area in degrees.
        lower_m, upper_m : float
            The operation's altitude band, metres above ground, ``lower_m <= upper_m``.
        start, end : datetime
            Aware bounds of the operation's time window, ``start <= end``.

        Returns
        -------
        list of ZoneHit
            One per volume whose closed shape meets the area, whose band meets the
            operation's band (touching counts) and whose zone is active at some time in the
            window; the intervals are the zone's active intervals inside the window.
        """
        end = check_window(start, end)
        lower_m = finite(lower_m, "lower_m")
        upper_m = finite(upper_m, "upper_m")
        if lower_m > upper_m:
            raise ValueError(f"area band: lower_m {lower_m} is above upper_m {upper_m}")
        area = as_polygon(polygon_lonlat)
        area_xy = self.projection.geometry_to_xy(area)
        hits = self.tree.query(area_xy, predicate="intersects")
        hits = np.sort(hits[(self._lower_m[hits] <= upper_m) & (lower_m <= self._upper_m[hits])])
        return self._windowed_hits(hits, start, end)

    def along_route(self, trajectory: np.ndarray, epoch: datetime) -> list[ZoneHit]:
        """The zone volumes a 4D route passes through, with the exact times it is inside.

        Parameters
        ----------
        trajectory : array_like, shape (n, 4)
            Rows ``[lon, lat, altitude_m AGL, t_s]`` with ``t_s`` seconds after ``epoch``,
            non-decreasing. The route moves linearly in the deployment projection (x, y),
            in altitude and in time between consecutive rows; a single row is a point in
            time.
        epoch : datetime
            Aware instant that ``t_s = 0`` stands for.

        Returns
        -------
        list of ZoneHit
            One per volume the route is inside (closed shape, closed band) while the zone is
            active, ordered as :attr:`volumes`; the intervals are exact up to floating point,
            rounded outward to whole microseconds (the resolution of ``datetime``).
        """
        check_aware(epoch, "epoch")
        rows = check_trajectory(trajectory)
        x, y = self.projection.to_xy(rows[:, 0], rows[:, 1])
        z, t = rows[:, 2], rows[:, 3]
        if len(rows) == 1:
            x, y, z, t = (np.repeat(a, 2) for a in (x, y, z, t))
        x0, y0, z0, t0 = x[:-1], y[:-1], z[:-1], t[:-1]
        dx, dy, dz, dt = np.diff(x), np.diff(y), np.diff(z), np.diff(t)
        length2 = dx * dx + dy * dy
        moving = length2 > 0.0

        segments = np.empty(len(x0), dtype=object)
        if moving.any():
            ends = np.stack(
                [np.column_stack([x0, y0])[moving], np.column_stack([x[1:], y[1:]])[moving]], axis=1
            )
            segments[moving] = shapely.linestrings(ends)
        if (~moving).any():
            segments[~moving] = shapely.points(x0[~moving], y0[~moving])

        seg, vol = self.tree.query(segments, predicate="intersects")
        # Parameter range s in [0, 1] along each segment where the altitude is within the band.
        s_lo, s_hi = band_parameters(z0[seg], dz[seg], self._lower_m[vol], self._upper_m[vol])
        keep = s_lo <= s_hi
        seg, vol, s_lo, s_hi = seg[keep], vol[keep], s_lo[keep], s_hi[keep]

        piece_vol = [vol[~moving[seg]]]
        piece_lo = [s_lo[~moving[seg]]]
        piece_hi = [s_hi[~moving[seg]]]
        piece_seg = [seg[~moving[seg]]]

        m = moving[seg]
        if m.any():
            mseg, mvol = seg[m], vol[m]
            inside = shapely.intersection(segments[mseg], self._polygons[mvol])
            parts, pair = shapely.get_parts(inside, return_index=True)
            coords, part = shapely.get_coordinates(parts, return_index=True)
            if len(coords):
                owner = mseg[pair[part]]
                s = (
                    (coords[:, 0] - x0[owner]) * dx[owner] + (coords[:, 1] - y0[owner]) * dy[owner]
                ) / length2[owner]
                h_lo = np.full(len(parts), np.inf)
                h_hi = np.full(len(parts), -np.inf)
                np.minimum.at(h_lo, part, s)
                np.maximum.at(h_hi, part, s)
                lo = np.maximum(np.clip(h_lo, 0.0, 1.0), s_lo[m][pair])
                hi = np.minimum(np.clip(h_hi, 0.0, 1.0), s_hi[m][pair])
                ok = lo <= hi
                piece_vol.append(mvol[pair][ok])
                piece_lo.append(lo[ok])
                piece_hi.append(hi[ok])
                piece_seg.append(mseg[pair][ok])

        pv = np.concatenate(piece_vol)
        ps = np.concatenate(piece_seg)
        t_lo = t0[ps] + np.concatenate(piece_lo) * dt[ps]
        s_end = np.concatenate(piece_hi)
        # A piece that runs to the end of its segment ends exactly at the next row's time, so
        # pieces of consecutive segments join without a rounding gap.
        t_hi = np.where(s_end == 1.0, t[1:][ps], t0[ps] + s_end * dt[ps])

        hits: list[ZoneHit] = []
        order = np.lexsort((t_lo, pv))
        pv, t_lo, t_hi = pv[order], t_lo[order], t_hi[order]
        for v in np.unique(pv):
            sel = pv == v
            inside_s = merge_closed(t_lo[sel], t_hi[sel])
            volume = self.volumes[int(v)]
            zone = self.zones[volume.zone_index]
            active_s = self._active_seconds(zone, epoch, inside_s[0][0], inside_s[-1][1])
            both = intersect_with_active(inside_s, active_s)
            if both:
                intervals = merge(
                    (at_whole_us(epoch, a, math.floor), at_whole_us(epoch, b, math.ceil))
                    for a, b in both
                )
                hits.append(ZoneHit(zone, volume.volume_index, intervals))
        return hits

    def _windowed_hits(self, hits: np.ndarray, start: datetime, end: datetime) -> list[ZoneHit]:
        out: list[ZoneHit] = []
        for v in hits:
            volume = self.volumes[int(v)]
            zone = self.zones[volume.zone_index]
            intervals = [
                (a, min(b, end))
                for a, b in active_intervals(zone, start, end + _ONE_US, self._tz)
                if a <= end
            ]
            if intervals:
                out.append(ZoneHit(zone, volume.volume_index, intervals))
        return out

    def _active_seconds(
        self, zone: Zone, epoch: datetime, t0_s: float, t1_s: float
    ) -> list[tuple[float, float]]:
        """Active intervals of ``zone`` around ``[t0_s, t1_s]`` in seconds after ``epoch``,
        as half-open ``[a, b)``; the window is widened to whole microseconds so no float
        instant inside it is lost to rounding."""
        w0 = at_whole_us(epoch, t0_s, math.floor)
        w1 = at_whole_us(epoch, t1_s, math.ceil) + _ONE_US
        if not zone.applicability:
            return [(-math.inf, math.inf)]
        return active_seconds(zone, Clock(epoch, self._tz), w0, w1)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of a geometry, repaired if it is invalid (self-intersections)."""
    if geom.is_valid:
        return geom
    parts = shapely.get_parts(shapely.make_valid(geom))
    return shapely.union_all([g for g in parts if g.geom_type in ("Polygon", "MultiPolygon")])
