"""The Swiss (che) InterUSS samples through the interfaces at the Bern deployment: zone files
(the real ED-269 / ED-318 samples plus test zones) loaded at start-up, flights planned with
advisories or refused, and geospatial_map queries finding blocking, advisory and no features."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from uas_standards.interuss.automated_testing.geospatial_map.v1 import api as gm

from tests.api.interuss.conftest import BERN, DIRECT, GM_DIRECT, QUERY, flight_plan

# About 1 km east of the Bern centre a CONDITIONAL zone, 1.1 km north a PROHIBITED one
CONDITIONAL_AT = (7.4900, 46.9749)
PROHIBITED_AT = (7.4774, 46.9850)


def ed269_zone(
    ident: str, restriction: str, lonlat: tuple[float, float], half_deg: float = 0.002
) -> dict[str, Any]:
    lon, lat = lonlat
    ring = [
        [lon - half_deg, lat - half_deg],
        [lon + half_deg, lat - half_deg],
        [lon + half_deg, lat + half_deg],
        [lon - half_deg, lat + half_deg],
        [lon - half_deg, lat - half_deg],
    ]
    return {
        "identifier": ident,
        "country": "CHE",
        "name": f"{ident} test zone",
        "type": "COMMON",
        "restriction": restriction,
        "reason": ["OTHER"],
        "applicability": [{"permanent": "YES"}],
        "geometry": [
            {
                "uomDimensions": "M",
                "lowerLimit": 0,
                "lowerVerticalReference": "AGL",
                "upperLimit": 120,
                "upperVerticalReference": "AGL",
                "horizontalProjection": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


@pytest.fixture
def che_uss(make_uss, interop: Path, tmp_path: Path):
    che = interop / "interuss_monitoring" / "che"
    test_zones = tmp_path / "bern_test_zones.ed269.json"
    test_zones.write_text(
        json.dumps(
            {
                "UASZoneList": [
                    ed269_zone("BERN-COND", "CONDITIONAL", CONDITIONAL_AT),
                    ed269_zone("BERN-PROH", "PROHIBITED", PROHIBITED_AT),
                ]
            }
        )
    )
    files = [che / "cis_source_sample_ed269.json", che / "cis_source_sample_ed318.json", test_zones]
    return make_uss(zone_files=",".join(str(f) for f in files), interuss_rule_sets="Rules1")


def moved(intent: dict[str, Any], to: tuple[float, float]) -> Any:
    plan = flight_plan(intent)
    dx, dy = to[0] - BERN[0], to[1] - BERN[1]
    for v4 in plan.basic_information.area:
        for v in v4.volume.outline_polygon.vertices:
            v.lng += dx
            v.lat += dy
    return plan


def test_zone_files_are_published_at_start_up(che_uss):
    zones = che_uss.app.state.airspace.zones
    assert {"LSXX", "LSZB003", "BLns058", "LSTB002", "BERN-COND", "BERN-PROH"} <= set(zones)


def test_advisories_for_conditional_zones_and_refusals_for_restricted_ones(che_uss, intents):
    flight = intents["non_conflicting/flight_2"]
    cond_id = str(uuid.uuid4())
    cond = che_uss.put(cond_id, moved(flight, CONDITIONAL_AT))
    assert (cond.planning_result, cond.flight_plan_status) == ("Completed", "Planned"), cond.notes
    assert cond.includes_advisories == "AtLeastOneAdvisoryOrCondition"
    assert "BERN-COND" in cond.notes
    proh = che_uss.put(str(uuid.uuid4()), moved(flight, PROHIBITED_AT))
    assert proh.planning_result == "Rejected" and "BERN-PROH" in proh.notes
    # the standard intents are about a kilometre wide: close the first before the next
    r = che_uss.client.delete(
        f"/flight_planning/v1/flight_plans/{cond_id}", headers=che_uss.h(DIRECT)
    )
    assert r.json()["flight_plan_status"] == "Closed"
    clear = che_uss.put(str(uuid.uuid4()), flight_plan(flight))
    assert clear.includes_advisories == "NoAdvisoriesOrConditions", clear.notes


def test_che_flight_near_bern_is_planned_and_the_high_one_needs_authorisation(che_uss, intents):
    low = che_uss.put(
        str(uuid.uuid4()), flight_plan(intents["general_flight_auth_flights/flight1"], move=False)
    )
    assert (low.planning_result, low.flight_plan_status) == ("Completed", "Planned"), low.notes
    high = che_uss.put(
        str(uuid.uuid4()), flight_plan(intents["general_flight_auth_flights/flight2"], move=False)
    )
    assert (high.planning_result, high.flight_plan_status) == ("Rejected", "NotPlanned")
    assert "authorisation" in high.notes and "CEILING" in high.notes


def test_che_flight_authorisations_are_checked(che_uss, intents):
    bad = che_uss.put(
        str(uuid.uuid4()),
        flight_plan(intents["invalid_flight_auths/invalid_flight_auth"], move=False),
    )
    assert bad.planning_result == "Rejected" and "CTA-2063" in bad.notes
    good = che_uss.put(
        str(uuid.uuid4()),
        flight_plan(intents["invalid_flight_auths/valid_flight_auth"], move=False),
    )
    assert (good.planning_result, good.flight_plan_status) == ("Completed", "Planned")


def point_check(lonlat, height_m, impact, **extra) -> gm.GeospatialMapCheck:
    position = gm.Position(
        location=gm.LatLngPoint(lng=lonlat[0], lat=lonlat[1]),
        altitude=gm.Altitude(value=height_m, reference="SFC", units="M"),
    )
    return gm.GeospatialMapCheck(
        filter_sets=[
            gm.GeospatialFeatureFilterSet(
                position=position, resulting_operational_impact=impact, **extra
            )
        ]
    )


def query(uss, checks) -> list[str]:
    body = json.loads(json.dumps(gm.GeospatialMapQueryRequest(checks=checks)))
    r = uss.client.post("/geospatial_map/v1/map/queries", json=body, headers=uss.h(QUERY))
    assert r.status_code == 200, r.text
    return [res["features_selection_outcome"] for res in r.json()["results"]]


def test_map_queries_find_blocking_advisory_and_no_features(che_uss):
    lszb = (7.4703, 46.9543)  # inside the real ED-318 sample zone LSZB003 (60 m AGL and up)
    assert query(
        che_uss,
        [
            point_check(lszb, 100.0, "Block"),
            point_check(lszb, 30.0, "Block"),  # under its floor
            point_check(lszb, 100.0, "Advise"),
            point_check(CONDITIONAL_AT, 50.0, "Advise"),
            point_check(CONDITIONAL_AT, 50.0, "Block"),
            point_check(PROHIBITED_AT, 50.0, "BlockOrAdvise"),
            point_check(BERN, 50.0, "BlockOrAdvise"),
        ],
    ) == ["Present", "Absent", "Absent", "Present", "Absent", "Present", "Absent"]


def test_map_queries_by_volume_time_source_rule_set_and_restriction(che_uss):
    now = datetime.now(UTC)

    def volume_check(lonlat, start, end, **extra):
        lon, lat = lonlat
        v4 = gm.Volume4D(
            volume=gm.Volume3D(
                outline_circle=gm.Circle(
                    center=gm.LatLngPoint(lng=lon, lat=lat), radius=gm.Radius(value=50.0, units="M")
                ),
                altitude_lower=gm.Altitude(value=540.0 + 49.5, reference="W84", units="M"),
                altitude_upper=gm.Altitude(value=200.0, reference="SFC", units="M"),
            ),
            time_start=gm.Time(value=start.isoformat()),
            time_end=gm.Time(value=end.isoformat()),
        )
        return gm.GeospatialMapCheck(
            filter_sets=[gm.GeospatialFeatureFilterSet(volumes4d=[v4], **extra)]
        )

    soon, later = now + timedelta(minutes=5), now + timedelta(minutes=50)
    assert query(
        che_uss,
        [
            volume_check(PROHIBITED_AT, soon, later),
            volume_check(BERN, soon, later),
            volume_check(PROHIBITED_AT, soon, later, restriction_source="somebody-else"),
            volume_check(
                PROHIBITED_AT,
                soon,
                later,
                restriction_source="qingkong",
                operation_rule_set="Rules1",
            ),
            volume_check(PROHIBITED_AT, soon, later, operation_rule_set="Rules2"),
            volume_check(
                PROHIBITED_AT, soon, later, ed269={"acceptable_restrictions": ["CONDITIONAL"]}
            ),
            volume_check(
                CONDITIONAL_AT, soon, later, ed269={"acceptable_restrictions": ["CONDITIONAL"]}
            ),
        ],
    ) == ["Present", "Absent", "Absent", "Present", "Absent", "Absent", "Present"]
    r = che_uss.client.post(
        "/geospatial_map/v1/map/queries",
        json={"checks": [{"filter_sets": [{"ed269": {"u_space_class": "EUROPEAN"}}]}]},
        headers=che_uss.h(QUERY),
    )
    assert r.json()["results"][0]["features_selection_outcome"] == "UnsupportedFilter"
    assert "U-space class" in r.json()["results"][0]["message"]


def test_data_sources_are_answered_unsupported(che_uss):
    body = {"https_source": {"url": "http://127.0.0.1:9/zones.json", "format": "ED-269"}}
    r = che_uss.client.put(
        "/geospatial_map/v1/geospatial_data_sources/src-1", json=body, headers=che_uss.h(GM_DIRECT)
    )
    assert r.status_code == 200
    assert r.json()["data_source"]["status"] == "Unsupported"
    assert "QINGKONG_ZONE_FILES" in r.json()["data_source"]["message"]


def test_a_filter_set_needs_all_its_criteria(che_uss):
    now = datetime.now(UTC)
    v4 = gm.Volume4D(
        volume=gm.Volume3D(
            outline_circle=gm.Circle(
                center=gm.LatLngPoint(lng=PROHIBITED_AT[0], lat=PROHIBITED_AT[1]),
                radius=gm.Radius(value=100.0, units="M"),
            ),
            altitude_lower=gm.Altitude(value=0.0, reference="SFC", units="M"),
            altitude_upper=gm.Altitude(value=100.0, reference="SFC", units="M"),
        ),
        time_start=gm.Time(value=now.isoformat()),
        time_end=gm.Time(value=(now + timedelta(hours=1)).isoformat()),
    )

    def both(lonlat):
        check = point_check(lonlat, 50.0, "Block")
        check.filter_sets[0].volumes4d = [v4]
        return check

    assert query(che_uss, [both(PROHIBITED_AT), both(BERN)]) == ["Present", "Absent"]
