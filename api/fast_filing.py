"""The approval hot path, ``POST /v1/flights``, answered without FastAPI's router.

Profiled under ``bench/api.py`` the event loop spent about five times as long matching the
route, solving the dependencies and walking the exception layers of a filing as in the
endpoint itself. :class:`FastFiling` is an ASGI middleware inside :class:`api.main.PayloadLimit`
and :class:`api.content_type.JsonBodiesOnly` (their checks apply unchanged) that takes a filing
only when it is the plain case: an ``application/json`` body, a bearer key in the key cache
(:func:`api.deps.cached_principal`) that is an operator's, a body that parses and validates as
:class:`api.schemas.FlightCreate`. It then does what the route does (the same service call, the
same answer, :class:`api.errors.ApiError` answered by the same handler). Anything else (no or
unknown key, another role, a JWT, invalid JSON or fields, another path) goes on to the FastAPI
app with the body it was sent, which answers it as before. The route stays declared in
``api/routes/flights.py``: the OpenAPI document and the answers do not change.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.security.utils import get_authorization_scheme_param
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airspace.errors import AirspaceError
from api.auth import Principal, Role
from api.deps import cached_principal
from api.errors import ApiError, airspace_error_response, api_error_response
from api.routes.flights import filing_response
from api.schemas import FlightCreate
from api.services.flights import decide_flight_async

PATH = "/v1/flights"


class FastFiling:
    """ASGI middleware: the plain ``POST /v1/flights`` handled here, the rest passed on."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry."""
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != PATH
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        user = _operator(scope, state)
        if user is None:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            msg = await receive()
            messages.append(msg)
            if msg["type"] != "http.request":
                await self.app(scope, _replay(messages, receive), send)
                return
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body", False):
                break
        try:
            # As Starlette's Request.json() parses it, so the body hash and raw fields match.
            raw = json.loads(b"".join(chunks))
            body = FlightCreate.model_validate(raw)
        except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
            await self.app(scope, _replay(messages, receive), send)
            return
        settings = state.settings
        try:
            flight, created = await decide_flight_async(
                state.airspace, user, body, raw, max_vertices=settings.max_vertices
            )
        except ApiError as e:
            await api_error_response(e)(scope, receive, send)
            return
        except AirspaceError as e:  # as the app's handler answers it on the declared route
            await airspace_error_response(e)(scope, receive, send)
            return
        await filing_response(flight, created, user)(scope, receive, send)


def _operator(scope: Scope, state: Any) -> Principal | None:
    """The operator a cached bearer key names, or ``None`` (then FastAPI decides)."""
    header = None
    content_types = []
    for name, value in scope.get("headers") or []:
        if name == b"authorization" and header is None:
            header = value.decode("latin-1")
        elif name == b"content-type":
            content_types.append(value)
    if header is None or len(content_types) != 1:
        return None
    content_type = content_types[0]
    if content_type.split(b";", 1)[0].strip().lower() != b"application/json":
        return None
    scheme, credentials = get_authorization_scheme_param(header)
    if not scheme or not credentials or scheme.lower() != "bearer":
        return None
    if state.settings.v1_accepts_jwt and credentials.count(".") == 2:
        return None
    user = cached_principal(state, credentials)
    if user is None or user.role != Role.OPERATOR or not user.operator_id:
        return None
    return user


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives back the messages already read, then reads on."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
