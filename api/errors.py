"""Error responses of the service: every 4xx says which field is wrong and why, and no bad
input ever becomes a 500.

Bodies have one shape: ``{"error": {"code", "message", "fields": [{"field", "message"}]}}``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from airspace.errors import AirspaceError

log = logging.getLogger("qingkong.api")


class ApiError(Exception):
    """An error answered to the client (never logged as a server fault)."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def not_found(what: str, ident: str) -> ApiError:
    """A 404 naming what was not found."""
    return ApiError(404, "not_found", f"{what} {ident!r} does not exist (or is not yours)")


def bad_field(field: str, message: str, status: int = 422) -> ApiError:
    """A 422 (or ``status``) naming the field that is wrong."""
    return ApiError(status, "invalid_field", f"{field}: {message}", field=field)


def body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The JSON body of every error answer."""
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _not_finite(value: Any) -> bool:
    """NaN or an infinity, as a number or as query text (``lat=nan``): pydantic would say
    "less than or equal to 90", which is true of no NaN and helps nobody."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, str):
        try:
            return not math.isfinite(float(value))
        except ValueError:
            return False
    return False


def api_error_response(exc: ApiError) -> JSONResponse:
    """The answer to an :class:`ApiError`."""
    fields = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return JSONResponse(body(exc.code, exc.message, fields), status_code=exc.status)


def airspace_error_response(exc: AirspaceError) -> JSONResponse:
    """The answer to an :class:`~airspace.errors.AirspaceError` (geometry the airspace cannot
    take)."""
    field = getattr(exc, "field", None)
    return JSONResponse(
        body("invalid_airspace", str(exc), [{"field": field or "body", "message": str(exc)}]),
        status_code=422,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the body above."""

    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return api_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        for e in exc.errors():
            loc = e.get("loc", ())
            if e.get("type") == "json_invalid":
                return JSONResponse(
                    body(
                        "invalid_json",
                        f"the request body is not valid JSON: {e.get('msg')}",
                        [{"field": "body", "message": str(e.get("msg"))}],
                    ),
                    status_code=400,
                )
            msg = "must be a finite number" if _not_finite(e.get("input")) else str(e.get("msg"))
            fields.append({"field": _loc(loc), "message": msg})
        first = fields[0] if fields else {"field": "body", "message": "invalid"}
        return JSONResponse(
            body("invalid_request", f"{first['field']}: {first['message']}", fields),
            status_code=422,
        )

    @app.exception_handler(AirspaceError)
    async def _airspace(_req: Request, exc: AirspaceError) -> JSONResponse:
        return airspace_error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "http_error")
        return JSONResponse(
            body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            body("internal", "internal error; the request was not applied"), status_code=500
        )
