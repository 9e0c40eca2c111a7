"""Off-nominal volumes on the service side: while a flight is nonconforming or contingent, its
drone's last position and extrapolated motion are protected as a temporary PROHIBITED zone.

The volume is a stadium of ``offnominal_radius_m`` around the path from the last position
along the drone's velocity (reported, or from its last two positions) over
``offnominal_horizon_s``, with the band the drone sweeps ± the vertical conformance threshold,
in force from the last report to ``offnominal_horizon_s`` after now. It is published through
:func:`api.services.zones.publish_zones`, the path of a regulator's temporary restriction, so new
requests avoid it and accepted flights that cross it are re-planned or revoked with their
operators notified (reason ``OFF_NOMINAL_VOLUME`` naming ``OFFNOM-<flight>``); the flight it
protects is left alone. It is stored as a zone of kind ``offnominal``, republished at most every
``offnominal_refresh_s`` as positions arrive, and withdrawn when the flight conforms again,
ends or is revoked.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select

from airspace.formats.inline import zone_from_dict
from api.errors import ApiError
from api.models import DroneRow, ZoneRow
from api.services import zones as zone_service
from planner.conformance_events import Event
from planner.offnominal import ZONE_KIND, owner_flight, stadium_xy, volume_id

if TYPE_CHECKING:
    from api.telemetry.service import TelemetryService

log = logging.getLogger("qingkong.telemetry")

OFF_NOMINAL = ("nonconforming", "contingent")


class OffNominalVolumes:
    """Keeps one volume per off-nominal flight of a :class:`TelemetryService` (called under
    its lock after every batch and timer tick)."""

    def __init__(self, service: TelemetryService):
        self.svc = service
        self.settings = service.settings
        self.flights: set[str] = set()
        """Flights that are (or were, until the next update) off-nominal."""
        self.published_s: dict[str, float] = {}
        """Flight → the planner time its volume was last published for."""
        self._loaded = False
        self._limits: dict[str, tuple[float, float]] = {}

    def _load(self) -> None:
        # Volumes left in the store by an earlier run are withdrawn once their flight conforms.
        with self.svc.store.session() as s:
            ids = s.execute(
                select(ZoneRow.id).where(ZoneRow.kind == ZONE_KIND, ZoneRow.withdrawn.is_(False))
            ).scalars()
            for zid in ids:
                flight = owner_flight(zid)
                if flight is not None:
                    self.flights.add(flight)
                    self.published_s[flight] = -math.inf
        self._loaded = True

    def update(self, events: list[Event], now_s: float) -> None:
        """Publish or withdraw off-nominal volumes for the flights these events concern."""
        if not self.settings.offnominal_volumes:
            return
        if not self._loaded:
            self._load()
        for e in events:
            if e.kind == "state" and e.code in OFF_NOMINAL and e.flight:
                self.flights.add(e.flight)
        for flight in sorted(self.flights):
            try:
                if self.svc.monitor.state_of(flight) in OFF_NOMINAL:
                    self._refresh(flight, now_s)
                else:
                    self._withdraw(flight)
            except Exception:  # the live layer must keep running; the next batch retries
                log.exception("off-nominal volume of flight %s", flight)

    def _refresh(self, flight: str, now_s: float) -> None:
        svc = self.svc
        drone = svc.monitor.watches[flight].drone_id
        row = svc.latest.row_of.get(drone)
        if row is None:
            return  # no position yet: nothing to protect around
        x, y, z, t_s = (float(v) for v in svc.latest.xyzt[row])
        at_s = max(now_s, t_s)
        if at_s - self.published_s.get(flight, -math.inf) < self.settings.offnominal_refresh_s:
            return
        horizon_s = at_s + self.settings.offnominal_horizon_s - t_s
        vol = stadium_xy(
            (x, y, z),
            self._velocity(row, *self._limits_mps(drone)),
            horizon_s=horizon_s,
            radius_m=self.settings.offnominal_radius_m,
            vertical_m=svc.thresholds.vertical_m,
        )
        ring = np.asarray(vol.polygon_xy.exterior.coords)
        lon, lat = svc.projection.to_lonlat(ring[:, 0], ring[:, 1])
        state = svc.monitor.state_of(flight)
        zid = volume_id(flight)
        source = {
            "id": zid,
            "name": f"Off-nominal volume of flight {flight} ({state}) / 飞行 {flight} 偏离保护空域",
            "restriction": "PROHIBITED",
            "message": f"OFF_NOMINAL_VOLUME: flight {flight} is {state}",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]],
            },
            "lower_m": round(vol.lower_m, 3),
            "upper_m": round(vol.upper_m, 3),
            "reference": "AGL",
            "schedule": [
                {"start": min(t_s, now_s), "end": at_s + self.settings.offnominal_horizon_s}
            ],
        }
        airspace = svc.airspace
        zone = zone_from_dict(source, start=airspace.epoch, tz=airspace.deployment.tz)
        _, changes = zone_service.publish_zones(
            airspace, [(zone, ZONE_KIND, source)], replace_existing=True
        )
        first = flight not in self.published_s
        self.published_s[flight] = at_s
        (log.warning if first else log.info)(
            "off-nominal volume %s published (%s); %d other flights re-checked",
            zid,
            state,
            len(changes),
        )

    def _limits_mps(self, drone: str) -> tuple[float, float]:
        """The drone's registered maximum ground speed and vertical rate."""
        limits = self._limits.get(drone)
        if limits is None:
            with self.svc.store.session() as s:
                row = s.get(DroneRow, drone)
                limits = (
                    (math.inf, math.inf)
                    if row is None
                    else (row.max_speed_mps or math.inf, row.vertical_rate_mps or math.inf)
                )
            self._limits[drone] = limits
        return limits

    def _velocity(
        self, row: int, max_speed_mps: float, max_vertical_mps: float
    ) -> tuple[float, float, float]:
        """(vx, vy, vz) in m/s: reported speed and track, else from the last two positions;
        no faster than the drone can fly (a jump in position is not extrapolated)."""
        latest = self.svc.latest
        speed, track_deg, vs = (float(v) for v in latest.velocity[row])
        (x, y, z, t), (px, py, pz, pt) = latest.xyzt[row], latest.previous[row]
        dt = float(t - pt)
        moved = math.isfinite(dt) and 0 < dt <= self.settings.offnominal_horizon_s
        if math.isfinite(speed) and math.isfinite(track_deg):
            vx = speed * math.sin(math.radians(track_deg))
            vy = speed * math.cos(math.radians(track_deg))
        elif moved:
            vx, vy = float(x - px) / dt, float(y - py) / dt
        else:
            vx = vy = 0.0
        if not math.isfinite(vs):
            vs = float(z - pz) / dt if moved else 0.0
        vs = max(-max_vertical_mps, min(max_vertical_mps, vs))
        ground = math.hypot(vx, vy)
        if ground > max_speed_mps:
            vx, vy = vx * max_speed_mps / ground, vy * max_speed_mps / ground
        return vx, vy, vs

    def _withdraw(self, flight: str) -> None:
        self.flights.discard(flight)
        if self.published_s.pop(flight, None) is None:
            return
        try:
            zone_service.withdraw_zone(self.svc.airspace, volume_id(flight))
        except ApiError:
            return  # already withdrawn (by a regulator, or another replica)
        log.warning("off-nominal volume %s withdrawn", volume_id(flight))

    def volumes(self) -> dict[str, Any]:
        """Flight → planner time its volume was last published (for tests and status)."""
        return dict(self.published_s)
