"""Liveness and readiness."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import PlannerDep, SessionDep
from api.errors import ApiError, body
from api.schemas import Health, Ready
from api.services.lists import live_flight_count

router = APIRouter(tags=["health"])

try:
    VERSION = version("qingkong")
except PackageNotFoundError:  # pragma: no cover - source checkout without install
    VERSION = "0.0.0"


@router.get("/health", operation_id="health", response_model=Health)
def health(airspace: PlannerDep) -> Health:
    """The process is up; gives the planner clock (``epoch`` is t = 0 s)."""
    return Health(
        status="ok",
        version=VERSION,
        deployment=airspace.deployment.name,
        epoch=airspace.epoch,
        now_s=airspace.now_s(),
    )


@router.get(
    "/ready",
    operation_id="ready",
    response_model=Ready,
    responses={503: {"description": "not ready (the body says why; `kernels` the progress)"}},
)
def ready(request: Request, airspace: PlannerDep, session: SessionDep) -> Ready | JSONResponse:
    """The database answers, the planner is loaded and its kernels are compiled.

    While the kernels compile (a fresh machine, ``qingkong serve``) it answers 503 with the
    progress under ``kernels`` (``state``, ``done``/``total`` steps, ``step``, ``elapsed_s``);
    decisions filed meanwhile wait for them."""
    kernels = getattr(request.app.state, "kernels", None)
    if kernels is not None and not kernels.ready:
        content = body("not_ready", kernels.describe())
        content["kernels"] = kernels.progress()
        return JSONResponse(status_code=503, content=content)
    try:
        live = live_flight_count(session)
    except Exception:
        raise ApiError(503, "not_ready", "the database does not answer") from None
    if not airspace.loaded:
        raise ApiError(503, "not_ready", "the planner is still loading")
    return Ready(
        ready=True,
        database=airspace.store.dialect,
        zones=len(airspace.zones),
        live_flights=int(live),
        applied_seq=airspace.applied_seq,
        kernels=None if kernels is None else kernels.progress(),
    )
