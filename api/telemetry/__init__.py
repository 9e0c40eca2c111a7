"""The live layer: telemetry in (HTTP, MQTT), conformance, alerts out (see
:mod:`api.telemetry.service`)."""

from __future__ import annotations

from typing import Any

from api.telemetry.service import TelemetryService


def install(app: Any, airspace: Any, settings: Any) -> TelemetryService:
    """Start the live layer of an app: the service, its routes under ``/v1``, the lost-link
    timer and, when ``QINGKONG_MQTT_URL`` is set, the MQTT subscriber."""
    from fastapi import APIRouter

    from api.telemetry.routes import router

    service = TelemetryService(airspace, settings)
    app.state.telemetry = service
    v1 = APIRouter(prefix="/v1")
    v1.include_router(router)
    app.include_router(v1)
    service.start()
    if settings.mqtt_url:
        from api.telemetry.mqtt import MqttSubscriber

        app.state.mqtt = MqttSubscriber(settings.mqtt_url, service)
        app.state.mqtt.start()
    return service


__all__ = ["TelemetryService", "install"]
