"""The surveillance picture: crewed aircraft, uncooperative drones and drones seen by sensors.

Reports come in as the wire has them (lon/lat degrees, an altitude with its reference, ground
speed and track from true north, an RFC 3339 time) and are converted once, here: position to
the deployment's metres, altitude to metres above ground, time to planner seconds, and the
velocity to the projection's own east/north axes (projecting the point one second ahead along
its track on the ellipsoid, so that grid convergence, about 0.2 degrees in Qingdao, and scale
do not bend a fast aircraft's predicted path). The picture keeps the latest report of each
track in memory; :meth:`SurveillancePicture.live` gives every track not older than the
maximum age, moved in a straight line to a common instant, as :class:`LiveTracks` for the
tactical cycle (:mod:`api.tactical_monitor`).

Reports are idempotent (MQTT QoS 1 may deliver twice): a report no newer than the one held
for its track is counted as a duplicate and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

from airspace.deployment import Deployment
from airspace.errors import CoordinateError
from airspace.projection import Projection
from airspace.zones import VerticalReference, to_agl_m
from api.errors import bad_field
from api.surveillance_schemas import SurveillanceTrack

TRACK_PREFIX = "surveillance/"
"""Surveillance tracks are named ``surveillance/<id>`` among all live tracks."""
FUTURE_TOLERANCE_S = 5.0
"""Reports may be this far ahead of the service clock (sensor clocks drift); no further."""

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class LiveTracks:
    """Tracks at one instant, for tactical detection.

    ``states`` rows are ``x, y, z, vx, vy, vz`` (deployment metres, AGL, m/s); ``operators``
    and ``flights`` name who a track belongs to (``None`` for traffic nobody here operates).
    """

    ids: list[str]
    states: np.ndarray
    kinds: list[str]
    operators: list[str | None] = field(default_factory=list)
    flights: list[str | None] = field(default_factory=list)

    @staticmethod
    def empty() -> LiveTracks:
        """No tracks."""
        return LiveTracks([], np.zeros((0, 6)), [], [], [])

    @staticmethod
    def concat(parts: Sequence[LiveTracks]) -> LiveTracks:
        """All tracks of several sources (their ids must not clash)."""
        parts = [p for p in parts if p.ids]
        if not parts:
            return LiveTracks.empty()
        return LiveTracks(
            [i for p in parts for i in p.ids],
            np.vstack([p.states for p in parts]),
            [k for p in parts for k in p.kinds],
            [o for p in parts for o in p.operators],
            [f for p in parts for f in p.flights],
        )


@dataclass(frozen=True)
class IngestResult:
    """What one surveillance report did to the picture."""

    accepted: int
    duplicates: int
    live_tracks: int


@dataclass
class _Report:
    t_s: float
    state: np.ndarray
    kind: str
    source: str


class SurveillancePicture:
    """Latest report per surveillance track, in memory (thread-safe)."""

    def __init__(self, deployment: Deployment, *, max_tracks: int, max_age_s: float) -> None:
        self.deployment = deployment
        self.projection = Projection.for_deployment(deployment)
        self.max_tracks = max_tracks
        self.max_age_s = max_age_s
        self._tracks: dict[str, _Report] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._tracks)

    def _to_metres(self, reports: Sequence[SurveillanceTrack]) -> np.ndarray:
        """``(N, 6)`` states of the reports at their own times (positions checked per report)."""
        lon = np.array([r.lon for r in reports])
        lat = np.array([r.lat for r in reports])
        speed = np.array([r.speed_mps for r in reports])
        track = np.array([r.track_deg for r in reports])
        lon1, lat1, _ = _GEOD.fwd(lon, lat, track, speed)
        try:
            x, y = self.projection.to_xy(lon, lat)
            x1, y1 = self.projection.to_xy(lon1, lat1)
        except CoordinateError:
            for i, r in enumerate(reports):  # name the first report outside the area
                try:
                    self.projection.to_xy([r.lon], [r.lat])
                except CoordinateError as exc:
                    raise bad_field(f"body.tracks[{i}].lon", str(exc)) from None
            raise
        z = [
            to_agl_m(r.altitude_m, VerticalReference(r.altitude_reference), self.deployment)
            for r in reports
        ]
        vz = [r.vertical_speed_mps for r in reports]
        return np.column_stack([x, y, z, x1 - x, y1 - y, vz])

    def ingest(
        self,
        reports: Sequence[SurveillanceTrack],
        *,
        source: str,
        now_s: float,
        to_seconds: Callable[[float | str, str], float],
    ) -> IngestResult:
        """Keep the reports newer than what is held; refuse (422) times in the future or too
        many tracks, naming the report."""
        times = []
        for i, r in enumerate(reports):
            t_s = to_seconds(r.time, f"body.tracks[{i}].time")
            if t_s > now_s + FUTURE_TOLERANCE_S:
                raise bad_field(
                    f"body.tracks[{i}].time",
                    f"{t_s - now_s:.1f} s in the future of the service clock; "
                    "send the time the position was measured",
                )
            times.append(t_s)
        states = self._to_metres(reports)
        accepted = duplicates = 0
        with self._lock:
            new_ids = {r.id for r in reports} - self._tracks.keys()
            if len(self._tracks) + len(new_ids) > self.max_tracks:
                self._purge(now_s)
                if len(self._tracks) + len(new_ids) > self.max_tracks:
                    raise bad_field(
                        "body.tracks",
                        f"{len(new_ids)} new tracks would take the picture past its limit of "
                        f"{self.max_tracks} live tracks (QINGKONG_SURVEILLANCE_MAX_TRACKS); "
                        "nothing was stored",
                        status=429,
                    )
            for r, t_s, state in zip(reports, times, states, strict=True):
                held = self._tracks.get(r.id)
                if held is not None and held.t_s >= t_s:
                    duplicates += 1
                    continue
                self._tracks[r.id] = _Report(t_s, state, r.kind, source)
                accepted += 1
            live = len(self._tracks)
        return IngestResult(accepted, duplicates, live)

    def _purge(self, now_s: float) -> None:
        old = [k for k, r in self._tracks.items() if now_s - r.t_s > self.max_age_s]
        for k in old:
            del self._tracks[k]

    def live(self, now_s: float) -> LiveTracks:
        """Every track reported within the maximum age, moved ahead to ``now_s``."""
        with self._lock:
            self._purge(now_s)
            items = sorted(self._tracks.items())
        if not items:
            return LiveTracks.empty()
        states = np.array([r.state for _, r in items])
        age = np.array([now_s - r.t_s for _, r in items])
        states[:, :3] += states[:, 3:] * age[:, None]
        n = len(items)
        return LiveTracks(
            [TRACK_PREFIX + k for k, _ in items], states, [r.kind for _, r in items], [None] * n,
            [None] * n,
        )  # fmt: skip

    def held(self, now_s: float) -> list[tuple[str, float, np.ndarray, str, str]]:
        """The tracks reported within the maximum age, as reported: ``(id, t_s, state, kind,
        source)`` (for the traffic picture)."""
        with self._lock:
            self._purge(now_s)
            return [(k, r.t_s, r.state.copy(), r.kind, r.source) for k, r in self._tracks.items()]
