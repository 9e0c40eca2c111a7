"""The InterUSS ``flight_planning`` v1 automated-testing interface, mounted at
``/flight_planning/v1``: routes only parse the body with the ``uas_standards`` types, check the
token's scope and call :mod:`api.interuss.planning`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from implicitdict import ImplicitDict
from uas_standards.interuss.automated_testing.flight_planning.v1 import api as fp
from uas_standards.interuss.automated_testing.flight_planning.v1.constants import Scope

from airspace.clock import read_datetime
from api.auth import Principal
from api.deps import PlannerDep, SettingsDep
from api.errors import ApiError
from api.interuss import clearing, planning
from api.interuss.security import require

log = logging.getLogger("qingkong.api")

router = APIRouter(prefix="/flight_planning/v1", tags=["InterUSS flight_planning"])
TestDirector = Annotated[Principal, Depends(require(Scope.DirectAutomatedTest.value))]
Planner = Annotated[Principal, Depends(require(Scope.Plan.value))]
# The interface names direct_automated_test for DELETE; uss_qualifier's client closes flights
# with the plan scope, so either is accepted (both let the client close only its own flights).
Closer = Annotated[Principal, Depends(require(Scope.Plan.value, Scope.DirectAutomatedTest.value))]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body does not follow the interface; the message names the field"},
    401: {"description": "no, unreadable, badly signed, expired or wrong-audience token"},
    403: {"description": "the token lacks this endpoint's scope"},
}
PLAN_ID = Path(
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9-]+$",
    description="the client's id of the flight plan (a UUID)",
)


def parse(raw: Any, cls: type) -> Any:
    """``raw`` read as the ``uas_standards`` type ``cls``, or a 400 naming the field."""
    if not isinstance(raw, dict):
        raise ApiError(400, "invalid_request", f"the body must be a JSON object ({cls.__name__})")
    try:
        return ImplicitDict.parse(raw, cls)
    except (ValueError, TypeError, KeyError) as e:
        raise ApiError(400, "invalid_request", f"{cls.__name__}: {e}") from None


@router.get("/status", operation_id="interuss-fp-status", responses=ERRORS)
def status(_user: TestDirector) -> dict[str, Any]:
    """Readiness of the interface (the planner is loaded before the service answers at all)."""
    return {
        "status": "Ready",
        "api_name": "Flight Planning Automated Testing Interface",
        "api_version": f"v{fp.API_VERSION}",
    }


@router.put(
    "/flight_plans/{flight_plan_id}",
    operation_id="interuss-fp-upsert",
    responses={**ERRORS, 409: {"description": "the id belongs to another client"}},
)
async def upsert_flight_plan(
    flight_plan_id: Annotated[str, PLAN_ID],
    user: Planner,
    airspace: PlannerDep,
    settings: SettingsDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Plan, modify, activate, report off-nominal or close a flight plan."""
    parse(body, fp.UpsertFlightPlanRequest)
    job = planning.upsert_job(
        airspace, user, flight_plan_id, body, drone_class=settings.interuss_drone_class
    )
    try:
        return await airspace.run_async(job)
    except ApiError:
        raise
    except Exception:
        log.exception("InterUSS upsert of %s failed", flight_plan_id)
        return planning.answer(
            "Failed", "NotPlanned", ["qingkong failed to decide the request; nothing was changed"]
        )


@router.delete(
    "/flight_plans/{flight_plan_id}",
    operation_id="interuss-fp-delete",
    responses={**ERRORS, 404: {"description": "no such flight plan of yours"}},
)
def delete_flight_plan(
    flight_plan_id: Annotated[str, PLAN_ID], user: Closer, airspace: PlannerDep
) -> dict[str, Any]:
    """Close a flight plan."""
    return planning.delete_flight_plan(airspace, user, flight_plan_id)


@router.post("/clear_area_requests", operation_id="interuss-fp-clear-area", responses=ERRORS)
def clear_area(
    user: TestDirector, airspace: PlannerDep, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Close every flight plan of the caller that meets the extent."""
    req = parse(body, fp.ClearAreaRequest)
    return clearing.clear_area(airspace, user, body["extent"] if req else {})


def _instant(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        t = read_datetime(value)
    except ValueError:
        raise ApiError(
            400, "invalid_request", f"{name}: {value!r} is not an RFC 3339 time"
        ) from None
    if t.tzinfo is None:
        raise ApiError(400, "invalid_request", f"{name}: give a time zone (e.g. Z)")
    return t


@router.get(
    "/user_notifications",
    operation_id="interuss-fp-notifications",
    responses={**ERRORS, 400: {"description": "after is missing, or a time is not RFC 3339"}},
)
def user_notifications(
    user: Planner,
    airspace: PlannerDep,
    after: Annotated[
        str | None, Query(description="RFC 3339 (required); notifications observed from then")
    ] = None,
    before: Annotated[str | None, Query(description="RFC 3339; until then (default: now)")] = None,
) -> dict[str, Any]:
    """What the virtual user (the caller's operator) was told, by observation time."""
    start = _instant(after, "after")
    if start is None:
        raise ApiError(
            400, "invalid_request", "after: required (RFC 3339, e.g. 2026-12-01T08:00:00Z)"
        )
    end = _instant(before, "before") or datetime.now(UTC)
    if end < start:
        raise ApiError(400, "invalid_request", "before: must not be earlier than after")
    return planning.user_notifications(airspace, user, start, end)
