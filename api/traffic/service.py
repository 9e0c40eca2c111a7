"""The traffic picture's service functions: the tracks in a box and one track's details, each
shown as the caller's role allows (:mod:`api.traffic.views`), with the box-size and rate limits."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from datetime import datetime
from typing import Any

from sqlalchemy import select

from api.airspace_state import AirspaceState
from api.auth import Principal, Role
from api.errors import ApiError, bad_field
from api.models import DroneRow, FlightRow
from api.scoped_ids import for_operator
from api.store import Store
from api.traffic.live import LiveSky, LiveTrack
from api.traffic.views import details_view, public_view, sees_in_full, session_id

KM_PER_DEGREE = 111.32


def parse_bbox(
    text: str, max_area_km2: float, *, full: bool = False
) -> tuple[float, float, float, float]:
    """``min_lon,min_lat,max_lon,max_lat`` in degrees, checked (422 names what to fix).

    >>> parse_bbox("120.3,36.0,120.4,36.1", 2500)
    (120.3, 36.0, 120.4, 36.1)
    """
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise bad_field("bbox", "send four numbers: min_lon,min_lat,max_lon,max_lat (degrees)")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise bad_field("bbox", "longitudes must lie in [-180, 180]")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise bad_field(
            "bbox", "latitudes must lie in [-90, 90] (the order is min_lon,min_lat,max_lon,max_lat)"
        )
    if min_lon >= max_lon or min_lat >= max_lat:
        raise bad_field("bbox", "the minimum must be below the maximum on both axes")
    mid = math.radians((min_lat + max_lat) / 2)
    area = (max_lat - min_lat) * KM_PER_DEGREE * (max_lon - min_lon) * KM_PER_DEGREE * math.cos(mid)
    if area > max_area_km2:
        raise bad_field(
            "bbox",
            f"the box covers {area:.0f} km², more than the {max_area_km2:g} km² allowed "
            f"(QINGKONG_TRAFFIC_MAX_AREA{'_FULL' if full else ''}_KM2); ask for a smaller box",
        )
    return min_lon, min_lat, max_lon, max_lat


class RateLimit:
    """At most ``per_minute`` requests per key in any 60 s (429 otherwise)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, user_id: int) -> None:
        """Count one call of ``user_id`` (429 above the rate limit)."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(user_id, deque())
            while seen and now - seen[0] >= 60.0:
                seen.popleft()
            if len(seen) >= self.per_minute:
                wait_s = 60.0 - (now - seen[0])
                raise ApiError(
                    429,
                    "rate_limited",
                    f"more than {self.per_minute} traffic requests in a minute "
                    f"(QINGKONG_TRAFFIC_RATE_PER_MIN); try again in {math.ceil(wait_s)} s, "
                    "or follow GET /v1/traffic/stream",
                )
            seen.append(now)


class TrafficService:
    """Tracks in a box, and one track, by role."""

    def __init__(
        self,
        sky: LiveSky,
        airspace: AirspaceState,
        store: Store,
        *,
        secret: bytes,
        max_area_km2: float,
        max_area_full_km2: float,
        rate_per_min: int,
    ) -> None:
        self.sky = sky
        self.airspace = airspace
        self.store = store
        self.secret = secret
        self.max_area_km2 = max_area_km2
        self.max_area_full_km2 = max_area_full_km2
        self.limit = RateLimit(rate_per_min)

    def _day(self, t_s: float) -> str:
        return (
            self.airspace.to_datetime(t_s)
            .astimezone(self.airspace.deployment.tz)
            .date()
            .isoformat()
        )

    def _to_local(self, t_s: float) -> datetime:
        return self.airspace.to_datetime(t_s).astimezone(self.airspace.deployment.tz)

    def _drones(self, tracks: list[LiveTrack]) -> dict[str, tuple[str, str]]:
        ids = {t.drone for t in tracks if t.drone}
        if not ids:
            return {}
        with self.store.session() as s:
            rows = s.execute(
                select(DroneRow.id, DroneRow.serial, DroneRow.drone_class).where(
                    DroneRow.id.in_(ids)
                )
            )
            return {r.id: (r.serial, r.drone_class) for r in rows}

    def _show(self, user: Principal, tracks: list[LiveTrack], now_s: float) -> list[dict[str, Any]]:
        drones = self._drones(tracks)
        local: dict[float, datetime] = {}  # reports share their times: convert each once

        def to_local(t_s: float) -> datetime:
            if t_s not in local:
                local[t_s] = self._to_local(t_s)
            return local[t_s]

        out = []
        for t in tracks:
            ident = session_id(self.secret, t, to_local(t.t_s).date().isoformat())
            serial, drone_class = drones.get(t.drone or "", (None, None))
            view = public_view(
                t,
                ident=ident,
                now_s=now_s,
                deployment=self.airspace.deployment,
                to_datetime=to_local,
                drone_class=drone_class,
            )
            if sees_in_full(user, t):
                view["details"] = details_view(t, ident=ident, serial=serial)
                if user.role == Role.OPERATOR:  # its own flight, in its own ids
                    view["details"] = for_operator(view["details"], user.operator_id or "")
            out.append(view)
        return out

    def check_box(self, user: Principal, bbox: str) -> tuple[float, float, float, float]:
        """Parse ``bbox`` against the caller's area limit (police, regulators and registered
        operators may watch a whole city; a public app or a sensor key a neighbourhood) and
        count the request against its rate."""
        full = user.role not in (Role.PUBLIC, Role.SENSOR)
        box = parse_bbox(bbox, self.max_area_full_km2 if full else self.max_area_km2, full=full)
        self.limit.check(user.user_id)
        return box

    def in_box(self, user: Principal, bbox: str) -> dict[str, Any]:
        """The live tracks inside ``bbox`` (``min_lon,min_lat,max_lon,max_lat``), newest first."""
        return self.snapshot(user, self.check_box(user, bbox))

    def snapshot(self, user: Principal, box: tuple[float, float, float, float]) -> dict[str, Any]:
        """The tracks in an already checked box (the list and the stream)."""
        now_s = self.airspace.now_s()
        tracks = self.sky.tracks(now_s, box)
        tracks.sort(key=lambda t: (-t.t_s, t.key))
        return {
            "time": self._to_local(now_s).isoformat(),
            "max_age_s": self.sky.max_age_s,
            "tracks": self._show(user, tracks, now_s),
        }

    def one(self, user: Principal, ident: str) -> dict[str, Any]:
        """One live track by its session id; with the approved plan for those who see it in
        full (404 when no live track has that id)."""
        self.limit.check(user.user_id)
        now_s = self.airspace.now_s()
        for t in self.sky.tracks(now_s):
            if session_id(self.secret, t, self._day(t.t_s)) == ident:
                (view,) = self._show(user, [t], now_s)
                if "details" in view:
                    view["plan"] = self._plan(t.flight)
                    if user.role == Role.OPERATOR:
                        view["plan"] = for_operator(view["plan"], user.operator_id or "")
                return view
        raise ApiError(
            404,
            "not_found",
            f"no live track {ident!r} (tracks leave the picture "
            f"{self.sky.max_age_s:g} s after their last report)",
        )

    def _plan(self, flight: str | None) -> dict[str, Any] | None:
        if not flight:
            return None
        with self.store.session() as s:
            row = s.get(FlightRow, flight)
            if row is None:
                return None
            decision = dict(row.decision or {})
        plan: dict[str, Any] = {"flight": flight, "state": row.state}
        if decision.get("trajectory"):
            plan["trajectory"] = [
                [lon, lat, alt, self._to_local(t).isoformat()]
                for lon, lat, alt, t in decision["trajectory"]
            ]
        if decision.get("area"):
            plan |= {k: decision[k] for k in ("area", "lower_m", "upper_m")}
            plan["start"] = self._to_local(decision["start"]).isoformat()
            plan["end"] = self._to_local(decision["end"]).isoformat()
        return plan
