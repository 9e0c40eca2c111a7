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
from sqlalchemy import select

from api.auth import Principal
from api.deps import CurrentUser, SessionDep
from api.models import Notification
from api.schemas import NotificationPublic
from api.scoped_ids import for_operator

router = APIRouter(prefix="/notifications", tags=["notifications"])


def _query(user: Principal, after: int, limit: int):
    q = select(Notification).where(Notification.id > after)
    if not user.is_regulator:
        q = q.where(Notification.operator_id == user.operator_id)
    return q.order_by(Notification.id).limit(limit)


def _public(n: Notification, user: Principal) -> dict[str, Any]:
    """The notification as ``user`` is shown it (an operator: in its own flight ids)."""
    out = {"flight": n.flight_id, "payload": n.payload}
    if not user.is_regulator:
        out = for_operator(out, user.operator_id or "")
    return {"id": n.id, "kind": n.kind, "created_at": n.created_at, **out}


@router.get("", operation_id="notifications-list", response_model=list[NotificationPublic])
def poll(
    user: CurrentUser,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=2**53 - 1, description="last id already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Notifications newer than ``after`` (operators: their own flights)."""
    return [_public(n, user) for n in session.execute(_query(user, after, limit)).scalars()]


@router.get(
    "/stream",
    operation_id="notifications-stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
)
async def stream(
    request: Request,
    user: CurrentUser,
    after: Annotated[int, Query(ge=0, le=2**53 - 1, description="last id already seen")] = 0,
    timeout_s: Annotated[
        float, Query(gt=0, le=3600, description="close the stream after this long")
    ] = 300.0,
) -> StreamingResponse:
    """Server-sent events: one ``event: <kind>`` per notification, ``id`` = notification id
    (reconnect with ``after`` = the last id)."""
    store = request.app.state.store

    def fetch(last: int) -> list[dict[str, Any]]:
        with store.session() as s:
            return [_public(n, user) for n in s.execute(_query(user, last, 100)).scalars()]

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
