"""Conformance alerts as ``Notification`` rows of kind ``alert`` (payload ``episode`` =
``raised`` or ``cleared``, ``code``, ``flight``, ``drone``, ``time``, ``position`` in lon/lat,
``deviation``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np

from airspace.projection import Projection
from api.models import Notification
from api.store import utcnow
from planner.conformance_events import Event


def json_number(v: Any) -> Any:
    """A deviation value as JSON: finite floats as floats, NaN and infinities as ``None``.

    >>> json_number(float("nan")) is None, json_number(np.float64(2.5)), json_number("x")
    (True, 2.5, 'x')
    """
    if isinstance(v, float | np.floating):
        return None if not np.isfinite(v) else float(v)
    return v


def alert_notifications(
    events: list[Event],
    *,
    projection: Projection,
    operator_of: Callable[[Event], str],
    to_datetime: Callable[[float], datetime],
) -> list[Notification]:
    """One notification per alert episode, positions converted to lon/lat at once."""
    if not events:
        return []
    xyz = np.array([e.xyz if e.xyz is not None else (np.nan,) * 3 for e in events])
    ok = np.isfinite(xyz[:, 0])
    lon = np.full(len(events), np.nan)
    lat = np.full(len(events), np.nan)
    if ok.any():
        lon[ok], lat[ok] = projection.to_lonlat(xyz[ok, 0], xyz[ok, 1])
    now = utcnow()
    out = []
    for i, e in enumerate(events):
        position = None
        if ok[i]:
            position = {  # 1e-7 degrees is about a centimetre
                "lon": round(float(lon[i]), 7),
                "lat": round(float(lat[i]), 7),
                "altitude_m": float(xyz[i, 2]),
            }
        out.append(
            Notification(
                operator_id=operator_of(e),
                flight_id=e.flight or "",
                kind="alert",
                payload={
                    "episode": e.kind,
                    "code": e.code,
                    "flight": e.flight,
                    "drone": e.drone,
                    "time": to_datetime(e.t_s).isoformat(),
                    "position": position,
                    "deviation": {
                        k: json_number(v) for k, v in e.deviation.items() if k != "operator"
                    },
                },
                created_at=now,
            )
        )
    return out
