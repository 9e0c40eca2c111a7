"""``GET /v1/traffic`` (tracks in a box), ``GET /v1/traffic/stream`` (the same, pushed as
server-sent events) and ``GET /v1/traffic/{track_id}`` (one track): who is flying here, shown
as the caller's role allows (see :mod:`api.traffic.views`)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api.deps import CurrentUser
from api.traffic.service import TrafficService

router = APIRouter(prefix="/traffic", tags=["traffic"])

BBOX = Annotated[
    str,
    Query(
        description="min_lon,min_lat,max_lon,max_lat in degrees",
        examples=["120.30,36.05,120.45,36.15"],
        max_length=200,
    ),
]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or unknown API key"},
    422: {"description": "the box is malformed or too large; the body says what to fix"},
    429: {"description": "too many requests from this key in a minute"},
}


def _service(request: Request) -> TrafficService:
    return request.app.state.traffic


@router.get("", operation_id="traffic-list", responses=ERRORS)
def traffic(request: Request, user: CurrentUser, bbox: BBOX) -> dict[str, Any]:
    """Live tracks in the box (drones reporting telemetry, crewed and uncooperative traffic)
    reported within ``QINGKONG_TRAFFIC_MAX_AGE_S``, newest first, as ASTM F3411 ``RIDFlight``
    records. Police, regulators and (for its own flights) the operator also get ``details``:
    operator, serial number, registration and flight."""
    return _service(request).in_box(user, bbox)


@router.get(
    "/stream",
    operation_id="traffic-stream",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "server-sent events"},
        **ERRORS,
    },
)
async def stream(
    request: Request,
    user: CurrentUser,
    bbox: BBOX,
    max_s: Annotated[
        float, Query(gt=0, le=3600, description="close the stream after this long")
    ] = 600.0,
) -> StreamingResponse:
    """The tracks in the box as server-sent events (``event: traffic``, the body of
    ``GET /v1/traffic``), one every ``QINGKONG_TRAFFIC_STREAM_S`` (1 s by default)."""
    service = _service(request)
    box = service.check_box(user, bbox)
    every_s = request.app.state.settings.traffic_stream_s

    async def events() -> AsyncIterator[str]:
        until = time.monotonic() + max_s
        while time.monotonic() < until:
            if await request.is_disconnected():
                return
            body = await run_in_threadpool(service.snapshot, user, box)
            yield f"event: traffic\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
            await asyncio.sleep(every_s)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@router.get(
    "/{track_id}",
    operation_id="traffic-get",
    responses={**ERRORS, 404: {"description": "no live track has this id"}},
)
def one(request: Request, user: CurrentUser, track_id: str) -> dict[str, Any]:
    """One live track by its id; those who see it in full also get the approved ``plan``."""
    return _service(request).one(user, track_id)
