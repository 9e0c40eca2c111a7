"""The InterUSS ``geospatial_map`` v1 automated-testing interface, mounted at
``/geospatial_map/v1``: map queries answered by :mod:`api.interuss.map_queries`. qingkong's zones
come from its own publication (``/v1/zones``, ``QINGKONG_ZONE_FILES``), so the data-source
operations answer ``Unsupported`` with a message saying so."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path
from uas_standards.interuss.automated_testing.geospatial_map.v1 import api as gm
from uas_standards.interuss.automated_testing.geospatial_map.v1.constants import Scope

from api.auth import Principal
from api.deps import PlannerDep, SettingsDep
from api.interuss.flight_planning import ERRORS, parse
from api.interuss.map_queries import answer_query
from api.interuss.security import require
from api.store import utcnow

router = APIRouter(prefix="/geospatial_map/v1", tags=["InterUSS geospatial_map"])
TestDirector = Annotated[Principal, Depends(require(Scope.DirectAutomatedTest.value))]
Querier = Annotated[Principal, Depends(require(Scope.Query.value))]
SOURCE_ID = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
UNSUPPORTED = (
    "qingkong does not load geospatial data sources through this interface; zones are "
    "published by regulators (/v1/zones) or listed in QINGKONG_ZONE_FILES at start-up"
)


@router.get("/status", operation_id="interuss-gm-status", responses=ERRORS)
def status(_user: TestDirector) -> dict[str, Any]:
    """Readiness of the interface."""
    return {
        "status": "Ready",
        "api_name": "Geospatial Map Provider Automated Testing Interface",
        "api_version": f"v{gm.API_VERSION}",
    }


@router.get("/geospatial_data_sources", operation_id="interuss-gm-sources", responses=ERRORS)
def list_sources(_user: TestDirector) -> dict[str, Any]:
    """No sources are loaded through this interface."""
    return {"data_sources": []}


def _unsupported(source_id: str) -> dict[str, Any]:
    return {"data_source": {"id": source_id, "status": "Unsupported", "message": UNSUPPORTED}}


@router.put(
    "/geospatial_data_sources/{geospatial_data_source_id}",
    operation_id="interuss-gm-source-put",
    responses=ERRORS,
)
def put_source(
    geospatial_data_source_id: Annotated[str, SOURCE_ID],
    _user: TestDirector,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Answered ``Unsupported`` (see the module docstring)."""
    parse(body, gm.CreateGeospatialDataSourceRequest)
    return _unsupported(geospatial_data_source_id)


@router.get(
    "/geospatial_data_sources/{geospatial_data_source_id}",
    operation_id="interuss-gm-source-get",
    responses=ERRORS,
)
def get_source(
    geospatial_data_source_id: Annotated[str, SOURCE_ID], _user: TestDirector
) -> dict[str, Any]:
    """A geospatial data source's status: sources cannot be uploaded here."""
    return _unsupported(geospatial_data_source_id)


@router.delete(
    "/geospatial_data_sources/{geospatial_data_source_id}",
    operation_id="interuss-gm-source-delete",
    responses=ERRORS,
)
def delete_source(
    geospatial_data_source_id: Annotated[str, SOURCE_ID], _user: TestDirector
) -> dict[str, Any]:
    """Deactivate a geospatial data source (nothing was uploaded, so nothing to remove)."""
    return {"data_source": {"id": geospatial_data_source_id, "status": "Deactivated"}}


@router.post("/map/queries", operation_id="interuss-gm-query", responses=ERRORS)
def query_map(
    _user: Querier,
    airspace: PlannerDep,
    settings: SettingsDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Present/Absent per check: zones that would block or advise a flight there."""
    parse(body, gm.GeospatialMapQueryRequest)
    deployment = airspace.deployment
    rule_sets = {deployment.rules.lower()} | {
        v.strip().lower() for v in settings.interuss_rule_sets.split(",") if v.strip()
    }
    with airspace.reading():
        index = airspace.zone_index()
    return answer_query(
        index,
        body["checks"],
        now=utcnow(),
        ground_w84_m=deployment.ground_elevation_m + deployment.geoid_undulation_m,
        sources=settings.interuss_restriction_sources,
        rule_sets=rule_sets,
    )
