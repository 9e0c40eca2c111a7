"""ASTM F3548 ``Volume4D`` (wire format) <-> the planner's area operations.

An F3548 operational-intent volume is a polygon or circle outline, an altitude band (WGS84 or
above ground, metres or feet) and a time window in RFC 3339. This module moves a volume to a
real place keeping its shape in metres (:func:`translate_volume4d`), turns one into a
:class:`~planner.requests.FlightRequest` with an :class:`~planner.requests.AreaRoute`
(:func:`volume4d_to_request`, used by the InterUSS flight_planning interface in ``api/interuss``
and by the intent reader :mod:`planner.interuss`), gives its horizontal outline
(:func:`volume4d_outline`), and writes an area operation back as a volume
(:func:`area_to_volume4d`). With separation minima S_h = S_v = 0.01 m the planner then decides
with F3548 volume semantics (volumes that touch or overlap, to 1 cm, conflict).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
from pyproj import CRS, Transformer
from shapely.geometry import Polygon

from airspace.clock import read_datetime
from airspace.deployment import Deployment
from airspace.drones import Drone
from airspace.zones import FEET_M, Circle
from planner.requests import AreaRoute, FlightRequest


class IntentFormatError(ValueError):
    """A flight intent cannot be read; the message names the intent and field."""


def rfc3339_json(t: datetime) -> dict[str, str]:
    """An aware instant as an F3548 ``Time`` (UTC, ``Z`` suffix).

    Examples
    --------
    >>> from datetime import timedelta, timezone
    >>> rfc3339_json(datetime(2026, 12, 1, 16, tzinfo=timezone(timedelta(hours=8))))
    {'value': '2026-12-01T08:00:00Z', 'format': 'RFC3339'}
    """
    t = t.astimezone(UTC)
    return {"value": t.isoformat().replace("+00:00", "Z"), "format": "RFC3339"}


@lru_cache(maxsize=64)
def _aeqd(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m")
    return (
        Transformer.from_crs("EPSG:4326", crs, always_xy=True),
        Transformer.from_crs(crs, "EPSG:4326", always_xy=True),
    )


def transfer_lonlat(
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    to_lonlat: tuple[float, float],
    from_lonlat: tuple[float, float] = (0.0, 0.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Move points from around ``from_lonlat`` to around ``to_lonlat`` keeping metre offsets.

    Each point keeps its distance and bearing from the reference point (azimuthal
    equidistant projections at both ends), so shapes, gaps (11.7 m) and overlaps (1.1 cm)
    survive the move; adding degrees instead would shrink east-west distances by cos(lat).
    """
    fwd, _ = _aeqd(float(from_lonlat[0]), float(from_lonlat[1]))
    _, inv = _aeqd(float(to_lonlat[0]), float(to_lonlat[1]))
    x, y = fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    lon2, lat2 = inv.transform(x, y)
    return np.asarray(lon2, dtype=float), np.asarray(lat2, dtype=float)


def translate_volume4d(
    volume4d: Mapping[str, Any],
    *,
    to_lonlat: tuple[float, float],
    from_lonlat: tuple[float, float] = (0.0, 0.0),
    altitude_offset_m: float = 0.0,
) -> dict[str, Any]:
    """A copy of an F3548 ``Volume4D`` moved to a real place (see :func:`transfer_lonlat`);
    altitudes in metres get ``altitude_offset_m`` added (feet are converted)."""
    out = copy.deepcopy(dict(volume4d))
    vol = out["volume"]
    if "outline_polygon" in vol:
        verts = vol["outline_polygon"]["vertices"]
        lon, lat = transfer_lonlat(
            np.array([v["lng"] for v in verts]),
            np.array([v["lat"] for v in verts]),
            to_lonlat=to_lonlat,
            from_lonlat=from_lonlat,
        )
        vol["outline_polygon"]["vertices"] = [
            {"lat": float(b), "lng": float(a)} for a, b in zip(lon, lat, strict=True)
        ]
    if "outline_circle" in vol:
        c = vol["outline_circle"]["center"]
        lon, lat = transfer_lonlat(
            np.array([c["lng"]]), np.array([c["lat"]]), to_lonlat=to_lonlat, from_lonlat=from_lonlat
        )
        vol["outline_circle"]["center"] = {"lat": float(lat[0]), "lng": float(lon[0])}
    for key in ("altitude_lower", "altitude_upper"):
        if key in vol:
            vol[key] = {
                "value": _altitude_m(vol[key], key) + float(altitude_offset_m),
                "reference": vol[key].get("reference", "W84"),
                "units": "M",
            }
    return out


def _altitude_m(alt: Mapping[str, Any], what: str) -> float:
    try:
        value = float(alt["value"])
    except (KeyError, TypeError, ValueError):
        raise IntentFormatError(f"{what}.value: expected a number") from None
    units = str(alt.get("units", "M")).upper()
    if units not in ("M", "FT"):
        raise IntentFormatError(f"{what}.units: expected M or FT, got {units!r}")
    return value * FEET_M if units == "FT" else value


def _parse_time(t: Mapping[str, Any], what: str) -> datetime:
    try:
        value = read_datetime(str(t["value"]))
    except (KeyError, TypeError, ValueError):
        raise IntentFormatError(f"{what}: expected an RFC 3339 time") from None
    if value.tzinfo is None:
        raise IntentFormatError(f"{what}: {t['value']!r} has no time zone")
    return value


def volume4d_outline(volume4d: Mapping[str, Any]) -> Polygon:
    """The horizontal outline of a ``Volume4D`` as a lon/lat polygon (circles to within 1 m,
    containing them)."""
    vol = volume4d["volume"]
    if "outline_polygon" in vol:
        verts = vol["outline_polygon"]["vertices"]
        return Polygon([(float(v["lng"]), float(v["lat"])) for v in verts])
    circle = vol["outline_circle"]
    radius = circle["radius"]
    radius_m = float(radius["value"]) * (
        FEET_M if str(radius.get("units", "M")).upper() == "FT" else 1.0
    )
    return Circle(
        float(circle["center"]["lng"]), float(circle["center"]["lat"]), radius_m
    ).to_polygon()


def volume4d_to_request(
    volume4d: Mapping[str, Any],
    *,
    flight_id: str,
    drone: Drone,
    epoch: datetime,
    priority: int = 0,
    deployment: Deployment | None = None,
    ground_w84_m: float | None = None,
) -> FlightRequest:
    """A fixed-window area operation for one F3548 ``Volume4D``.

    The operation starts at ``time_start`` (seconds after ``epoch``, the planner's clock),
    lasts until ``time_end`` and may not move (earliest = latest departure). WGS84 altitudes
    become heights above ground by subtracting ``ground_w84_m`` (default: the deployment's
    ground elevation plus geoid undulation; the standard InterUSS intents want 0). A lower
    limit below the ground is raised to the ground: nothing flies there.
    """
    vol = volume4d["volume"]
    if "time_start" not in volume4d or "time_end" not in volume4d:
        raise IntentFormatError(f"intent {flight_id!r}: volume needs time_start and time_end")
    if ground_w84_m is None:
        ground_w84_m = (
            0.0
            if deployment is None
            else deployment.ground_elevation_m + deployment.geoid_undulation_m
        )
    band = []
    for key in ("altitude_lower", "altitude_upper"):
        if key not in vol:
            raise IntentFormatError(f"intent {flight_id!r}: volume needs {key}")
        value_m = _altitude_m(vol[key], key)
        reference = str(vol[key].get("reference", "W84")).upper()
        if reference == "W84":
            value_m -= ground_w84_m
        elif reference != "SFC":
            raise IntentFormatError(f"intent {flight_id!r}: {key}.reference must be W84 or SFC")
        band.append(value_m)
    lower_m, upper_m = max(band[0], 0.0), band[1]
    start = _parse_time(volume4d["time_start"], "time_start")
    end = _parse_time(volume4d["time_end"], "time_end")
    start_s = (start - epoch).total_seconds()
    duration_s = (end - start).total_seconds()
    if duration_s <= 0.0:
        raise IntentFormatError(f"intent {flight_id!r}: time_end must be after time_start")
    if upper_m <= lower_m:
        raise IntentFormatError(
            f"intent {flight_id!r}: altitude_upper must be above the ground and altitude_lower"
        )
    return FlightRequest(
        flight_id=flight_id,
        drone=drone,
        route=AreaRoute(volume4d_outline(volume4d), lower_m, upper_m, duration_s),
        earliest_s=start_s,
        latest_s=start_s,
        speed_mps=None,
        priority=int(priority),
        operator_id=drone.operator_id,
    )


def area_to_volume4d(
    polygon: Polygon, lower_m: float, upper_m: float, start: datetime, end: datetime
) -> dict[str, Any]:
    """An area operation (lon/lat polygon, heights above ground) as an F3548 ``Volume4D``
    with ``SFC`` altitudes."""
    ring = list(polygon.exterior.coords)[:-1]
    return {
        "volume": {
            "outline_polygon": {
                "vertices": [{"lat": float(lat), "lng": float(lon)} for lon, lat in ring]
            },
            "altitude_lower": {"value": float(lower_m), "reference": "SFC", "units": "M"},
            "altitude_upper": {"value": float(upper_m), "reference": "SFC", "units": "M"},
        },
        "time_start": rfc3339_json(start),
        "time_end": rfc3339_json(end),
    }
