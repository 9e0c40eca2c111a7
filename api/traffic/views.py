"""What each role sees of a live track, shaped after ASTM F3411 network Remote ID.

A track is a ``RIDFlight`` (``id``, ``aircraft_type``, ``current_state``, ``simulated``) with
three qingkong fields beside it (``kind``, ``drone_class``, ``conformance``) and ``age_s``.
``current_state`` is a ``RIDAircraftState``: ``timestamp`` (RFC 3339 in the deployment's time
zone), ``position`` (``lat``, ``lng``, ``alt`` above the WGS84 ellipsoid, ``height`` above
ground), ``track`` (degrees from true north), ``speed`` and ``vertical_speed`` (m/s), with
F3411's own "unknown" values (track 361, speed 255, vertical speed 63) when a drone did not
report them.

Who sees what:

- everyone with a key (``public``, sensors, operators for other operators' flights) sees the
  track under its session id, a stable random-looking id per flight (an HMAC of the flight id
  under a secret kept in the store), never the operator, drone, serial or plan;
- ``police``, regulators and admins, and an operator for its own flights, also see
  ``details``, a ``RIDFlightDetails`` (``operator_id``, ``uas_id`` with ``serial_number``,
  ``registration_id`` and ``specific_session_id``) with ``flight`` and ``drone``; the detail
  endpoint adds the approved ``plan``. ``track`` is the name tactical alerts use
  (``telemetry/<drone>``, ``surveillance/<id>``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Any

from airspace.deployment import Deployment
from airspace.zones import VerticalReference, from_agl_m
from api.auth import Principal, Role
from api.traffic.live import LiveTrack

UNKNOWN_TRACK = 361.0
UNKNOWN_SPEED = 255.0
UNKNOWN_VERTICAL_SPEED = 63.0
FULL_ROLES = (Role.POLICE, Role.REGULATOR, Role.ADMIN)


def session_id(secret: bytes, track: LiveTrack, day: str) -> str:
    """The public id of a track: per flight; a drone flying without a flight gets one per day;
    a surveillance track one per sensor track.

    >>> t = LiveTrack("telemetry/DR-1", "drone", 120.3, 36.1, 60.0, 0.0, None, None, None,
    ...               drone="DR-1", flight="F-1")
    >>> session_id(b"k", t, "2026-11-29") == session_id(b"k", t, "2026-11-30")
    True
    >>> len(session_id(b"k", t, "2026-11-29"))
    18
    """
    if track.flight:
        subject = "flight:" + track.flight
    elif track.drone:
        subject = f"drone:{track.drone}:{day}"
    else:
        subject = "track:" + track.key
    digest = hmac.new(secret, subject.encode(), hashlib.sha256).hexdigest()
    return "QK" + digest[:16]


def sees_in_full(user: Principal, track: LiveTrack) -> bool:
    """Whether ``user`` sees who flies ``track`` (police, regulators, or its own operator)."""
    if user.role in FULL_ROLES:
        return True
    return (
        user.role == Role.OPERATOR
        and track.operator is not None
        and (track.operator == user.operator_id)
    )


def _number(value: float | None, unknown: float, ndigits: int) -> float:
    return unknown if value is None else round(value, ndigits)


def conformance_of(track: LiveTrack) -> str | None:
    """The flight's state (ASTM F3548: ``activated``, ``nonconforming``, ``contingent``...),
    ``no_flight`` for a drone flying without an approved flight, ``None`` for traffic
    nobody here operates."""
    if track.kind != "drone" or track.drone is None:
        return None
    return track.flight_state or "no_flight"


def public_view(
    track: LiveTrack,
    *,
    ident: str,
    now_s: float,
    deployment: Deployment,
    to_datetime: Callable[[float], datetime],
    drone_class: str | None,
) -> dict[str, Any]:
    """The fields everyone sees (see the module docstring)."""
    airborne = track.altitude_m >= 2.0
    conformance = conformance_of(track)
    status = "Airborne" if airborne else "Ground"
    if conformance == "contingent":
        status = "Emergency"
    return {
        "id": ident,
        "aircraft_type": "NotDeclared",
        "current_state": {
            "timestamp": {"value": to_datetime(track.t_s).isoformat(), "format": "RFC3339"},
            "timestamp_accuracy": 0.0,
            "operational_status": status,
            "position": {
                "lat": round(track.lat, 7),
                "lng": round(track.lon, 7),
                "alt": round(from_agl_m(track.altitude_m, VerticalReference.WGS84, deployment), 2),
                "height": {"distance": round(track.altitude_m, 2), "reference": "GroundLevel"},
            },
            "track": _number(track.track_deg, UNKNOWN_TRACK, 1),
            "speed": _number(track.speed_mps, UNKNOWN_SPEED, 2),
            "speed_accuracy": "SAUnknown",
            "vertical_speed": _number(track.vertical_speed_mps, UNKNOWN_VERTICAL_SPEED, 2),
        },
        "simulated": False,
        "kind": track.kind,
        "drone_class": drone_class,
        "conformance": conformance,
        "age_s": round(max(now_s - track.t_s, 0.0), 2),
    }


def details_view(track: LiveTrack, *, ident: str, serial: str | None) -> dict[str, Any]:
    """Who flies the track (police, regulators, its own operator)."""
    details: dict[str, Any] = {
        "id": ident,
        "operator_id": track.operator,
        "uas_id": {
            "serial_number": serial,
            "registration_id": track.drone,
            "specific_session_id": ident,
        },
        "flight": track.flight,
        "drone": track.drone,
        "track": track.key,
    }
    if track.source is not None:
        details["sensor"] = track.source
        details["sensor_track"] = track.key.split("/", 1)[1]
    return details
