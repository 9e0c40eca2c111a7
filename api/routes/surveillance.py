"""Surveillance: sensors (and regulators) report crewed and uncooperative traffic; regulators
see the tactical encounters open now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from api import wire
from api.auth import Principal, Role
from api.deps import CurrentUser, PlannerDep, RegulatorUser
from api.errors import ApiError
from api.surveillance import SurveillancePicture
from api.surveillance_schemas import EncounterPublic, SurveillanceAccepted, SurveillanceReport

router = APIRouter(prefix="/surveillance", tags=["surveillance"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON"},
    401: {"description": "no or unknown API key"},
    403: {"description": "not a sensor or regulator key"},
    413: {"description": "payload too large"},
    422: {"description": "a field is wrong; the body names the report and the field"},
    429: {"description": "the picture holds its maximum number of live tracks"},
}


def sensor_user(user: CurrentUser) -> Principal:
    """The caller, if their key is a sensor's, a regulator's or an admin's (403 otherwise)."""
    if user.role != Role.SENSOR and not user.is_regulator:
        raise ApiError(403, "forbidden", "this needs a sensor, regulator or admin key")
    return user


SensorUser = Annotated[Principal, Depends(sensor_user)]


@router.post(
    "",
    operation_id="surveillance-report",
    response_model=SurveillanceAccepted,
    responses=ERRORS,
)
def report(
    body: SurveillanceReport, request: Request, user: SensorUser, airspace: PlannerDep
) -> dict[str, Any]:
    """Report tracks of crewed aircraft, uncooperative drones or drones seen by a sensor. Each
    is predicted in a straight line by the next tactical cycle (every second by default);
    regulators (and the operators of drones involved) get ``tactical`` notifications for each
    predicted loss of separation. A report no newer than the one held for its track is
    ignored, so a retry is harmless."""
    picture: SurveillancePicture = request.app.state.surveillance
    result = picture.ingest(
        body.tracks,
        source=user.name,
        now_s=airspace.now_s(),
        to_seconds=lambda value, field: wire.seconds(airspace, value, field),
    )
    request.app.state.tactical.ensure_running()
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "live_tracks": result.live_tracks,
    }


@router.get(
    "/encounters",
    operation_id="surveillance-encounters",
    response_model=list[EncounterPublic],
    responses={k: v for k, v in ERRORS.items() if k in (401, 403)},
)
def encounters(request: Request, _user: RegulatorUser) -> list[dict[str, Any]]:
    """Tactical encounters open now (two tracks predicted to lose separation within the
    look-ahead), soonest loss of separation first; times in the deployment's time zone."""
    return request.app.state.tactical.open_encounters()
