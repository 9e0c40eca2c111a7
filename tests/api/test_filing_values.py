"""A filing's values are read once at the edge (:mod:`api.filing`) and the planner's request is
built from them; the answers are those of the planner's own reading
(:func:`planner.requests.request_from_dict`): the same request, and for what only the planner
refused, the same 422 ``invalid_request`` on ``route`` with the same message, given after the
drone and flight checks as before, by the fast path and the FastAPI route alike."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace
from typing import Any

import pytest
from shapely.geometry import Polygon

import api.filing
from airspace.drones import Drone
from api.deps import cached_principal
from api.filing import filing_values
from api.schemas import FlightCreate
from planner.requests import BAD_AREA, request_from_dict
from tests.api.conftest import EAST

AREA = {
    "type": "Polygon",
    "coordinates": [
        [[120.30, 36.10], [120.31, 36.10], [120.31, 36.11], [120.30, 36.11], [120.30, 36.10]]
    ],
}
ONE_FORM = "route: give exactly one of 'waypoints', 'from'/'to' or 'area'"
TO_NEEDS_FROM = "route.from: a 'to' needs a 'from' position [lon, lat]"


def _area(**kw: Any) -> dict[str, Any]:
    return {"area": AREA, "lower_m": 0.0, "upper_m": 100.0, "duration_s": 600.0} | kw


# Bodies the model accepts and the planner's reading refuses, with its message (as the
# service answered before the values were read at the edge).
REFUSED = [
    ({"waypoints": EAST, "area": None}, ONE_FORM),
    ({"waypoints": EAST, "from": None}, ONE_FORM),
    ({"waypoints": EAST, "from": None, "to": None}, ONE_FORM),
    ({"waypoints": EAST, "to": None}, TO_NEEDS_FROM),
    ({"from": [120.30, 36.10], "to": [120.32, 36.10], "waypoints": None}, ONE_FORM),
    (_area(waypoints=None), ONE_FORM),
    (_area(lower_m=-math.inf), "route.lower_m: expected a finite number, got -inf"),
    (_area(upper_m=math.inf), "route.upper_m: expected a finite number, got inf"),
    (_area(duration_s=math.inf), "route.duration_s: expected a finite number, got inf"),
    (
        _area(lower_m=-math.inf, upper_m=math.inf, duration_s=math.inf),
        "route.lower_m: expected a finite number, got -inf",
    ),
]


def _post(service, body: dict[str, Any], *, fast: bool):
    if fast:
        service.client.get("/v1/flights", headers=service.h("a"))
        assert cached_principal(service.app.state, service.keys["a"]) is not None
    else:
        service.app.state.key_cache.clear()
    return service.client.post("/v1/flights", content=_json(body), headers=_h(service))


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()  # Infinity too, as Python's json reads it


def _h(service) -> dict[str, str]:
    return service.h("a") | {"Content-Type": "application/json"}


def _body(service, route: dict[str, Any], **kw: Any) -> dict[str, Any]:
    now = service.now_s()
    return {
        "drone": "DR-A1",
        "departure": {"earliest": now + 600, "latest": now + 1800},
        "speed_mps": 10.0,
        "route": route,
    } | kw


def _refusal(message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": "invalid_request",
            "message": message,
            "fields": [{"field": "route", "message": message}],
        }
    }


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "route"])
def test_what_only_the_planner_refused_is_refused_with_its_message(service, fast):
    service.drone("a", "DR-A1")
    for route, message in REFUSED:
        r = _post(service, _body(service, route), fast=fast)
        assert r.status_code == 422, (route, r.text)
        assert r.json() == _refusal(message), route
        # Named as before: after the drone check, whose refusal comes first.
        r = _post(service, _body(service, route, drone="DR-NONE"), fast=fast)
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "drone"


def test_modify_refuses_alike(service):
    service.drone("a", "DR-A1")
    r = _post(service, _body(service, {"waypoints": EAST}, flight="M-1"), fast=False)
    assert r.status_code == 201, r.text
    for route, message in REFUSED:
        body = _json(_body(service, route))
        r = service.client.put("/v1/flights/M-1", content=body, headers=_h(service))
        assert r.status_code == 422 and r.json() == _refusal(message), (route, r.text)


def test_an_area_enclosing_nothing_is_refused_as_the_planner_refused_it(service, monkeypatch):
    """GEOS finds no valid polygon of zero area, but the planner's check stands: a reader that
    let one through would still be answered with the planner's message on ``route``."""
    flat = Polygon([(120.30, 36.10), (120.31, 36.10), (120.32, 36.10)])
    assert flat.area == 0.0
    monkeypatch.setattr(api.filing, "polygon_from_geojson", lambda geom, field: flat)
    service.drone("a", "DR-A1")
    for fast in (True, False):
        r = _post(service, _body(service, _area()), fast=fast)
        assert r.status_code == 422 and r.json() == _refusal(BAD_AREA), r.text


ACCEPTED = [
    {"waypoints": EAST},
    {"waypoints": [[120, 36, 0], [120, 36, 60], [121, 36, 60], [121, 36, 0]]},
    {"waypoints": [[-0.0, 36.1, 0.0], [120.3, 36.1, 60.0]]},
    {"from": [120.30, 36.10], "to": [120.32, 36.10]},
    {"from": [120, 36], "to": [121, 36]},
    _area(),
    _area(lower_m=10, upper_m=20, duration_s=60),
]


@pytest.mark.parametrize("route", ACCEPTED)
@pytest.mark.parametrize("departure", [(600.0, 900.0), (-0.0, 0.0), (5, 7)])
@pytest.mark.parametrize("speed_mps", [None, 12, 7.5])
def test_the_request_is_the_one_the_planners_reading_made(route, departure, speed_mps):
    raw: dict[str, Any] = {
        "drone": "DR-A1",
        "priority": 4,
        "departure": {"earliest": departure[0], "latest": departure[1]},
        "route": route,
    }
    if speed_mps is not None:
        raw["speed_mps"] = speed_mps
    body = FlightCreate.model_validate(raw)
    no_clock: Any = SimpleNamespace()  # times in planner seconds need no clock
    values = filing_values(no_clock, body, raw, max_vertices=1000)
    drone = Drone("DR-A1", operator_id="OP-A")
    got = values.request("F-1", drone, priority=4, operator_id="OP-X")
    want = request_from_dict(raw | {"flight": "F-1", "operator": "OP-X"}, drone)
    assert got == want
    assert repr(got) == repr(want)  # the same floats (a -0.0 reads as 0.0 in both)
