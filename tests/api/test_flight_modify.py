"""``PUT /v1/flights/{id}``: a modification is decided as a new request that ignores the
flight's own old plan; a rejected one leaves the old plan in force unchanged."""

from __future__ import annotations

import pytest

from tests.api.conftest import EAST, NORTH


def modify(service, who, flight_id, drone, waypoints, *, start_in_s, window_s=0.0, **kw):
    now = service.now_s()
    body = {
        "drone": drone,
        "departure": {"earliest": now + start_in_s, "latest": now + start_in_s + window_s},
        "speed_mps": 10.0,
        "route": {"waypoints": waypoints},
    } | kw
    return service.client.put(f"/v1/flights/{flight_id}", json=body, headers=service.h(who))


def test_modification_moves_an_accepted_flight_and_frees_its_old_slot(service):
    service.drone("a", "DR-A")
    service.drone("b", "DR-B")
    first = service.fly("a", "DR-A", EAST, start_in_s=600, window_s=0).json()
    assert first["status"] == "approved"
    # the same flight later: its own old plan is no obstacle
    r = modify(service, "a", first["flight"], "DR-A", EAST, start_in_s=1200)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["modification"]["applied"] is True and body["state"] == "accepted"
    assert body["departure"] == pytest.approx(first["departure"] + 600, abs=2.0)
    # the crossing flight at the old time is now free to go
    crossing = service.fly("b", "DR-B", NORTH, start_in_s=600, window_s=0).json()
    assert crossing["status"] == "approved"
    assert crossing["departure"] == pytest.approx(first["departure"], abs=2.0)


def test_rejected_modification_keeps_the_old_plan(service):
    service.drone("a", "DR-A")
    service.drone("b", "DR-B")
    mine = service.fly("a", "DR-A", EAST, start_in_s=600, window_s=0).json()
    theirs = service.fly("b", "DR-B", NORTH, start_in_s=1800, window_s=0).json()
    assert theirs["status"] == "approved"
    r = modify(service, "a", mine["flight"], "DR-A", EAST, start_in_s=1800)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["modification"]["applied"] is False
    assert body["modification"]["decision"]["status"] == "rejected"
    reasons = body["modification"]["decision"]["reasons"]
    assert [x["flight"] for x in reasons if x["code"] == "CONFLICT"] == [theirs["flight"]]
    now = service.client.get(f"/v1/flights/{mine['flight']}", headers=service.h("a")).json()
    assert (now["state"], now["departure"]) == ("accepted", mine["departure"])


def test_activated_flight_can_be_modified_and_stays_in_the_air(service):
    service.drone("a", "DR-A")
    f = service.fly("a", "DR-A", EAST, start_in_s=600, window_s=0).json()
    assert (
        service.client.post(
            f"/v1/flights/{f['flight']}/activate", headers=service.h("a")
        ).status_code
        == 200
    )
    higher = [[x, y, 80.0 if z else 0.0] for x, y, z in EAST]
    r = modify(service, "a", f["flight"], "DR-A", higher, start_in_s=600)
    assert r.status_code == 200, r.text
    assert r.json()["modification"]["applied"] is True and r.json()["state"] == "activated"
    assert max(row[2] for row in r.json()["trajectory"]) == 80.0


def test_others_flights_and_closed_flights_cannot_be_modified(service):
    service.drone("a", "DR-A")
    service.drone("b", "DR-B")
    f = service.fly("a", "DR-A", EAST).json()
    assert modify(service, "b", f["flight"], "DR-B", EAST, start_in_s=900).status_code == 404
    service.client.post(f"/v1/flights/{f['flight']}/cancel", headers=service.h("a"))
    r = modify(service, "a", f["flight"], "DR-A", EAST, start_in_s=900)
    assert r.status_code == 409 and "cancelled" in r.json()["error"]["message"]
    r = modify(service, "a", f["flight"], "DR-A", EAST, start_in_s=900, flight="OTHER")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "flight"
