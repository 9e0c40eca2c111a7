"""Real-name drone registration: the class comes from the rules, operators see their own."""

from __future__ import annotations


def test_registration_derives_the_class_and_operators_see_only_their_own(service):
    c = service.client
    d = service.drone("a", "DR-A1")
    assert d["operator_id"] == "OP-A" and d["drone_class"] in {
        "micro",
        "light",
        "small",
        "medium",
        "large",
    }
    heavy = service.drone("a", "DR-A2", empty_weight_kg=60.0, max_takeoff_weight_kg=140.0)
    assert heavy["drone_class"] in {"medium", "large"}
    service.drone("b", "DR-B1")
    mine = [x["id"] for x in c.get("/v1/drones", headers=service.h("a")).json()]
    assert mine == ["DR-A1", "DR-A2"]
    assert c.get("/v1/drones/DR-B1", headers=service.h("a")).status_code == 404
    everyone = [x["id"] for x in c.get("/v1/drones", headers=service.h("regulator")).json()]
    assert everyone == ["DR-A1", "DR-A2", "DR-B1"]


def test_duplicate_ids_and_serials_are_conflicts(service):
    c = service.client
    service.drone("a", "DR-A1")
    r = c.post(
        "/v1/drones",
        json={"id": "DR-A9", "serial": "SN-DR-A1", "max_speed_mps": 10.0},
        headers=service.h("a"),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "serial_exists"
    assert r.json()["error"]["fields"][0]["field"] == "serial"
    assert "DR-A1" in r.json()["error"]["message"]  # its own drone is named
    r = c.post(
        "/v1/drones",
        json={"id": "DR-A1", "serial": "OTHER-1", "max_speed_mps": 10.0},
        headers=service.h("a"),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "drone_exists"


def test_bad_drone_fields_are_named(service):
    c = service.client
    r = c.post(
        "/v1/drones",
        json={"id": "X1", "serial": "SN-X1", "max_speed_mps": False},
        headers=service.h("a"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "body.max_speed_mps"
    r = c.post(
        "/v1/drones",
        json={
            "id": "X1",
            "serial": "SN-X1",
            "max_speed_mps": 10.0,
            "empty_weight_kg": 5.0,
            "max_takeoff_weight_kg": 2.0,
        },
        headers=service.h("a"),
    )
    assert r.status_code == 422 and "empty_weight_kg" in r.json()["error"]["message"]
    r = c.post(
        "/v1/drones",
        json={"id": "X1", "serial": "SN-X1", "max_speed_mps": 10.0, "operator_id": "OP-B"},
        headers=service.h("a"),
    )
    assert r.status_code == 403
    r = c.post(
        "/v1/drones",
        json={"id": "X1", "serial": "SN-X1", "max_speed_mps": 10.0},
        headers=service.h("regulator"),
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "operator_id"


def test_capabilities_are_a_documented_enum_and_the_class_is_explained(service):
    c, h = service.client, service.h("a")
    body = {"id": "DR-X", "serial": "SN-DR-X", "max_speed_mps": 15.0}
    r = c.post("/v1/drones", json=body | {"capabilities": ["remote_idd"]}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "body.capabilities[0]"
    assert "remote_id" in r.json()["error"]["fields"][0]["message"]
    doc = c.get("/openapi.json").json()
    caps = doc["components"]["schemas"]["DroneCreate"]["properties"]["capabilities"]
    assert set(caps["items"]["enum"]) >= {"manual_takeover", "remote_id", "geofencing"}
    assert "manual control" in caps["description"]
    # No weights: the rules cannot place it in a small class, and the answer says why.
    r = c.post("/v1/drones", json=body, headers=h)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["drone_class"] == "large"
    assert "not light" in d["class_reason"] and "max_takeoff_weight_kg" in d["class_reason"]
    assert c.get("/v1/drones/DR-X", headers=h).json()["class_reason"] == d["class_reason"]
