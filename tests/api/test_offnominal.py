"""Off-nominal volumes: a drone off its plan gets protected airspace that others avoid."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import NORTH, Service, make_service
from tests.api.test_telemetry import airborne, positions, post


@pytest.fixture
def live(db_url: str) -> Iterator[Service]:
    # Positions may be stamped ahead, so the test flies a plan without waiting; a long horizon
    # keeps the volume in force over the other flights' whole departure windows.
    svc = make_service(
        db_url,
        telemetry_max_ahead_s=7200.0,
        lost_link_s=3600.0,
        offnominal_horizon_s=1200.0,
        offnominal_refresh_s=1.0,
    )
    yield svc
    svc.client.close()
    svc.app.state.telemetry.stop()
    svc.app.state.store.dispose()


def zones(svc: Service) -> dict[str, dict[str, Any]]:
    r = svc.client.get("/v1/zones", headers=svc.h("regulator"))
    assert r.status_code == 200, r.text
    body = r.json()
    return {z["id"]: z for z in (body["zones"] if isinstance(body, dict) else body)}


def state(svc: Service, who: str, fid: str) -> dict[str, Any]:
    return svc.client.get(f"/v1/flights/{fid}", headers=svc.h(who)).json()


def reasons(decision: dict[str, Any]) -> list[dict[str, Any]]:
    return decision.get("reasons") or []


def test_a_deviating_drone_is_protected_until_it_conforms_again(live: Service):
    flight = airborne(live)  # OP-A's DR-1 flies EAST, crossing NORTH at (120.31, 36.10)
    fid, volume = flight["flight"], f"OFFNOM-{flight['flight']}"
    live.drone("b", "DR-B")
    r = live.fly("b", "DR-B", NORTH, start_in_s=60)
    assert r.status_code == 201 and r.json()["status"] == "approved", r.text
    other = r.json()["flight"]

    items = positions(live, flight, lat=(40, 80, 0.001))  # ~111 m north for 40 s
    off = [i for i, p in enumerate(items) if p["lat"] > 36.1005]
    assert post(live, "a", items[: off[0]]).json()["refused"] == []
    assert volume not in zones(live)
    assert post(live, "a", items[off[0] : off[2]]).json()["refused"] == []
    # The first volume extends along the jump off the route; the next one along the track.
    assert post(live, "a", items[off[2] : off[3]]).json()["refused"] == []

    # The drone is off its plan: its volume is published, its own flight is not touched.
    assert state(live, "a", fid)["state"] == "nonconforming"
    z = zones(live)[volume]
    assert z["kind"] == "offnominal" and z["restriction"] == "PROHIBITED"
    assert fid in z["name"] and not z["withdrawn"]
    assert live.app.state.airspace.zones[volume].volumes[0].lower_m == pytest.approx(45, abs=1)

    # OP-B's accepted flight crossing it is re-planned (or revoked) and OP-B is told why.
    b = state(live, "b", other)
    notes = live.client.get("/v1/notifications", headers=live.h("b")).json()
    change = [n for n in notes if n["kind"] in ("replanned", "revoked")]
    assert change and change[0]["payload"]["flight"] == other
    why = change[0]["payload"]["reason"]
    # Re-planned: REPLANNED naming the volume; revoked: OFF_NOMINAL_VOLUME (as for a zone).
    assert why["code"] in ("REPLANNED", "OFF_NOMINAL_VOLUME"), why
    assert why["zone"] == volume and why["flight"] == fid and "off its plan" in why["message"]
    assert b["state"] in ("accepted", "revoked")
    assert not [
        n
        for n in live.client.get("/v1/notifications", headers=live.h("a")).json()
        if n["kind"] in ("replanned", "revoked")
    ]

    # A new request crossing it in its window is refused, naming the volume.
    live.drone("b", "DR-C")
    r = live.fly("b", "DR-C", NORTH, start_in_s=60, window_s=300)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "rejected", r.json()
    codes = {(x["code"], x.get("zone")) for x in reasons(r.json())}
    assert ("OFF_NOMINAL_VOLUME", volume) in codes, codes

    # Back on the plan: the volume goes, and the same request is approved.
    back = [i for i, p in enumerate(items) if i > off[-1]]
    assert post(live, "a", items[off[3] : back[2]]).json()["refused"] == []
    assert state(live, "a", fid)["state"] == "activated"
    assert volume not in zones(live)
    assert volume not in live.app.state.airspace.zones
    live.drone("b", "DR-D")
    r = live.fly("b", "DR-D", NORTH, start_in_s=60, window_s=300)
    assert r.status_code == 201 and r.json()["status"] == "approved", r.json()


def test_the_volume_goes_when_the_flight_ends(live: Service):
    flight = airborne(live)
    fid, volume = flight["flight"], f"OFFNOM-{flight['flight']}"
    items = positions(live, flight, lat=(40, 80, 0.001))
    off = [i for i, p in enumerate(items) if p["lat"] > 36.1005]
    post(live, "a", items[: off[0]])
    post(live, "a", items[off[0] : off[2]])
    assert not zones(live)[volume]["withdrawn"]
    r = live.client.post(f"/v1/flights/{fid}/end", headers=live.h("a"))
    assert r.status_code == 200, r.text
    post(live, "a", items[off[2] : off[3]])  # the next batch sees the flight has ended
    assert volume not in zones(live)


def test_volumes_can_be_turned_off(db_url: str):
    svc = make_service(db_url, telemetry_max_ahead_s=7200.0, offnominal_volumes=False)
    try:
        flight = airborne(svc)
        items = positions(svc, flight, lat=(40, 80, 0.001))
        post(svc, "a", items[:30])
        assert state(svc, "a", flight["flight"])["state"] == "nonconforming"
        assert f"OFFNOM-{flight['flight']}" not in zones(svc)
    finally:
        svc.client.close()
        svc.app.state.telemetry.stop()
        svc.app.state.store.dispose()


def test_a_lost_link_protects_the_last_known_position_and_motion(db_url: str):
    svc = make_service(db_url, telemetry_max_ahead_s=7200.0, lost_link_s=0.5)
    try:
        flight = airborne(svc)
        volume = f"OFFNOM-{flight['flight']}"
        items = positions(svc, flight)
        post(svc, "a", items[:12])
        post(svc, "a", items[12:13])  # climbing done, cruising east at 10 m/s
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and volume not in zones(svc):
            time.sleep(0.1)
        assert state(svc, "a", flight["flight"])["state"] == "contingent"
        z = zones(svc)[volume]
        assert "contingent" in z["name"]
        lons = [c[0] for c in z["source"]["geometry"]["coordinates"][0]]
        assert max(lons) > items[12]["lon"] + 0.005  # extended east along its motion (~600 m)
    finally:
        svc.client.close()
        svc.app.state.telemetry.stop()
        svc.app.state.store.dispose()
