"""Filing flights over HTTP: decisions, idempotent retries, conflicts, lifecycle, visibility,
and a restart that reloads every accepted flight."""

from __future__ import annotations

import numpy as np

from airspace.deployment import QINGDAO
from scenarios.safety import RouteVolume, check_safety
from tests.api.conftest import EAST, NORTH, make_service


def _safe(flights: list[dict]) -> bool:
    routes = [RouteVolume(f["flight"], np.asarray(f["trajectory"], dtype=float)) for f in flights]
    return check_safety(routes, deployment=QINGDAO, sep_h_m=50.0, sep_v_m=20.0).ok


def test_a_flight_is_approved_with_its_4d_trajectory(service):
    service.drone("a", "DR-A1")
    r = service.fly("a", "DR-A1", EAST)
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["status"] == "approved" and f["state"] == "accepted" and f["reasons"] == []
    traj = np.asarray(f["trajectory"])
    assert traj.shape[1] == 4 and traj[0, 3] == f["departure"]
    assert np.allclose(traj[[0, -1], :2], [EAST[0][:2], EAST[-1][:2]])
    got = service.client.get(f"/v1/flights/{f['flight']}", headers=service.h("a")).json()
    assert got["trajectory"] == f["trajectory"] and got["departure_time"]


def test_crossing_flights_are_separated_in_time(service):
    service.drone("a", "DR-A1")
    service.drone("b", "DR-B1")
    first = service.fly("a", "DR-A1", EAST, window_s=0).json()
    second = service.fly("b", "DR-B1", NORTH, start_in_s=600, window_s=1800).json()
    assert first["status"] == "approved"
    assert second["status"] == "approved" and second["delay_s"] > 0
    assert _safe([first, second])
    # No room at all: same route, same instant, no window -> rejected, naming the flight.
    service.drone("b", "DR-B2")
    third = service.fly("b", "DR-B2", EAST, window_s=0).json()
    assert third["status"] == "rejected" and third["state"] == "rejected"
    assert any(x.get("flight") == first["flight"] for x in third["reasons"])


def test_request_id_makes_filing_idempotent(service):
    service.drone("a", "DR-A1")
    now = service.now_s()
    body = {
        "request_id": "retry-1",
        "drone": "DR-A1",
        "departure": {"earliest": now + 600, "latest": now + 1200},
        "speed_mps": 10.0,
        "route": {"waypoints": EAST},
    }
    r1 = service.client.post("/v1/flights", json=body, headers=service.h("a"))
    r2 = service.client.post("/v1/flights", json=body, headers=service.h("a"))
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert r1.json() == r2.json()
    listed = service.client.get("/v1/flights", headers=service.h("a")).json()
    assert listed["count"] == 1
    r3 = service.client.post("/v1/flights", json=body | {"priority": 5}, headers=service.h("a"))
    assert r3.status_code == 409 and r3.json()["error"]["fields"][0]["field"] == "request_id"


def test_lifecycle_and_released_airspace(service):
    c, h = service.client, service.h
    service.drone("a", "DR-A1")
    service.drone("b", "DR-B1")
    a = service.fly("a", "DR-A1", EAST, window_s=0).json()
    assert service.fly("b", "DR-B1", EAST, window_s=0).json()["status"] == "rejected"
    assert c.post(f"/v1/flights/{a['flight']}/end", headers=h("b")).status_code == 404  # not B's
    assert (
        c.post(f"/v1/flights/{a['flight']}/cancel", headers=h("a")).json()["state"] == "cancelled"
    )
    assert c.post(f"/v1/flights/{a['flight']}/activate", headers=h("a")).status_code == 409
    again = service.fly("b", "DR-B1", EAST, window_s=0).json()
    assert again["status"] == "approved" and again["delay_s"] == 0
    assert (
        c.post(f"/v1/flights/{again['flight']}/activate", headers=h("b")).json()["state"]
        == "activated"
    )
    assert c.post(f"/v1/flights/{again['flight']}/end", headers=h("b")).json()["state"] == "ended"
    states = {
        f["flight"]: f["state"]
        for f in c.get("/v1/flights", headers=h("regulator")).json()["items"]
    }
    assert states[a["flight"]] == "cancelled" and states[again["flight"]] == "ended"
    only = c.get("/v1/flights", params={"state": "ended"}, headers=h("b")).json()["items"]
    assert [f["flight"] for f in only] == [again["flight"]]
    assert c.get(f"/v1/flights/{again['flight']}", headers=h("a")).status_code == 404


def test_restart_reloads_accepted_flights(db_url):
    svc = make_service(db_url)
    svc.drone("a", "DR-A1")
    svc.drone("b", "DR-B1")
    first = svc.fly("a", "DR-A1", EAST, window_s=0).json()
    assert first["status"] == "approved"
    svc.client.close()
    svc.app.state.store.dispose()

    again = make_service(db_url)
    try:
        assert again.app.state.airspace.planner.records().keys() >= {first["flight"]}
        clash = again.fly("b", "DR-B1", EAST, window_s=0).json()
        assert clash["status"] == "rejected"
        got = again.client.get(
            f"/v1/flights/{first['flight']}", headers=again.h("regulator")
        ).json()
        assert got["state"] == "accepted" and got["trajectory"] == first["trajectory"]
    finally:
        again.client.close()
        again.app.state.store.dispose()
