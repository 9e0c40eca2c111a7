"""The live traffic picture: telemetry tracks joined to tactical detection, and who is flying
here by role (``/v1/traffic``); see :mod:`api.traffic.live` and :mod:`api.traffic.views`."""

from __future__ import annotations

import atexit
import secrets
import weakref
from typing import Any

from fastapi import APIRouter

from api.traffic.live import LiveSky
from api.traffic.service import TrafficService

_MONITORS: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _stop_cycles() -> None:
    """End the tactical cycle threads before the interpreter tears down (a daemon thread
    caught inside a kernel call at exit can abort the process)."""
    for monitor in list(_MONITORS):
        monitor.stop(timeout_s=2.0)


def install(app: Any) -> TrafficService:
    """Feed the telemetry tracks into the tactical monitor (and wake its cycle on every batch
    of positions) and mount ``/v1/traffic``. Needs :mod:`api.telemetry` and
    :mod:`api.tactical_monitor` installed first."""
    from api.traffic.routes import router

    settings = app.state.settings
    airspace = app.state.airspace
    sky = LiveSky(
        app.state.telemetry,
        app.state.surveillance,
        airspace.projection,
        max_age_s=settings.traffic_max_age_s,
    )
    tactical = app.state.tactical
    tactical.add_source(sky.telemetry_tracks)
    app.state.telemetry.listeners.append(tactical.ensure_running)
    _MONITORS.add(tactical)
    # One secret per store, so session ids agree across restarts and replicas.
    secret = app.state.store.meta("traffic_session_secret", secrets.token_hex(32))
    service = TrafficService(
        sky,
        airspace,
        app.state.store,
        secret=bytes.fromhex(secret),
        max_area_km2=settings.traffic_max_area_km2,
        max_area_full_km2=settings.traffic_max_area_full_km2,
        rate_per_min=settings.traffic_rate_per_min,
    )
    app.state.traffic = service
    mqtt = getattr(app.state, "mqtt", None)
    if mqtt is not None:  # qingkong/v1/surveillance/{source} through the one broker connection
        from api.traffic.mqtt_surveillance import handler

        mqtt.on_surveillance = handler(app)
    v1 = APIRouter(prefix="/v1")
    v1.include_router(router)
    app.include_router(v1)
    return service


__all__ = ["LiveSky", "TrafficService", "install"]
