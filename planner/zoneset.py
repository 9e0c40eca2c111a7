"""The compiled zone set: the zones in force, turned into planner-frame volumes once per
publication and shared by the planner's slot search, the corridor router and geo-awareness
queries.

Each zone volume becomes a :class:`planner.forbidden.ZoneBlock` (polygon in the deployment
projection, band in metres above ground) in one STR-tree; a scheduled zone's schedule is
compiled to planner time when it is published (:class:`airspace.schedule_compiled.CompiledSchedule`:
evaluated once over a horizon of weeks, clipped to each query's times). The geo-awareness index
(:class:`airspace.geoawareness.ZoneIndex`, which the router also reads) is built from the
same zones on first use after each change and kept until the next one.

Examples
--------
>>> from datetime import datetime, timezone
>>> from shapely.geometry import box
>>> from airspace.clock import Clock
>>> from airspace.deployment import QINGDAO
>>> from airspace.zones import Restriction, Zone, ZoneVolume
>>> zs = CompiledZones(QINGDAO, Clock(datetime(2026, 12, 1, tzinfo=timezone.utc), QINGDAO.tz))
>>> zs.put(Zone("PARK", Restriction.PROHIBITED, (ZoneVolume(box(120.37, 36.06, 120.39, 36.08), 0, 100),)))
>>> [z.identifier for z in zs.zones], len(zs.geo_index().volumes)
(['PARK'], 1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import shapely

from airspace.clock import Clock
from airspace.deployment import Deployment
from airspace.errors import AirspaceError
from airspace.projection import Projection
from airspace.schedule_compiled import CompiledSchedule
from airspace.zones import Restriction, Zone
from planner.forbidden import ZoneBlock, conflicts_at
from planner.index import SpaceTimeIndex
from planner.trajectory import AreaOp, Trajectory4D

if TYPE_CHECKING:
    from airspace.geoawareness import ZoneIndex

Flight = Trajectory4D | AreaOp

HIT_CACHE_SIZE = 4096
"""Query rectangles whose tree hits are remembered (all forgotten when full or recompiled)."""


@dataclass(frozen=True)
class ZoneVolumeBlock:
    """One zone volume in the planner frame: its zone and its block (always active here;
    narrowed per query for scheduled zones)."""

    zone: Zone
    block: ZoneBlock
    schedule: CompiledSchedule
    """The zone's schedule on the planner clock (read only for scheduled zones)."""


class CompiledZones:
    """The zones in force, compiled once per change (see the module docstring).

    Parameters
    ----------
    deployment : Deployment
        Projection, time zone and ground elevation.
    clock : Clock
        Planner seconds of the schedules.
    zones : sequence of Zone
        The zones in force at the start.
    """

    def __init__(self, deployment: Deployment, clock: Clock, zones: Sequence[Zone] = ()):
        self.deployment = deployment
        self.clock = clock
        self.projection = Projection.for_deployment(deployment)
        self._zones: dict[str, Zone] = {z.identifier: z for z in zones}
        self.volumes: list[ZoneVolumeBlock] = []
        """Every compiled volume, in zone order."""
        self.skipped: list[str] = []
        """Zones outside the deployment's projection area (they cannot touch its flights)."""
        self._tree: shapely.STRtree | None = None
        self._geo: ZoneIndex | None = None
        self._nobody = SpaceTimeIndex()
        self._schedules: dict[str, CompiledSchedule] = {}
        self._compile()

    # -- the set ----------------------------------------------------------------------
    @property
    def zones(self) -> list[Zone]:
        """The zones in force, in publication order."""
        return list(self._zones.values())

    def get(self, zone_id: str) -> Zone | None:
        """The zone with this id, or ``None``."""
        return self._zones.get(zone_id)

    def __getitem__(self, zone_id: str) -> Zone:
        return self._zones[zone_id]

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._zones

    def put(self, zone: Zone) -> None:
        """Put a zone in force (replacing one with the same id) and recompile."""
        self._zones[zone.identifier] = zone
        self._compile()

    def remove(self, zone_id: str) -> None:
        """Take a zone out of force and recompile; ``KeyError`` if it is not in force."""
        del self._zones[zone_id]
        self._compile()

    def geo_index(self) -> ZoneIndex:
        """The geo-awareness index of the same zones (built on first use after a change)."""
        if self._geo is None:
            from airspace.geoawareness import ZoneIndex

            self._geo = ZoneIndex(self.zones, self.deployment)
        return self._geo

    def _compile(self) -> None:
        volumes: list[ZoneVolumeBlock] = []
        skipped: list[str] = []
        schedules: dict[str, CompiledSchedule] = {}
        for zone in self._zones.values():
            schedule = self._schedules.get(zone.identifier)
            if schedule is None or schedule.zone is not zone:
                schedule = CompiledSchedule(zone, self.clock)
            schedules[zone.identifier] = schedule
            for i, vol in enumerate(zone.volumes):
                try:
                    poly_xy = self.projection.geometry_to_xy(vol.polygon)
                except AirspaceError:
                    skipped.append(zone.identifier)
                    continue
                lo, hi = vol.band_agl_m(self.deployment)
                block = ZoneBlock.from_polygon(
                    zone.identifier, poly_xy, lo, hi, [[-math.inf, math.inf]], volume_index=i
                )
                volumes.append(ZoneVolumeBlock(zone, block, schedule))
        self.volumes = volumes
        self._schedules = schedules
        self.skipped = sorted(set(skipped))
        polys = [v.block.polygon_xy for v in volumes]
        self._tree = shapely.STRtree(polys) if polys else None
        self._hits: dict[tuple[float, float, float, float], list[int]] = {}
        self._geo = None

    # -- queries ----------------------------------------------------------------------
    def blocks(
        self,
        flight: Flight,
        t_lo_s: float,
        t_hi_s: float,
        restrictions: Iterable[Restriction],
        *,
        only_zone: str | None = None,
        since_s: float | None = None,
    ) -> list[ZoneBlock]:
        """Zone volumes of the given restrictions near ``flight`` with their active intervals
        inside ``[t_lo_s, t_hi_s]`` (the times the flight could be there); ``since_s`` also
        cuts permanent zones to start then (a zone published now does not reach back)."""
        if self._tree is None:
            return []
        if isinstance(flight, AreaOp):
            x0, y0, x1, y1 = shapely.bounds(flight.polygon_xy)
            z0, z1 = flight.lower_m, flight.upper_m
        else:
            xyz = flight.xyzt
            (x0, y0, z0), (x1, y1, z1) = xyz[:, :3].min(axis=0), xyz[:, :3].max(axis=0)
        # A flight's search, its authorisation and its condition notes (delayed: the same box)
        # ask for the same rectangle: the tree is asked once per rectangle and zone set.
        key = (float(x0), float(y0), float(x1), float(y1))
        hits = self._hits.get(key)
        if hits is None:
            # shapely.box (the vectorised constructor): the same rectangle as
            # shapely.geometry.box at a fifth of the cost
            hits = np.sort(self._tree.query(shapely.box(x0, y0, x1, y1))).tolist()
            if len(self._hits) >= HIT_CACHE_SIZE:
                self._hits.clear()
            self._hits[key] = hits
        wanted = set(restrictions)
        out: list[ZoneBlock] = []
        for i in hits:
            v = self.volumes[i]
            zone = v.zone
            if zone.restriction not in wanted or (
                only_zone is not None and zone.identifier != only_zone
            ):
                continue
            if v.block.lower_m > z1 or v.block.upper_m < z0:
                continue
            if zone.is_permanent:
                if since_s is None:
                    out.append(v.block)
                else:
                    out.append(replace(v.block, active_s=np.array([[since_s, math.inf]])))
                continue
            spans = v.schedule.within(t_lo_s, t_hi_s)
            if spans:
                out.append(replace(v.block, active_s=np.array(spans)))
        return out

    def entered(
        self,
        flight: Flight,
        restriction: Restriction,
        separation_h_m: float,
        separation_v_m: float,
        *,
        t_lo_s: float | None = None,
        only_zone: str | None = None,
        since_s: float | None = None,
    ) -> list[str]:
        """Ids of the zones of ``restriction`` the flight enters while they are active (from
        ``t_lo_s``, its start by default, to its end)."""
        blocks = self.blocks(
            flight,
            flight.start_s if t_lo_s is None else t_lo_s,
            flight.end_s,
            (restriction,),
            only_zone=only_zone,
            since_s=since_s,
        )
        if not blocks:
            return []
        _, zones = conflicts_at(flight, 0.0, self._nobody, blocks, separation_h_m, separation_v_m)
        return zones

    def footprint(self, zone_id: str) -> tuple[float, float, float, float, float, float] | None:
        """The zone's box in the planner frame ``(x0, y0, x1, y1, lower_m, upper_m)``, or
        ``None`` when it has no compiled volume."""
        vols = [v.block for v in self.volumes if v.zone.identifier == zone_id]
        if not vols:
            return None
        zx0, zy0, zx1, zy1 = shapely.total_bounds([b.polygon_xy for b in vols])
        return (
            zx0,
            zy0,
            zx1,
            zy1,
            min(b.lower_m for b in vols),
            max(b.upper_m for b in vols),
        )
