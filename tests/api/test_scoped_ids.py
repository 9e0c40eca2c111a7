"""Flight and drone ids are each operator's own (api.scoped_ids): an operator cannot tell an
id another operator holds from a free one, and a serial number held by another operator is
refused without naming anyone (the regulators are told)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import EAST, NORTH


def _shape(x: Any) -> Any:
    """The structure of an answer: its keys and value types, recursively."""
    if isinstance(x, dict):
        return {k: _shape(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_shape(v) for v in x[:1]]
    return type(x).__name__


def _register(service, who: str, drone_id: str, serial: str):
    body = {"id": drone_id, "serial": serial, "max_speed_mps": 20.0, "empty_weight_kg": 0.9}
    body |= {"max_takeoff_weight_kg": 1.5, "capabilities": ["remote_id", "geofencing"]}
    return service.client.post("/v1/drones", json=body, headers=service.h(who))


def test_a_drone_id_held_by_another_operator_answers_like_a_free_one(service):
    c = service.client
    service.drone("a", "DR-1")
    taken = _register(service, "b", "DR-1", "SN-B-1")
    free = _register(service, "b", "DR-2", "SN-B-2")
    assert taken.status_code == free.status_code == 201
    assert taken.json()["id"] == "DR-1" and free.json()["id"] == "DR-2"
    assert _shape(taken.json()) == _shape(free.json())
    same = {"id": "DR-2", "serial": "SN-B-2", "created_at": free.json()["created_at"]}
    assert taken.json() | same == free.json()
    for path in ("/v1/drones", "/v1/drones/DR-1"):
        assert "~" not in c.get(path, headers=service.h("b")).text
    assert [d["id"] for d in c.get("/v1/drones", headers=service.h("b")).json()] == ["DR-1", "DR-2"]
    assert c.get("/v1/drones/DR-1", headers=service.h("b")).json()["serial"] == "SN-B-1"
    assert c.get("/v1/drones/DR-1", headers=service.h("a")).json()["serial"] == "SN-DR-1"
    # A second drone of the same name is B's own conflict, said plainly.
    again = _register(service, "b", "DR-1", "SN-B-3")
    assert again.status_code == 409 and again.json()["error"]["code"] == "drone_exists"
    # Regulators see both, by distinct keys, and can address each.
    everyone = c.get("/v1/drones", headers=service.h("regulator")).json()
    ids = {d["serial"]: d["id"] for d in everyone}
    assert ids["SN-DR-1"] == "DR-1" and ids["SN-B-1"].startswith("DR-1~")
    got = c.get(f"/v1/drones/{ids['SN-B-1']}", headers=service.h("regulator")).json()
    assert got["operator_id"] == "OP-B"
    # B deregisters its own DR-1; A's stays.
    assert c.delete("/v1/drones/DR-1", headers=service.h("b")).status_code == 204
    assert c.get("/v1/drones/DR-1", headers=service.h("a")).status_code == 200
    assert c.get("/v1/drones/DR-1", headers=service.h("b")).status_code == 404


def test_a_serial_held_by_another_operator_is_refused_without_naming_it(service):
    c = service.client
    service.drone("a", "DR-A1")  # serial SN-DR-A1
    r = _register(service, "b", "DR-B1", "SN-DR-A1")
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "serial_unavailable" and err["fields"][0]["field"] == "serial"
    assert "OP-A" not in r.text and "DR-A1" not in r.text.replace("SN-DR-A1", "")
    assert "regulator" in err["message"]
    assert c.get("/v1/drones/DR-B1", headers=service.h("b")).status_code == 404
    # Only regulators hear of it, naming both sides; the audit log keeps it too.
    for who in ("a", "b"):
        notes = c.get("/v1/notifications", headers=service.h(who)).json()
        assert not [n for n in notes if n["kind"] == "serial_conflict"]
    notes = c.get("/v1/notifications", headers=service.h("regulator")).json()
    (note,) = [n for n in notes if n["kind"] == "serial_conflict"]
    assert note["payload"] == {
        "serial": "SN-DR-A1",
        "drone": "DR-B1",
        "operator": "OP-B",
        "registered_drone": "DR-A1",
        "registered_operator": "OP-A",
    }


def test_a_flight_id_held_by_another_operator_answers_like_a_free_one(service):
    c = service.client
    service.drone("a", "DR-1")
    service.drone("b", "DR-1", serial="SN-B-DR-1")  # B's own DR-1
    service.drone("b", "DR-2", serial="SN-B-DR-2")
    a1 = service.fly("a", "DR-1", EAST, flight="F-1", window_s=0)
    assert a1.status_code == 201 and a1.json()["status"] == "approved"
    # B files "F-1" (A holds it) and "F-2" (free) the same way: the answers match.
    taken = service.fly("b", "DR-1", NORTH, flight="F-1", start_in_s=3600)
    free = service.fly("b", "DR-1", NORTH, flight="F-2", start_in_s=7200)
    assert taken.status_code == free.status_code == 201
    assert taken.json()["flight"] == "F-1" and free.json()["flight"] == "F-2"
    assert taken.json()["drone"] == free.json()["drone"] == "DR-1"
    assert _shape(taken.json()) == _shape(free.json())
    assert "~" not in taken.text
    # Each operator reads, lists and changes its own F-1.
    mine = c.get("/v1/flights/F-1", headers=service.h("b")).json()
    assert mine["operator"] == "OP-B" and mine["trajectory"] == taken.json()["trajectory"]
    listed = c.get("/v1/flights", headers=service.h("b")).json()["items"]
    assert sorted(f["flight"] for f in listed) == ["F-1", "F-2"] and "~" not in str(listed)
    assert c.get("/v1/flights/F-1", headers=service.h("a")).json()["operator"] == "OP-A"
    again = service.fly("b", "DR-2", NORTH, flight="F-1")
    assert again.status_code == 409 and again.json()["error"]["code"] == "flight_exists"
    # A flight of B's that conflicts with B's own F-1 is rejected naming "F-1".
    clash = service.fly("b", "DR-2", NORTH, flight="F-3", start_in_s=3600, window_s=0)
    body = clash.json()
    assert body["status"] == "rejected" and "~" not in clash.text
    assert any(x.get("flight") == "F-1" for x in body["reasons"])
    cancelled = c.post("/v1/flights/F-1/cancel", headers=service.h("b"))
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert "~" not in cancelled.text
    assert c.get("/v1/flights/F-1", headers=service.h("a")).json()["state"] == "accepted"
    assert "~" not in c.get("/v1/notifications", headers=service.h("b")).text
    # Regulators see two flights, by distinct keys.
    everyone = c.get("/v1/flights", headers=service.h("regulator")).json()["items"]
    keys = {f["operator"]: f["flight"] for f in everyone if f["flight"].startswith("F-1")}
    assert keys["OP-A"] == "F-1" and keys["OP-B"].startswith("F-1~")
    got = c.get(f"/v1/flights/{keys['OP-B']}", headers=service.h("regulator")).json()
    assert got["state"] == "cancelled"


def test_ids_too_long_to_qualify_are_refused_by_the_schema(service):
    r = service.fly("a", "DR-1", EAST, flight="F" * 56)
    assert r.status_code == 422 and "flight" in r.text
    r = _register(service, "a", "D" * 56, "SN-LONG")
    assert r.status_code == 422
