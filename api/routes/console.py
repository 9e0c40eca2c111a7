"""The regulator and operator web console: its static files served at ``/console`` and the
read-only map data it draws (``/v1/map/...``): the deployment's settings, zones with their
limits, schedules and active intervals, the corridor network, live flights' 4D trajectories in a
time window, and a dry run of a temporary restriction (which live flights it would affect).

Nothing here changes the airspace: the console publishes zones and reviews requests through the
ordinary ``/v1/zones`` and ``/v1/reviews`` endpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.deps import CurrentUser, PlannerDep, RegulatorUser, SessionDep, SettingsDep
from api.services import map_data as service
from api.zone_schemas import ZoneCreate

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
"""The console's static files (HTML, JavaScript, translations, the vendored Leaflet)."""


router = APIRouter(prefix="/map", tags=["map"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON"},
    401: {"description": "no or unknown API key"},
    403: {"description": "regulators only"},
    413: {"description": "too many vertices"},
    422: {"description": "a field is wrong; the body names it"},
}


def install(app: FastAPI) -> None:
    """Mount the console at ``/console`` and its map-data router at ``/v1/map``.

    Parameters
    ----------
    app : FastAPI
        The approval service built by :func:`api.main.create_app`.
    """
    app.include_router(router, prefix="/v1")

    @app.get("/console", include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse("/console/")

    app.mount("/console", StaticFiles(directory=CONSOLE_DIR, html=True), name="console")


# -- routes ------------------------------------------------------------------------------------
@router.get("/config", operation_id="map-config")
def config(airspace: PlannerDep, settings: SettingsDep) -> dict[str, Any]:
    """What the console needs before sign-in: the deployment's language, time zone, map centre
    and the planner clock (no key needed; nothing secret)."""
    return service.map_config(airspace, settings)


@router.get("/zones", operation_id="map-zones", responses=ERRORS)
def map_zones(
    _user: CurrentUser,
    airspace: PlannerDep,
    start: Annotated[str | None, Query(description="planner s or RFC 3339; default today")] = None,
    end: Annotated[
        str | None, Query(description="planner s or RFC 3339; default start + 1 day")
    ] = None,
) -> dict[str, Any]:
    """The active zones as GeoJSON (one Feature per volume) with limits, schedule and the
    intervals (planner seconds) during which each is active in the window."""
    return service.zones_in_window(airspace, start, end)


@router.get("/corridors", operation_id="map-corridors", responses=ERRORS)
def map_corridors(_user: CurrentUser, airspace: PlannerDep) -> dict[str, Any]:
    """The corridor network (LineStrings with their altitude band) and vertiports (Points)."""
    return service.corridor_features(airspace)


@router.get("/flights", operation_id="map-flights", responses=ERRORS)
def map_flights(
    user: CurrentUser,
    session: SessionDep,
    airspace: PlannerDep,
    settings: SettingsDep,
    start: Annotated[str | None, Query(description="planner s or RFC 3339; default today")] = None,
    end: Annotated[
        str | None, Query(description="planner s or RFC 3339; default start + 1 day")
    ] = None,
) -> dict[str, Any]:
    """Live flights (pending, accepted, activated ...) overlapping the window, as GeoJSON with
    their 4D trajectories; operators see only their own."""
    return service.flights_in_window(
        session, user=user, airspace=airspace, settings=settings, start=start, end=end
    )


@router.post("/zone-preview", operation_id="map-zone-preview", responses=ERRORS)
def zone_preview(
    body: ZoneCreate,
    _user: RegulatorUser,
    session: SessionDep,
    airspace: PlannerDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Dry run of publishing a zone: the live flights whose route or area would enter it while
    it is active (nothing is stored; ``POST /v1/zones`` publishes)."""
    return service.preview_zone(session, airspace=airspace, settings=settings, body=body)
