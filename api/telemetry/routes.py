"""``POST /v1/telemetry`` (positions in, operator key) and ``GET /v1/flights/{id}/track``.

The batch body is read with orjson and checked position by position, so one bad position is
refused on its own (``refused``: ``index``, ``code``, ``message``) and the rest are taken."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import CurrentOperator, CurrentUser, SessionDep, SettingsDep
from api.errors import ApiError
from api.telemetry.tracks import flight_track

router = APIRouter(tags=["telemetry"])

POSITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["drone", "time", "lon", "lat", "altitude_m"],
    "properties": {
        "drone": {"type": "string", "description": "registered drone id"},
        "time": {"type": "string", "format": "date-time", "description": "RFC 3339"},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "altitude_m": {"type": "number"},
        "reference": {"type": "string", "enum": ["AGL", "AMSL", "WGS84"], "default": "AGL"},
        "speed_mps": {"type": "number"},
        "track_deg": {"type": "number"},
        "vertical_speed_mps": {"type": "number"},
        "flight": {"type": "string", "description": "optional: found from the drone"},
    },
}


@router.post(
    "/telemetry",
    operation_id="telemetry-create",
    status_code=202,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["positions"],
                        "properties": {"positions": {"type": "array", "items": POSITION_SCHEMA}},
                    }
                }
            },
        }
    },
    responses={
        202: {"description": "`{accepted, refused: [{index, code, message}]}`"},
        400: {"description": "the body is not JSON"},
        401: {"description": "no or unknown API key"},
        403: {"description": "not an operator key"},
        413: {"description": "too many positions in one call"},
        422: {"description": "the body is not `{positions: [...]}`"},
    },
)
async def post_telemetry(
    request: Request, user: CurrentOperator, settings: SettingsDep
) -> JSONResponse:
    """Report positions of your drones (up to ``QINGKONG_TELEMETRY_MAX_BATCH`` a call). Each is
    checked against its flight's approved plan; deviations raise alerts (notifications)."""
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as e:
        raise ApiError(400, "invalid_json", f"the request body is not valid JSON: {e}") from None
    positions = body.get("positions") if isinstance(body, dict) else None
    if not isinstance(positions, list):
        raise ApiError(
            422, "invalid_field", 'positions: send {"positions": [...]}', field="positions"
        )
    if len(positions) > settings.telemetry_max_batch:
        raise ApiError(
            413,
            "invalid_field",
            f"positions: {len(positions)} positions exceed the limit of "
            f"{settings.telemetry_max_batch} a call; split the batch",
            field="positions",
        )
    service = request.app.state.telemetry
    accepted, refused = await run_in_threadpool(
        service.ingest, positions, operator=user.operator_id
    )
    return JSONResponse({"accepted": accepted, "refused": refused}, status_code=202)


@router.get(
    "/flights/{flight_id}/track",
    operation_id="flights-track",
    tags=["flights"],
    responses={404: {"description": "no such flight (or not yours)"}},
)
def get_track(
    flight_id: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    after_s: Annotated[float | None, Query(description="only positions after (planner s)")] = None,
) -> dict[str, Any]:
    """The positions received for a flight, oldest first: ``[lon, lat, altitude_m AGL, time]``."""
    # Points still queued for the batch writer are written first (before this session reads).
    request.app.state.telemetry.writer.flush(timeout_s=5.0)
    return flight_track(
        session,
        user=user,
        airspace=request.app.state.airspace,
        flight_id=flight_id,
        limit=limit,
        after_s=after_s,
    )
