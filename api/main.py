"""Assemble the approval service: open and migrate the store, load the airspace into the
planner, warm the numba kernels, mount the ``/v1`` routers.

``create_app(settings)`` does all the start-up work before it returns, so the app it gives is
ready (``app.state.startup_s`` holds how long that took).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airspace.corridors import QINGDAO_CORRIDORS_PATH, CorridorNetwork
from airspace.formats import QINGDAO_ZONES_PATH, load_zones, zones_to_ed269
from api import docs, errors, interuss, openapi_responses, tactical_monitor
from api.airspace_state import AirspaceState
from api.auth import create_user
from api.config import Settings
from api.content_type import JsonBodiesOnly
from api.fast_filing import FastFiling
from api.models import ApiUser, Meta, ZoneRow
from api.restore_bounds import revoke_oversized
from api.routes import (
    drones,
    flights,
    geo,
    health,
    keys,
    notifications,
    operators,
    reviews,
    zones,
)
from api.routes.surveillance import router as surveillance_router
from api.store import Store, utcnow
from api.warmup import warm_service
from api.workflow.units import workflow_units
from api.zone_files import publish_zone_files

log = logging.getLogger("qingkong.api")

DESCRIPTION = """Low-altitude airspace approval service (qingkong).

Operators register drones and file flights; regulators publish zones and review requests.
Authenticate with `Authorization: Bearer <API key>`. Times are RFC 3339 instants or seconds on
the planner clock (`GET /v1/health` gives its epoch); positions are `[lon, lat]`, altitudes
metres above ground. Errors: `{"error": {"code", "message", "fields": [{"field", "message"}]}}`.
"""


class PayloadLimit:
    """Refuse request bodies above ``max_bytes`` with 413 (declared or streamed length)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return msg

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        payload = json.dumps(
            errors.body(
                "payload_too_large",
                f"the request body exceeds {self.max_bytes} bytes",
                [{"field": "body", "message": f"at most {self.max_bytes} bytes"}],
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class _TooLarge(Exception):
    pass


def _load_corridors(settings: Settings, deployment: Any) -> Any:
    path = settings.corridors_path
    if path is None and settings.demo:
        path = str(QINGDAO_CORRIDORS_PATH)
    if not path:
        return None
    return CorridorNetwork.from_geojson(
        path, deployment, separation_vertical_m=settings.separation_vertical_m
    )


def _seed_demo_zones(store: Store, deployment: Any) -> None:
    """Store the Qingdao demo airspace once (the first demo start of a database)."""
    with store.write(airspace=True) as s:
        if s.get(Meta, "demo_zones") is not None:
            return
        now = utcnow()
        for z in load_zones(QINGDAO_ZONES_PATH, deployment=deployment):
            if s.get(ZoneRow, z.identifier) is None:
                s.add(
                    ZoneRow(
                        id=z.identifier,
                        kind="file",
                        source=zones_to_ed269([z]),
                        restriction=str(z.restriction),
                        withdrawn=False,
                        version=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
        s.add(Meta(key="demo_zones", value=now.isoformat()))


def _demo_keys(store: Store, ttl_s: float) -> dict[str, str]:
    """Fresh demo keys (one per role, expiring after ``ttl_s``); earlier demo keys are revoked."""
    keys = {}
    names = [f"demo {role}" for role in ("operator", "regulator", "admin")]
    with store.write(airspace=True) as s:  # replicas starting together take turns
        for old in s.execute(select(ApiUser).where(ApiUser.name.in_(names))).scalars():
            if old.revoked_at is None:
                old.revoked_at, old.active = utcnow(), False
        expires_at = utcnow() + timedelta(seconds=ttl_s)
        for role, op in (("operator", "OP-DEMO"), ("regulator", None), ("admin", None)):
            _user, keys[role] = create_user(
                s, role=role, operator_id=op, name=f"demo {role}", expires_at=expires_at
            )
    return keys


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service; the store is migrated and the planner loaded before this returns."""
    t0 = time.perf_counter()
    settings = settings or Settings()
    deployment = settings.deployment_obj()
    store = Store(settings.database_url)
    store.migrate()
    epoch = datetime.fromisoformat(store.meta("epoch", settings.epoch))
    if settings.demo:
        _seed_demo_zones(store, deployment)
    if settings.zone_files:
        publish_zone_files(store, settings.zone_files, deployment)
    airspace = AirspaceState(
        store,
        deployment,
        epoch=epoch,
        corridors=_load_corridors(settings, deployment),
        separation_h_m=settings.separation_horizontal_m,
        separation_v_m=settings.separation_vertical_m,
        bounds=settings.request_bounds(),
    )
    airspace.workflow = settings.workflow_obj()
    airspace.units = workflow_units(settings)
    airspace.router_cache_size = settings.router_cache_size
    with store.session() as s:
        airspace.reload(s)
    revoke_oversized(airspace, airspace.oversized, airspace.max_duration_s)

    app = FastAPI(
        title="qingkong approval service",
        version="1",
        description=DESCRIPTION,
        docs_url=None,  # api.docs serves /docs and /redoc from local assets
        redoc_url=None,
        openapi_tags=[
            {"name": "flights", "description": "file, read and fly flights"},
            {"name": "drones", "description": "real-name drone registration"},
            {"name": "zones", "description": "airspace restrictions (regulators write)"},
            {"name": "reviews", "description": "the regulators' queue of pending requests"},
            {"name": "notifications", "description": "what changed for your flights"},
            {"name": "geo-awareness", "description": "zones affecting a point, route or volume"},
            {"name": "surveillance", "description": "crewed and uncooperative traffic; tactical"},
            {"name": "workflow", "description": "who must apply, by when; grants, gate, audit"},
            {"name": "telemetry", "description": "positions in; conformance alerts out"},
            {"name": "traffic", "description": "who is flying here, by role (live tracks)"},
            {"name": "users", "description": "API keys: list and revoke (admins)"},
        ],
    )
    app.state.settings = settings
    app.state.store = store
    app.state.airspace = airspace
    app.state.key_cache = {}
    errors.install(app)
    openapi_responses.install(app)
    docs.install(app)
    v1 = APIRouter(prefix="/v1")
    for module in (health, operators, drones, flights, reviews, zones, geo, notifications):
        v1.include_router(module.router)
    v1.include_router(surveillance_router)
    tactical_monitor.install(app)
    from api.workflow import routes as workflow_routes

    v1.include_router(workflow_routes.router)
    v1.include_router(keys.router)
    app.include_router(v1)
    from api import telemetry

    telemetry.install(app, airspace, settings)
    from api import traffic

    traffic.install(app)
    from api.routes import console

    console.install(app)
    interuss.install(app, settings)
    # last, so that health answers while the kernels compile (the live layer's after the
    # planner's: decisions come first)
    app.state.kernels = (
        warm_service(
            airspace,
            background=settings.warmup_background,
            live_steps=[
                ("tactical detection", tactical_monitor.warm_detection),
                ("conformance monitor", app.state.telemetry.warm),
            ],
        )
        if settings.warmup
        else None
    )
    app.add_middleware(FastFiling)  # innermost: the two checks below apply to it
    app.add_middleware(JsonBodiesOnly)
    app.add_middleware(PayloadLimit, max_bytes=settings.max_payload_bytes)
    app.state.demo_keys = _demo_keys(store, settings.demo_key_ttl_s) if settings.demo else {}
    app.state.startup_s = time.perf_counter() - t0
    log.info("qingkong service ready in %.2f s", app.state.startup_s)
    return app
