"""Zones (regulators change them, everyone reads them): create, update, withdraw, upload
ED-269 / ED-318 / GeoJSON files, export. Publishing re-checks every affected accepted flight."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query

from airspace.clock import read_datetime
from airspace.errors import AirspaceError
from airspace.formats import (
    read_zone_file,
    zone_from_dict,
    zones_to_ed269,
    zones_to_ed318,
    zones_to_geojson,
)
from api.airspace_state import AirspaceState
from api.auth import Principal
from api.config import Settings
from api.deps import CurrentUser, PlannerDep, RegulatorUser, SessionDep, SettingsDep
from api.errors import ApiError, bad_field, not_found
from api.models import ZoneRow
from api.services import zones as zone_service
from api.wire import count_vertices
from api.workflow import zone_versions
from api.zone_schemas import ZoneCreate, ZonePublic, ZonePublished

router = APIRouter(prefix="/zones", tags=["zones"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON"},
    403: {"description": "regulators only"},
    404: {"description": "no such zone"},
    409: {"description": "the zone exists"},
    413: {"description": "too many vertices"},
    422: {"description": "a field is wrong; the body names zone and field"},
}


def _named(v: dict[str, Any]) -> dict[str, Any]:
    return v | {"name": _name(v["kind"], v["source"])}


def _name(kind: str, src: dict[str, Any]) -> str:
    if kind in ("inline", "offnominal"):
        name = src.get("name", "")
    else:
        listed = src.get("UASZoneList") or src.get("features") or [{}]
        name = listed[0].get("name", "") if isinstance(listed[0], dict) else ""
    return name if isinstance(name, str) else ""


def _public(row: ZoneRow) -> dict[str, Any]:
    src = row.source
    if row.kind in ("inline", "offnominal"):
        name = src.get("name", "")
    else:
        listed = src.get("UASZoneList") or src.get("features") or [{}]
        name = listed[0].get("name", "") if isinstance(listed[0], dict) else ""
    return {
        "id": row.id,
        "kind": row.kind,
        "restriction": row.restriction,
        "name": name if isinstance(name, str) else "",
        "withdrawn": row.withdrawn,
        "version": row.version,
        "source": src,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _inline(airspace: AirspaceState, body: ZoneCreate, max_vertices: int, repairs: list):
    d = body.model_dump(exclude_none=True, exclude={"emergency_reason"})
    n = count_vertices(d["geometry"])
    if n > max_vertices:
        raise bad_field("geometry", f"{n} vertices exceed the limit of {max_vertices}", status=413)
    try:
        zone = zone_from_dict(d, start=airspace.epoch, tz=airspace.deployment.tz, warnings=repairs)
    except (AirspaceError, ValueError, KeyError, TypeError) as e:
        raise ApiError(
            422, "invalid_zone", str(e), field=getattr(e, "field", None) or "body"
        ) from None
    return zone, d


def _result(
    rows: list[ZoneRow], changes: list[dict[str, Any]], repairs: list | None = None
) -> dict[str, Any]:
    return {
        "zones": [_public(r) for r in rows],
        "changes": changes,
        "repairs": [str(w) for w in repairs or []],
    }


def _publish_inline(
    airspace: AirspaceState,
    body: ZoneCreate,
    user: Principal,
    settings: Settings,
    *,
    replace_existing: bool,
) -> dict[str, Any]:
    repairs: list = []
    zone, d = _inline(airspace, body, settings.max_vertices, repairs)
    rows, changes = zone_service.publish_zones(
        airspace,
        [(zone, "inline", d)],
        replace_existing=replace_existing,
        actor=user,
        emergency_reason=body.emergency_reason,
    )
    return _result(rows, changes, repairs)


@router.post(
    "", operation_id="zones-create", status_code=201, response_model=ZonePublished, responses=ERRORS
)
def create_zone(
    body: ZoneCreate, user: RegulatorUser, airspace: PlannerDep, settings: SettingsDep
) -> dict[str, Any]:
    """Publish a zone (a temporary restriction gets a ``schedule``). Accepted flights it
    affects are re-planned or revoked, and their operators notified."""
    return _publish_inline(airspace, body, user, settings, replace_existing=False)


@router.put(
    "/{zone_id}", operation_id="zones-update", response_model=ZonePublished, responses=ERRORS
)
def update_zone(
    zone_id: str,
    body: ZoneCreate,
    user: RegulatorUser,
    airspace: PlannerDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Replace a zone (same id) and re-check the flights it now affects."""
    if body.id != zone_id:
        raise bad_field("id", f"must equal the zone id in the path ({zone_id!r})")
    return _publish_inline(airspace, body, user, settings, replace_existing=True)


@router.post(
    "/upload",
    operation_id="zones-upload",
    status_code=201,
    response_model=ZonePublished,
    responses=ERRORS,
)
def upload_zones(
    document: Annotated[
        dict[str, Any], Body(description="an ED-269 (either layout), ED-318 or GeoJSON document")
    ],
    user: RegulatorUser,
    airspace: PlannerDep,
    settings: SettingsDep,
    replace: Annotated[bool, Query(description="replace zones with the same id")] = False,
) -> dict[str, Any]:
    """Upload a zone file; every zone in it is published."""
    n = count_vertices(document)
    if n > settings.max_vertices:
        raise bad_field(
            "body", f"{n} vertices exceed the limit of {settings.max_vertices}", status=413
        )
    try:
        read = read_zone_file(document, deployment=airspace.deployment)
        zones, repairs = read.zones, read.warnings
    except (AirspaceError, ValueError, KeyError, TypeError) as e:
        raise ApiError(
            422, "invalid_zone", str(e), field=getattr(e, "field", None) or "body"
        ) from None
    if not zones:
        raise bad_field("body", "the document holds no zones")
    ids = [z.identifier for z in zones]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise bad_field("body", f"zone ids repeat in the document: {sorted(dup)}")
    items = [(z, "file", zones_to_ed269([z])) for z in zones]
    rows, changes = zone_service.publish_zones(
        airspace, items, replace_existing=replace, actor=user
    )
    return _result(rows, changes, repairs)


@router.delete(
    "/{zone_id}", operation_id="zones-withdraw", response_model=ZonePublic, responses=ERRORS
)
def withdraw_zone(zone_id: str, user: RegulatorUser, airspace: PlannerDep) -> dict[str, Any]:
    """Withdraw a zone: it no longer constrains new decisions (kept for the record)."""
    return _public(zone_service.withdraw_zone(airspace, zone_id, actor=user))


@router.get("", operation_id="zones-list", response_model=list[ZonePublic], responses=ERRORS)
def list_zones(
    _user: CurrentUser,
    session: SessionDep,
    withdrawn: Annotated[bool, Query(description="include withdrawn zones")] = False,
    at: Annotated[
        str | None,
        Query(description="RFC 3339: the zones in force at that instant, as published then"),
    ] = None,
) -> list[dict[str, Any]]:
    """The zones now (or, with ``at``, the versions in force at that instant)."""
    if at is not None:
        try:
            when = read_datetime(at)
        except ValueError:
            raise bad_field("at", "not an RFC 3339 time (e.g. 2026-12-01T07:00:00+08:00)") from None
        if when.tzinfo is None:
            raise bad_field("at", "an RFC 3339 time needs an offset or Z")
        return [_named(v) for v in zone_versions.in_force(session, when)]
    return [_public(r) for r in zone_service.stored_zones(session, withdrawn=withdrawn)]


@router.get("/export", operation_id="zones-export")
def export_zones(
    _user: CurrentUser,
    session: SessionDep,
    airspace: PlannerDep,
    format: Annotated[Literal["geojson", "ed269", "ed318"], Query()] = "geojson",
) -> dict[str, Any]:
    """The active zones as one GeoJSON, ED-269 or ED-318 document."""
    zones = zone_service.active_zones(session, airspace)
    if format == "ed269":
        return zones_to_ed269(zones)
    if format == "ed318":
        return zones_to_ed318(zones)
    return zones_to_geojson(zones, at=None, deployment=airspace.deployment)


@router.get("/{zone_id}", operation_id="zones-get", response_model=ZonePublic, responses=ERRORS)
def get_zone(zone_id: str, _user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """One zone as stored."""
    row = session.get(ZoneRow, zone_id)
    if row is None:
        raise not_found("zone", zone_id)
    return _public(row)
