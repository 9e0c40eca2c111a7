"""Surveillance tracks over MQTT: ``qingkong/v1/surveillance/{source}``, the same tracks as
``POST /v1/surveillance`` (a ``{"tracks": [...]}`` body, a list of tracks or one track).

The broker's ACL lets each user publish only under its own name
(:mod:`api.telemetry.mosquitto`); here the source must also be the name of an active
``sensor`` (or regulator) key, so an operator's broker credentials cannot report traffic.
Nobody reads an answer on MQTT: a refused message is logged with what was wrong.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import select

from api import wire
from api.auth import Role
from api.errors import ApiError
from api.models import ApiUser
from api.surveillance_schemas import SurveillanceReport

log = logging.getLogger("qingkong.mqtt")
REPORTERS = (Role.SENSOR.value, Role.REGULATOR.value, Role.ADMIN.value)
_KNOWN_S = 60.0


def handler(app: Any) -> Callable[[str, bytes], None]:
    """The ``(source, payload)`` handler of ``app``'s MQTT surveillance topic."""
    airspace = app.state.airspace
    known: dict[str, float] = {}

    def may_report(source: str) -> bool:
        if time.monotonic() - known.get(source, -_KNOWN_S) < _KNOWN_S:
            return True
        with app.state.store.session() as s:
            found = s.execute(
                select(ApiUser.id).where(
                    ApiUser.name == source, ApiUser.role.in_(REPORTERS), ApiUser.active
                )
            ).first()
        if found is not None:
            known[source] = time.monotonic()
        return found is not None

    def handle(source: str, payload: bytes) -> None:
        if not may_report(source):
            log.warning("MQTT surveillance from %r refused: not the name of a sensor key", source)
            return
        try:
            body = orjson.loads(payload)
            tracks = body["tracks"] if isinstance(body, dict) and "tracks" in body else body
            tracks = tracks if isinstance(tracks, list) else [tracks]
            report = SurveillanceReport.model_validate_json(orjson.dumps({"tracks": tracks}))
            app.state.surveillance.ingest(
                report.tracks,
                source=source,
                now_s=airspace.now_s(),
                to_seconds=lambda value, field: wire.seconds(airspace, value, field),
            )
        except (orjson.JSONDecodeError, ValidationError, ApiError) as e:
            log.warning("MQTT surveillance from %r refused: %s", source, e)
            return
        app.state.tactical.ensure_running()

    return handle
