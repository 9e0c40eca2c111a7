"""Reading positions at the edge: one JSON position object (HTTP batch item or MQTT payload)
becomes a row of plain floats on the planner clock, or a refusal that says what to fix.

A position: ``drone``, ``time`` (RFC 3339 with an offset), ``lon``, ``lat``, ``altitude_m``,
optional ``reference`` (``AGL`` default, ``AMSL``, ``WGS84``), ``speed_mps``, ``track_deg``,
``vertical_speed_mps`` and ``flight``. Altitudes are turned into heights above ground here,
once.

Examples
--------
>>> from datetime import datetime, timezone
>>> from airspace.deployment import QINGDAO
>>> reader = PositionReader(QINGDAO, epoch=datetime(2026, 1, 1, tzinfo=timezone.utc),
...                         max_age_s=60, max_ahead_s=5)
>>> p = {"drone": "D-1", "time": "2026-01-01T00:00:10Z", "lon": 120.38, "lat": 36.07,
...      "altitude_m": 50}
>>> reader.read(p, now_s=12.0)
Position(drone='D-1', flight=None, t_s=10.0, lon=120.38, lat=36.07, altitude_m=50.0, speed_mps=None, track_deg=None, vertical_speed_mps=None)
>>> reader.read(dict(p, lon=36.07, lat=120.38), now_s=12.0)
Refusal(code='TELEMETRY_INVALID', message='lat: 120.38 is not a latitude; positions are lon, lat (were they swapped?)', drone='D-1')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple, cast

from airspace.deployment import Deployment
from airspace.projection import Projection

BELOW_GROUND_M = -10.0
"""A height above ground below this is refused (a sign error or a wrong reference)."""
_OPTIONAL = ("speed_mps", "track_deg", "vertical_speed_mps")
_KNOWN = {"drone", "time", "lon", "lat", "altitude_m", "reference", "flight", *_OPTIONAL}


class Position(NamedTuple):
    """One position report, checked (times in planner seconds, altitude in m AGL)."""

    drone: str
    flight: str | None
    t_s: float
    lon: float
    lat: float
    altitude_m: float
    speed_mps: float | None
    track_deg: float | None
    vertical_speed_mps: float | None


class Refusal(NamedTuple):
    """A position report refused, and why."""

    code: str  # TELEMETRY_INVALID | TELEMETRY_TIME (TELEMETRY_MISMATCH is decided by the owner)
    message: str
    drone: str | None


_NUMBER_TYPES = (float, int)


def _number(p: dict[str, Any], key: str, required: bool) -> float | None:
    v = p.get(key)
    if type(v) in _NUMBER_TYPES:  # the hot path; bool is excluded (type, not isinstance)
        f = float(cast(float, v))
        if math.isfinite(f):
            return f
        raise ValueError(f"{key}: must be a finite number")
    if v is None:
        if required:
            raise ValueError(f"{key}: required")
        return None
    raise ValueError(f"{key}: must be a number, got {type(v).__name__}")


@dataclass(frozen=True)
class PositionReader:
    """Validates positions for one deployment and planner epoch.

    Parameters
    ----------
    deployment : Deployment
        Ground elevation and geoid for AMSL / WGS84 altitudes, the served area.
    epoch : datetime
        The planner clock's zero.
    max_age_s, max_ahead_s : float
        Positions older than ``now - max_age_s`` or later than ``now + max_ahead_s`` are
        refused with ``TELEMETRY_TIME``.
    """

    deployment: Deployment
    epoch: datetime
    max_age_s: float
    max_ahead_s: float

    @cached_property
    def area(self) -> tuple[float, float, float, float] | None:
        """West, south, east, north of the served area (the projection's, widened 0.5 deg)."""
        b = Projection.for_deployment(self.deployment).bounds_lonlat
        return None if b is None else (b[0] - 0.5, b[1] - 0.5, b[2] + 0.5, b[3] + 0.5)

    def read(self, p: Any, *, now_s: float) -> Position | Refusal:
        """One position, or the reason it is refused."""
        if not isinstance(p, dict):
            return Refusal("TELEMETRY_INVALID", "a position must be a JSON object", None)
        drone = p.get("drone")
        if not isinstance(drone, str) or not drone:
            return Refusal("TELEMETRY_INVALID", "drone: required (the registered drone id)", None)
        try:
            return self._read(p, drone, now_s)
        except ValueError as e:
            code = "TELEMETRY_TIME" if str(e).startswith("time: is ") else "TELEMETRY_INVALID"
            return Refusal(code, str(e), drone)

    def _read(self, p: dict[str, Any], drone: str, now_s: float) -> Position:
        unknown = () if p.keys() <= _KNOWN else sorted(set(p) - _KNOWN)
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown field (known: {', '.join(sorted(_KNOWN))})")
        lon = _number(p, "lon", True)
        lat = _number(p, "lat", True)
        alt = _number(p, "altitude_m", True)
        assert lon is not None and lat is not None and alt is not None
        if abs(lat) > 90:
            hint = " (were they swapped?)" if abs(lon) <= 90 else ""
            raise ValueError(f"lat: {lat} is not a latitude; positions are lon, lat{hint}")
        if abs(lon) > 180:
            raise ValueError(f"lon: {lon} is not a longitude")
        area = self.area
        if area is not None and not (area[0] <= lon <= area[2] and area[1] <= lat <= area[3]):
            raise ValueError(
                f"lon, lat: {lon}, {lat} is outside the area this service watches "
                f"(lon {area[0]}..{area[2]}, lat {area[1]}..{area[3]})"
            )
        ref = p.get("reference", "AGL")
        dep = self.deployment
        if ref == "AMSL":
            alt -= dep.ground_elevation_m
        elif ref == "WGS84":
            alt -= dep.geoid_undulation_m + dep.ground_elevation_m
        elif ref != "AGL":
            raise ValueError(f"reference: {ref!r} is not one of AGL, AMSL, WGS84")
        if alt < BELOW_GROUND_M:
            raise ValueError(f"altitude_m: {alt:.1f} m above ground is below the ground")
        t_s = self._time(p.get("time"), now_s)
        flight = p.get("flight")
        if flight is not None and not isinstance(flight, str):
            raise ValueError("flight: must be a flight id string")
        opt = [_number(p, k, False) for k in _OPTIONAL]
        return Position(drone, flight, t_s, lon, lat, alt, *opt)

    def _time(self, value: Any, now_s: float) -> float:
        if not isinstance(value, str):
            raise ValueError(
                "time: required, an RFC 3339 instant such as 2026-12-01T08:00:00+08:00"
            )
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"time: {value!r} is not RFC 3339") from None
        if dt.tzinfo is None:
            raise ValueError(f"time: {value!r} needs an offset or Z")
        t_s = (dt - self.epoch).total_seconds()
        if t_s > now_s + self.max_ahead_s:
            raise ValueError(
                f"time: is {t_s - now_s:.1f} s in the future (clock not synchronised?)"
            )
        if t_s < now_s - self.max_age_s:
            raise ValueError(f"time: is {now_s - t_s:.0f} s old (at most {self.max_age_s:.0f} s)")
        return t_s
