"""Zones published by regulators: affected accepted flights are re-planned or revoked with a
notification; uploads in ED-269; withdrawal; geo-awareness queries."""

from __future__ import annotations

from tests.api.conftest import EAST

TFR = {
    "id": "TFR-PARADE",
    "restriction": "PROHIBITED",
    "geometry": {"type": "Circle", "center": [120.31, 36.10], "radius_m": 300},
    "lower_m": 0,
    "upper_m": 200,
}


def test_a_temporary_restriction_revokes_or_replans_and_notifies(no_workflow):
    service = no_workflow  # effective at once: only without the 24 h lead time
    c, h = service.client, service.h
    service.drone("a", "DR-A1")
    f = service.fly("a", "DR-A1", EAST, window_s=0).json()
    assert f["status"] == "approved"
    now = service.now_s()
    tfr = TFR | {"schedule": [{"start": now, "end": now + 7200}]}
    r = c.post("/v1/zones", json=tfr, headers=h("regulator"))
    assert r.status_code == 201, r.text
    changes = r.json()["changes"]
    assert [x["flight"] for x in changes] == [f["flight"]]
    assert changes[0]["kind"] in ("revoked", "replanned")
    now_state = c.get(f"/v1/flights/{f['flight']}", headers=h("a")).json()["state"]
    assert now_state == ("revoked" if changes[0]["kind"] == "revoked" else "accepted")
    notes = c.get("/v1/notifications", headers=h("a")).json()
    assert [n["flight"] for n in notes] == [f["flight"]] and notes[0]["kind"] == changes[0]["kind"]
    assert c.get("/v1/notifications", headers=h("b")).json() == []
    stream = c.get("/v1/notifications/stream", params={"timeout_s": 0.5}, headers=h("a"))
    assert stream.status_code == 200 and f"event: {changes[0]['kind']}" in stream.text
    # A new request through the restriction while it is active is refused or moved after it.
    service.drone("a", "DR-A2")
    g = service.fly("a", "DR-A2", EAST, start_in_s=60, window_s=600).json()
    assert g["status"] == "rejected"
    assert any(x.get("zone") == "TFR-PARADE" for x in g["reasons"])


def test_zone_crud_and_geo_awareness(service):
    c, h = service.client, service.h
    assert c.post("/v1/zones", json=TFR, headers=h("regulator")).status_code == 201
    assert c.post("/v1/zones", json=TFR, headers=h("regulator")).status_code == 409
    now = service.now_s()
    q = {"lon": 120.31, "lat": 36.10, "altitude_m": 50, "start": now, "end": now + 60}
    hits = c.get("/v1/geo/point", params=q, headers=h("a")).json()
    assert [x["zone"] for x in hits] == ["TFR-PARADE"]
    outside = c.get("/v1/geo/point", params=q | {"lon": 120.35}, headers=h("a")).json()
    assert outside == []
    route = {"trajectory": [[120.30, 36.10, 60, now], [120.32, 36.10, 60, now + 200]]}
    assert [x["zone"] for x in c.post("/v1/geo/route", json=route, headers=h("a")).json()] == [
        "TFR-PARADE"
    ]
    high = {"trajectory": [[120.30, 36.10, 250, now], [120.32, 36.10, 250, now + 200]]}
    assert c.post("/v1/geo/route", json=high, headers=h("a")).json() == []
    box = {
        "area": {
            "type": "Polygon",
            "coordinates": [
                [
                    [120.305, 36.095],
                    [120.315, 36.095],
                    [120.315, 36.105],
                    [120.305, 36.105],
                    [120.305, 36.095],
                ]
            ],
        },
        "lower_m": 0,
        "upper_m": 50,
        "start": now,
        "end": now + 60,
    }
    assert [x["zone"] for x in c.post("/v1/geo/volume", json=box, headers=h("a")).json()] == [
        "TFR-PARADE"
    ]
    moved = TFR | {"geometry": {"type": "Circle", "center": [120.40, 36.10], "radius_m": 300}}
    assert (
        c.put("/v1/zones/TFR-PARADE", json=moved, headers=h("regulator")).json()["zones"][0][
            "version"
        ]
        == 2
    )
    assert c.get("/v1/geo/point", params=q, headers=h("a")).json() == []
    assert c.delete("/v1/zones/TFR-PARADE", headers=h("regulator")).json()["withdrawn"] is True
    assert c.get("/v1/zones", headers=h("a")).json() == []
    assert c.delete("/v1/zones/TFR-PARADE", headers=h("regulator")).status_code == 404


def test_upload_ed269_and_export(service):
    c, h = service.client, service.h
    doc = {
        "title": "Qingdao test zones",
        "features": [
            {
                "identifier": "QD-PORT",
                "country": "CHN",
                "name": "Port",
                "type": "COMMON",
                "restriction": "REQ_AUTHORIZATION",
                "zoneAuthority": [{"name": "CAAC"}],
                "applicability": [{"permanent": "YES"}],
                "geometry": [
                    {
                        "uomDimensions": "M",
                        "lowerLimit": 0,
                        "lowerVerticalReference": "AGL",
                        "upperLimit": 120,
                        "upperVerticalReference": "AGL",
                        "horizontalProjection": {
                            "type": "Polygon",
                            "coordinates": [
                                [
                                    [120.30, 36.05],
                                    [120.33, 36.05],
                                    [120.33, 36.07],
                                    [120.30, 36.07],
                                    [120.30, 36.05],
                                ]
                            ],
                        },
                    }
                ],
            }
        ],
    }
    r = c.post("/v1/zones/upload", json=doc, headers=h("regulator"))
    assert r.status_code == 201, r.text
    assert [z["id"] for z in r.json()["zones"]] == ["QD-PORT"]
    assert r.json()["zones"][0]["restriction"] == "REQ_AUTHORISATION"
    out = c.get("/v1/zones/export", params={"format": "geojson"}, headers=h("a")).json()
    assert out["type"] == "FeatureCollection" and len(out["features"]) == 1
    bad = c.post(
        "/v1/zones/upload", json={"features": [{"identifier": "X"}]}, headers=h("regulator")
    )
    assert bad.status_code == 422 and bad.json()["error"]["message"]


def test_review_queue(no_workflow):
    service = no_workflow  # a medium drone filed minutes ahead: only without the workflow
    c, h = service.client, service.h
    service.drone("a", "DR-HEAVY", empty_weight_kg=60.0, max_takeoff_weight_kg=140.0)
    f = service.fly("a", "DR-HEAVY", EAST).json()
    assert f["status"] == "pending" and f["state"] == "pending"
    queue = c.get("/v1/reviews", headers=h("regulator")).json()["items"]
    assert [x["flight"] for x in queue] == [f["flight"]]
    r = c.post(
        f"/v1/reviews/{f['flight']}",
        json={"approve": True, "comment": "ok, escort ready"},
        headers=h("regulator"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "accepted" and r.json()["review_comment"] == "ok, escort ready"
    assert c.get("/v1/reviews", headers=h("regulator")).json()["items"] == []
    notes = c.get("/v1/notifications", headers=h("a")).json()
    assert [n["kind"] for n in notes] == ["approved"]
    again = c.post(f"/v1/reviews/{f['flight']}", json={"approve": False}, headers=h("regulator"))
    assert again.status_code == 409


def test_uploads_of_real_files_outside_the_deployment_are_refused_by_name(service, interop):
    import json

    from airspace.formats import QINGDAO_ZONES_PATH

    c, h = service.client, service.h
    swiss = json.loads(
        (interop / "interuss_monitoring/che/cis_source_sample_ed318.json").read_text()
    )
    r = c.post("/v1/zones/upload", json=swiss, headers=h("regulator"))
    assert r.status_code == 422 and "LSZB003" in r.json()["error"]["message"]
    assert c.get("/v1/zones", headers=h("a")).json() == []
    r = c.post(
        "/v1/zones/upload", json=json.loads(QINGDAO_ZONES_PATH.read_text()), headers=h("regulator")
    )
    assert r.status_code == 201
    names = {z["id"]: z["name"] for z in r.json()["zones"]}
    assert len(names) >= 5 and all(names.values())
    assert (
        c.post(
            "/v1/zones/upload",
            json=json.loads(QINGDAO_ZONES_PATH.read_text()),
            headers=h("regulator"),
        ).status_code
        == 409
    )


def test_repaired_geometry_is_reported_in_the_answer(service):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[120.30, 36.10], [120.32, 36.12], [120.32, 36.10], [120.30, 36.12], [120.30, 36.10]]
        ],
    }
    r = service.client.post(
        "/v1/zones",
        json={
            "id": "BOWTIE",
            "restriction": "PROHIBITED",
            "geometry": bow_tie,
            "lower_m": 0,
            "upper_m": 100,
        },
        headers=service.h("regulator"),
    )
    assert r.status_code == 201, r.text
    assert any("BOWTIE" in x and "repaired" in x for x in r.json()["repairs"]), r.json()["repairs"]
    unclosed = {
        "type": "Polygon",
        "coordinates": [[[120.40, 36.10], [120.41, 36.10], [120.41, 36.11]]],
    }
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": unclosed,
                "properties": {
                    "id": "OPEN-RING",
                    "restriction": "PROHIBITED",
                    "lower_m": 0,
                    "upper_m": 100,
                },
            }
        ],
    }
    r = service.client.post("/v1/zones/upload", json=doc, headers=service.h("regulator"))
    assert r.status_code == 201, r.text
    assert any("not closed" in x for x in r.json()["repairs"]), r.json()["repairs"]


def test_the_zone_list_is_the_planners_and_a_republished_zone_keeps_its_place(service):
    c, h = service.client, service.h
    second = TFR | {"id": "TFR-SECOND", "geometry": TFR["geometry"] | {"center": [120.33, 36.10]}}
    for zone in (TFR, second):
        assert c.post("/v1/zones", json=zone, headers=h("regulator")).status_code == 201
    moved = TFR | {"upper_m": 150}
    assert c.put("/v1/zones/TFR-PARADE", json=moved, headers=h("regulator")).status_code == 200
    airspace = service.app.state.airspace
    assert list(airspace.zones) == ["TFR-PARADE", "TFR-SECOND"]
    zone_set = airspace.planner.zone_set
    assert all(z is zone_set[zid] for zid, z in airspace.zones.items())
    assert airspace.zones["TFR-PARADE"].volumes[0].upper_m == 150
    fc = c.get("/v1/map/zones", headers=h("a")).json()
    assert list(dict.fromkeys(f["properties"]["id"] for f in fc["features"])) == [
        "TFR-PARADE",
        "TFR-SECOND",
    ]
    assert c.delete("/v1/zones/TFR-PARADE", headers=h("regulator")).status_code == 200
    assert list(airspace.zones) == ["TFR-SECOND"] and "TFR-PARADE" not in zone_set
    assert c.post("/v1/zones", json=TFR, headers=h("regulator")).status_code == 201
    assert list(airspace.zones) == ["TFR-SECOND", "TFR-PARADE"]
