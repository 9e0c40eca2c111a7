"""Every live track of the service in one place: drones reporting telemetry and surveillance
tracks (crewed aircraft, uncooperative drones), as :class:`LiveTrack` records in deployment
metres and planner seconds, plus the telemetry source of the tactical cycle.

A telemetry track is named ``telemetry/<drone>`` among the tactical cycle's tracks (surveillance
tracks are ``surveillance/<id>``). Its velocity is the one the drone reports (ground speed,
track from true north, vertical speed), turned into the projection's east/north axes by moving
the point one second ahead on the ellipsoid, as the surveillance picture does; a drone that
reports no speed is predicted where it is (hovering).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from airspace.projection import Projection
from api.surveillance import TRACK_PREFIX, LiveTracks, SurveillancePicture
from api.telemetry.service import TelemetryService

TELEMETRY_PREFIX = "telemetry/"
"""Telemetry tracks are named ``telemetry/<drone>`` among all live tracks."""

_GEOD = Geod(ellps="WGS84")
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class LiveTrack:
    """One live track as last reported (not moved ahead): where, how fast, whose."""

    key: str
    """``telemetry/<drone>`` or ``surveillance/<id>``."""
    kind: str
    """``drone`` (telemetry, or a drone seen by a sensor), ``crewed`` or ``uncooperative``."""
    lon: float
    lat: float
    altitude_m: float
    """Metres above ground."""
    t_s: float
    speed_mps: float | None
    track_deg: float | None
    vertical_speed_mps: float | None
    drone: str | None = None
    flight: str | None = None
    flight_state: str | None = None
    operator: str | None = None
    source: str | None = None
    """The sensor that reported a surveillance track."""


def _velocity_xy(
    projection: Projection, lon: np.ndarray, lat: np.ndarray, speed: np.ndarray, track: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """East/north metres per second in the projection for ground speed and true track."""
    lon1, lat1, _ = _GEOD.fwd(lon, lat, track, speed)
    x, y = projection.to_xy(lon, lat)
    x1, y1 = projection.to_xy(lon1, lat1)
    return x1 - x, y1 - y


def _true_track(
    projection: Projection, x: np.ndarray, y: np.ndarray, vx: np.ndarray, vy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """lon, lat, ground speed and true track of projected states (the inverse of the above)."""
    lon, lat = projection.to_lonlat(x, y)
    lon1, lat1 = projection.to_lonlat(x + vx, y + vy)
    az, _, dist = _GEOD.inv(lon, lat, lon1, lat1)
    return lon, lat, np.asarray(dist, float), np.mod(np.asarray(az, float), 360.0)


class LiveSky:
    """Reads the telemetry service and the surveillance picture; holds no state of its own."""

    def __init__(
        self,
        telemetry: TelemetryService,
        surveillance: SurveillancePicture,
        projection: Projection,
        *,
        max_age_s: float,
    ) -> None:
        self.telemetry = telemetry
        self.surveillance = surveillance
        self.projection = projection
        self.max_age_s = max_age_s

    # -- the tactical source -------------------------------------------------------------------
    def telemetry_tracks(self, now_s: float) -> LiveTracks:
        """Drones reported within the maximum age, moved in a straight line to ``now_s``."""
        drones, flights, _states, data = self.telemetry.live_rows(now_s - self.max_age_s)
        if not drones:
            return LiveTracks.empty()
        x, y, z, t_s, speed, track, vs = data.T
        moving = np.isfinite(speed) & np.isfinite(track) & (speed > 0)
        vx = np.zeros(len(drones))
        vy = np.zeros(len(drones))
        if moving.any():
            lon, lat = self.projection.to_lonlat(x[moving], y[moving])
            vx[moving], vy[moving] = _velocity_xy(
                self.projection, lon, lat, speed[moving], track[moving]
            )
        vz = np.where(np.isfinite(vs), vs, 0.0)
        age = np.maximum(now_s - t_s, 0.0)
        states = np.column_stack([x + vx * age, y + vy * age, z + vz * age, vx, vy, vz])
        owners = self.telemetry.owners
        return LiveTracks(
            [TELEMETRY_PREFIX + d for d in drones],
            states,
            ["drone"] * len(drones),
            [owners.get(d) for d in drones],
            flights,
        )

    # -- the traffic picture -------------------------------------------------------------------
    def tracks(self, now_s: float, box: Box | None = None) -> list[LiveTrack]:
        """Every track reported within the maximum age, as reported (inside ``box``, when
        given: ``min_lon, min_lat, max_lon, max_lat``)."""
        return self._telemetry(now_s, box) + self._surveillance(now_s, box)

    def _telemetry(self, now_s: float, box: Box | None) -> list[LiveTrack]:
        drones, flights, states, data = self.telemetry.live_rows(now_s - self.max_age_s)
        if not drones:
            return []
        lon, lat = self.projection.to_lonlat(data[:, 0], data[:, 1])
        owners = self.telemetry.owners
        keep = _inside(lon, lat, box)
        return [
            LiveTrack(
                key=TELEMETRY_PREFIX + drone,
                kind="drone",
                lon=float(lon[i]),
                lat=float(lat[i]),
                altitude_m=float(data[i, 2]),
                t_s=float(data[i, 3]),
                speed_mps=_finite(data[i, 4]),
                track_deg=_finite(data[i, 5]),
                vertical_speed_mps=_finite(data[i, 6]),
                drone=drone,
                flight=flights[i],
                flight_state=states[i],
                operator=owners.get(drone),
            )
            for i, drone in enumerate(drones)
            if keep[i]
        ]

    def _surveillance(self, now_s: float, box: Box | None) -> list[LiveTrack]:
        held = self.surveillance.held(now_s)
        held = [h for h in held if now_s - h[1] <= self.max_age_s]
        if not held:
            return []
        st = np.array([h[2] for h in held])
        lon, lat, speed, track = _true_track(
            self.projection, st[:, 0], st[:, 1], st[:, 3], st[:, 4]
        )
        keep = _inside(lon, lat, box)
        return [
            LiveTrack(
                key=TRACK_PREFIX + ident,
                kind=kind,
                lon=float(lon[i]),
                lat=float(lat[i]),
                altitude_m=float(state[2]),
                t_s=t_s,
                speed_mps=float(speed[i]),
                track_deg=float(track[i]) if speed[i] > 0 else None,
                vertical_speed_mps=float(state[5]),
                source=source,
            )
            for i, (ident, t_s, state, kind, source) in enumerate(held)
            if keep[i]
        ]


def _finite(v: float) -> float | None:
    return None if v != v else float(v)  # nan: not reported


def _inside(lon: np.ndarray, lat: np.ndarray, box: Box | None) -> list[bool]:
    if box is None:
        return [True] * len(lon)
    min_lon, min_lat, max_lon, max_lat = box
    return ((lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)).tolist()
