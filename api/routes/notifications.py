"""Notifications of what changed for an operator's flights, by polling or as a server-sent
event stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api.deps import CurrentUser, SessionDep, StoreDep
from api.schemas import NotificationPublic
from api.services.notifications import notifications_after

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", operation_id="notifications-list", response_model=list[NotificationPublic])
def poll(
    user: CurrentUser,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=2**53 - 1, description="last id already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Notifications newer than ``after`` (operators: their own flights)."""
    return notifications_after(session, user=user, after=after, limit=limit)


@router.get(
    "/stream",
    operation_id="notifications-stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
)
async def stream(
    request: Request,
    user: CurrentUser,
    store: StoreDep,
    after: Annotated[int, Query(ge=0, le=2**53 - 1, description="last id already seen")] = 0,
    timeout_s: Annotated[
        float, Query(gt=0, le=3600, description="close the stream after this long")
    ] = 300.0,
) -> StreamingResponse:
    """Server-sent events: one ``event: <kind>`` per notification, ``id`` = notification id
    (reconnect with ``after`` = the last id)."""

    def fetch(last: int) -> list[dict[str, Any]]:
        with store.session() as s:
            return notifications_after(s, user=user, after=last, limit=100)

    async def events() -> AsyncIterator[str]:
        last = after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        yield ": qingkong notifications\n\n"
        while loop.time() < deadline:
            for n in await run_in_threadpool(fetch, last):
                last = n["id"]
                data = json.dumps(
                    {**n, "created_at": n["created_at"].isoformat()}, ensure_ascii=False
                )
                yield f"id: {n['id']}\nevent: {n['kind']}\ndata: {data}\n\n"
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.25)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
