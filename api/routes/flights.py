"""Flights: file a request (the scenario ``request`` event), read, list, cancel, activate, end."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from api import scoped_ids
from api.auth import Principal
from api.deps import CurrentOperator, CurrentUser, PlannerDep, SessionDep, SettingsDep
from api.errors import body as error_body
from api.modify import modify_job
from api.schemas import FlightCreate, FlightList, FlightPublic
from api.services import flights
from api.services.flights import flight_public

router = APIRouter(prefix="/flights", tags=["flights"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON"},
    401: {"description": "no or unknown API key"},
    404: {"description": "no such flight (or not yours)"},
    409: {"description": "conflicting state, or request_id reused with a different body"},
    413: {"description": "payload or vertex count too large"},
    422: {"description": "a field is wrong; the body names it"},
}


@router.post(
    "",
    operation_id="flights-create",
    status_code=201,
    response_model=FlightPublic,
    responses={
        200: {"description": "an idempotent retry: the stored answer", "model": FlightPublic},
        **ERRORS,
    },
)
async def create_flight(
    body: FlightCreate,
    request: Request,
    user: CurrentOperator,
    airspace: PlannerDep,
    settings: SettingsDep,
) -> Response:
    """File a flight and get the decision: approved (with departure, delay and 4D trajectory),
    pending review, or rejected with reasons. Retrying with the same ``request_id`` returns
    the same answer."""
    raw = await request.json()
    flight, created = await flights.decide_flight_async(
        airspace, user, body, raw, max_vertices=settings.max_vertices
    )
    return filing_response(flight, created, user)


def filing_response(flight: dict[str, Any], created: bool, user: Principal) -> Response:
    """The answer to a filing: 201 with the new flight, 200 with the stored one (a retry),
    ``flight`` (in global ids) as ``user`` is shown it (:func:`api.scoped_ids.for_user`).

    Built here rather than re-validated against FlightPublic, and encoded with orjson (a
    dependency already; NumPy scalars encoded as numbers) once: the encoded answer is what is
    looked at for ids to rewrite, which an operator's answer seldom has. This is the hot path
    (see also :mod:`api.fast_filing`).
    """
    if flight.get("departure_time") is not None:
        flight["departure_time"] = flight["departure_time"].isoformat()
    content = orjson.dumps(flight, option=orjson.OPT_SERIALIZE_NUMPY)
    if not user.is_regulator and scoped_ids.SEP.encode() in content:
        shown = scoped_ids.for_operator(flight, user.operator_id or "")
        content = orjson.dumps(shown, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(
        content,
        status_code=201 if created else 200,
        media_type="application/json",
    )


@router.get("", operation_id="flights-list", response_model=FlightList, responses=ERRORS)
def list_flights(
    user: CurrentUser,
    session: SessionDep,
    airspace: PlannerDep,
    settings: SettingsDep,
    state: Annotated[list[str] | None, Query(description="filter by lifecycle state")] = None,
    start: Annotated[
        float | None, Query(description="flights ending at or after (planner s)")
    ] = None,
    end: Annotated[
        float | None, Query(description="flights departing at or before (planner s)")
    ] = None,
    operator: Annotated[str | None, Query(description="regulators: one operator's flights")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**53 - 1)] = 0,
) -> dict[str, Any]:
    """Your flights (regulators: everyone's), newest first."""
    rows = flights.list_flights(
        session,
        user=user,
        states=state,
        start_s=start,
        end_s=end,
        operator=operator,
        limit=min(limit, settings.max_list),
        offset=offset,
    )
    items = [flight_public(r, airspace, user) for r in rows]
    return {"items": items, "count": len(items)}


@router.get(
    "/{flight_id}", operation_id="flights-get", response_model=FlightPublic, responses=ERRORS
)
def get_flight(
    flight_id: str, user: CurrentUser, session: SessionDep, airspace: PlannerDep
) -> dict[str, Any]:
    return flight_public(flights.own_flight(session, user, flight_id), airspace, user)


@router.put(
    "/{flight_id}",
    operation_id="flights-modify",
    response_model=FlightPublic,
    responses=ERRORS,
)
async def modify_flight(
    flight_id: str,
    body: FlightCreate,
    request: Request,
    user: CurrentOperator,
    airspace: PlannerDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Modify a pending, accepted or flying flight: the new request is decided as if it were
    new, ignoring only this flight's own old plan. ``modification.applied`` says whether it
    replaced the old plan; when it is ``false`` (rejected, with reasons in
    ``modification.decision``) the old plan stays in force unchanged."""
    raw = await request.json()
    job = modify_job(airspace, user, flight_id, body, raw, max_vertices=settings.max_vertices)
    return JSONResponse(await airspace.run_async(job))


def _transition(op: Literal["cancel", "activate", "end"]):
    def handler(flight_id: str, user: CurrentUser, airspace: PlannerDep) -> dict[str, Any]:
        row = flights.transition(airspace, user, flight_id, op)
        return flight_public(row, airspace, user)

    handler.__doc__ = {
        "cancel": "Cancel a pending or accepted flight; its airspace is released.",
        "activate": "The flight is taking off (accepted -> activated).",
        "end": "The flight has landed (activated -> ended); its airspace is released.",
    }[op]
    handler.__name__ = f"{op}_flight"
    return handler


for _op in ("cancel", "activate", "end"):
    router.add_api_route(
        f"/{{flight_id}}/{_op}",
        _transition(_op),  # type: ignore[arg-type]
        methods=["POST"],
        operation_id=f"flights-{_op}",
        response_model=FlightPublic,
        responses=ERRORS,
    )

__all__ = ["router", "error_body", "filing_response", "flight_public"]
