"""The live traffic picture through the HTTP API: telemetry tracks in the tactical cycle (a
helicopter crossing an approved flight's live position alerts its operator), and
``GET /v1/traffic`` answering each role with exactly its fields."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from implicitdict import ImplicitDict
from pyproj import Geod
from uas_standards.astm.f3411.v22a.api import RIDFlight, RIDFlightDetails

from api.auth import create_user
from tests.api.conftest import EAST, Service, make_service

BOX = "120.25,36.05,120.40,36.15"
HELI = {"id": "B-7185", "lon": 120.289, "lat": 36.10, "altitude_m": 60.0, "speed_mps": 50.0}
HELI |= {"track_deg": 90.0, "vertical_speed_mps": 0.0, "kind": "crewed"}

PUBLIC_FIELDS = {
    "id",
    "aircraft_type",
    "current_state",
    "simulated",
    "kind",
    "drone_class",
    "conformance",
    "age_s",
}
STATE_FIELDS = {
    "timestamp",
    "timestamp_accuracy",
    "operational_status",
    "position",
    "track",
    "speed",
    "speed_accuracy",
    "vertical_speed",
}
DETAIL_FIELDS = {"id", "operator_id", "uas_id", "flight", "drone", "track"}


def _service(db_url: str, **settings: Any) -> Service:
    # positions may be stamped ahead, so a test reports a point of its plan without waiting
    s = make_service(
        db_url, tactical_background=False, **({"telemetry_max_ahead_s": 7200.0} | settings)
    )
    with s.app.state.store.write() as session:
        for who in ("sensor", "police", "public"):
            s.keys[who] = create_user(session, role=who, name=f"{who} key")[1]
    return s


@pytest.fixture
def svc(db_url: str) -> Iterator[Service]:
    s = _service(db_url)
    yield s
    s.app.state.tactical.stop()
    s.app.state.telemetry.stop()
    s.client.close()
    s.app.state.store.dispose()


def activated(svc: Service, who: str = "a", drone: str = "DR-1") -> dict[str, Any]:
    svc.drone(who, drone)
    r = svc.fly(who, drone, EAST, start_in_s=60)
    assert r.status_code == 201 and r.json()["status"] == "approved", r.text
    flight = r.json()
    r = svc.client.post(f"/v1/flights/{flight['flight']}/activate", headers=svc.h(who))
    assert r.status_code == 200, r.text
    return flight


def report_position(svc: Service, who: str, drone: str, t_s: float, **kw: Any) -> None:
    p = {"drone": drone, "lon": 120.30, "lat": 36.10, "altitude_m": 60.0} | kw
    p["time"] = svc.app.state.airspace.to_datetime(t_s).isoformat()
    r = svc.client.post("/v1/telemetry", json={"positions": [p]}, headers=svc.h(who))
    assert r.status_code == 202 and r.json()["accepted"] == 1, r.text


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])


def tactical(svc: Service, who: str) -> list[dict[str, Any]]:
    r = svc.client.get("/v1/notifications", headers=svc.h(who), params={"limit": 1000})
    assert r.status_code == 200, r.text
    return [n for n in r.json() if n["kind"].startswith("tactical")]


def traffic(svc: Service, who: str, bbox: str = BOX) -> list[dict[str, Any]]:
    r = svc.client.get("/v1/traffic", params={"bbox": bbox}, headers=svc.h(who))
    assert r.status_code == 200, r.text
    return r.json()["tracks"]


# -- telemetry in the tactical cycle ------------------------------------------------------------
def test_a_helicopter_crossing_an_activated_flight_alerts_its_operator_within_a_cycle(
    svc: Service,
):
    flight = activated(svc)
    now = svc.now_s()
    report_position(svc, "a", "DR-1", now, speed_mps=0.0, track_deg=0.0)
    svc.app.state.tactical.cycle(now)
    assert tactical(svc, "a") == []  # one drone alone: nothing to predict

    r = svc.client.post(
        "/v1/surveillance", json={"tracks": [HELI | {"time": now}]}, headers=svc.h("sensor")
    )
    assert r.status_code == 200, r.text
    svc.app.state.tactical.cycle(now)  # the very next cycle

    (n,) = tactical(svc, "a")
    p = n["payload"]
    assert n["kind"] == "tactical" and p["code"] == "TACTICAL_CONFLICT"
    assert n["flight"] == flight["flight"]
    assert set(p["tracks"]) == {"telemetry/DR-1", "surveillance/B-7185"}
    i = p["tracks"].index("telemetry/DR-1")
    assert p["operators"][i] == "OP-A" and p["flights"][i] == flight["flight"]
    # about 1 km west, closing at 50 m/s: separation (50 m) is lost after (d - 50) / 50 s
    d = metres(HELI["lon"], HELI["lat"], 120.30, 36.10)
    assert p["time_to_loss_s"] == pytest.approx((d - 50) / 50, abs=0.05)
    assert tactical(svc, "b") == []  # another operator hears nothing
    assert len(tactical(svc, "regulator")) == 1


def test_the_background_cycle_wakes_on_telemetry_and_alerts_within_a_cycle(db_url: str):
    s = _service(db_url, tactical_cycle_s=0.2)
    s.app.state.tactical.background = True
    try:
        activated(s)
        now = s.now_s()
        r = s.client.post(
            "/v1/surveillance", json={"tracks": [HELI | {"time": now}]}, headers=s.h("sensor")
        )
        assert r.status_code == 200
        report_position(s, "a", "DR-1", now)  # wakes the cycle too
        t0 = time.monotonic()
        while not tactical(s, "a") and time.monotonic() - t0 < 3.0:
            time.sleep(0.05)
        assert time.monotonic() - t0 < 1.0, "not alerted within a few cycles"
        assert tactical(s, "a")[0]["payload"]["code"] == "TACTICAL_CONFLICT"
    finally:
        s.app.state.tactical.stop()
        s.app.state.telemetry.stop()
        s.client.close()
        s.app.state.store.dispose()


def test_a_telemetry_track_is_predicted_along_its_reported_velocity(svc: Service):
    activated(svc)
    now = svc.now_s()
    # the drone flies west at 20 m/s towards a hovering uncooperative drone 400 m away
    report_position(svc, "a", "DR-1", now, speed_mps=20.0, track_deg=270.0)
    uav = {"id": "UNK-1", "lon": 120.2956, "lat": 36.10, "altitude_m": 60.0, "speed_mps": 0.0}
    uav |= {"track_deg": 0.0, "kind": "uncooperative", "time": now}
    assert svc.client.post(
        "/v1/surveillance", json={"tracks": [uav]}, headers=svc.h("sensor")
    ).is_success
    svc.app.state.tactical.cycle(now)
    (n,) = tactical(svc, "a")
    d = metres(uav["lon"], uav["lat"], 120.30, 36.10)
    assert n["payload"]["time_to_loss_s"] == pytest.approx((d - 50) / 20, abs=0.05)


def test_old_telemetry_leaves_the_tactical_cycle(svc: Service):
    activated(svc)
    now = svc.now_s()
    report_position(svc, "a", "DR-1", now - 30)  # older than traffic_max_age_s (10 s)
    svc.client.post(
        "/v1/surveillance", json={"tracks": [HELI | {"time": now}]}, headers=svc.h("sensor")
    )
    svc.app.state.tactical.cycle(now)
    assert tactical(svc, "a") == [] and svc.app.state.tactical.last_cycle["tracks"] == 1


# -- who is flying here, by role ----------------------------------------------------------------
@pytest.fixture
def sky(svc: Service) -> dict[str, Any]:
    """OP-A's activated flight reporting, OP-B's drone flying without a flight, a helicopter."""
    flight = activated(svc)
    svc.drone("b", "DR-B")
    now = svc.now_s()
    rows = flight["trajectory"]
    t_s = rows[1][3] + 10.0  # ten seconds into the cruise (at 10 m/s east)
    lon = rows[1][0] + (rows[2][0] - rows[1][0]) * 10.0 / (rows[2][3] - rows[1][3])
    flight["at"] = (lon, 36.10, 60.0)
    report_position(
        svc, "a", "DR-1", t_s, lon=lon, speed_mps=10.0, track_deg=90.0, vertical_speed_mps=0.5
    )
    report_position(svc, "b", "DR-B", now, lon=120.35, lat=36.12, altitude_m=40.0)
    r = svc.client.post(
        "/v1/surveillance", json={"tracks": [HELI | {"time": now}]}, headers=svc.h("sensor")
    )
    assert r.status_code == 200
    return flight


def by_kind(tracks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for t in tracks:
        key = t["kind"] if t["kind"] != "drone" else t["conformance"]
        out[key] = t
    return out


def test_the_public_sees_anonymous_tracks_only(svc: Service, sky: dict[str, Any]):
    tracks = traffic(svc, "public")
    assert len(tracks) == 3
    for t in tracks:
        assert set(t) == PUBLIC_FIELDS and set(t["current_state"]) == STATE_FIELDS
        ImplicitDict.parse(t, RIDFlight)  # an F3411 RIDFlight (plus our fields)
    text = json.dumps(tracks)
    for secret in ("OP-A", "OP-B", "DR-1", "DR-B", "SN-DR", sky["flight"], "B-7185"):
        assert secret not in text
    k = by_kind(tracks)
    assert set(k) == {"activated", "no_flight", "crewed"}
    own = k["activated"]
    assert own["drone_class"] == sky.get("drone_class", own["drone_class"]) is not None
    state = own["current_state"]
    assert (
        state["position"]["lng"] == pytest.approx(sky["at"][0]) and state["position"]["lat"] == 36.1
    )
    assert state["position"]["height"] == {"distance": 60.0, "reference": "GroundLevel"}
    assert (state["speed"], state["track"], state["vertical_speed"]) == (10.0, 90.0, 0.5)
    assert state["timestamp"]["value"].endswith("+08:00")
    # a drone that did not report its velocity carries F3411's "unknown" values
    unknown = k["no_flight"]["current_state"]
    assert (unknown["speed"], unknown["track"], unknown["vertical_speed"]) == (255.0, 361.0, 63.0)
    heli = k["crewed"]
    assert heli["conformance"] is None and heli["drone_class"] is None
    assert heli["current_state"]["speed"] == pytest.approx(50.0, abs=0.01)
    assert heli["current_state"]["track"] == pytest.approx(90.0, abs=0.1)


def test_session_ids_are_stable_per_flight_and_reveal_nothing(svc: Service, sky: dict[str, Any]):
    first = {t["id"] for t in traffic(svc, "public")}
    lon, lat, alt = sky["at"]
    report_position(svc, "a", "DR-1", svc.now_s() + 100, lon=lon + 0.0001, lat=lat, altitude_m=alt)
    second = {t["id"] for t in traffic(svc, "public")}
    assert first == second and len(first) == 3
    assert all(i.startswith("QK") and len(i) == 18 for i in first)


@pytest.mark.parametrize("who", ["police", "regulator"])
def test_police_and_regulators_see_who_flies_every_track(
    svc: Service, sky: dict[str, Any], who: str
):
    k = by_kind(traffic(svc, who))
    own, other, heli = k["activated"], k["no_flight"], k["crewed"]
    for t in (own, other):
        assert set(t) == PUBLIC_FIELDS | {"details"} and set(t["details"]) == DETAIL_FIELDS
        ImplicitDict.parse(t["details"], RIDFlightDetails)
    assert own["details"] == {
        "id": own["id"],
        "operator_id": "OP-A",
        "uas_id": {
            "serial_number": "SN-DR-1",
            "registration_id": "DR-1",
            "specific_session_id": own["id"],
        },
        "flight": sky["flight"],
        "drone": "DR-1",
        "track": "telemetry/DR-1",
    }
    assert other["details"]["operator_id"] == "OP-B" and other["details"]["flight"] is None
    assert heli["details"]["sensor"] == "sensor key" and heli["details"]["sensor_track"] == "B-7185"

    detail = svc.client.get(f"/v1/traffic/{own['id']}", headers=svc.h(who)).json()
    assert detail["details"] == own["details"]
    assert detail["plan"]["flight"] == sky["flight"] and detail["plan"]["state"] == "activated"
    assert [row[:3] for row in detail["plan"]["trajectory"]] == [
        row[:3] for row in sky["trajectory"]
    ]


def test_an_operator_sees_its_own_flights_in_full_and_others_as_the_public(
    svc: Service, sky: dict[str, Any]
):
    k = by_kind(traffic(svc, "a"))
    assert k["activated"]["details"]["operator_id"] == "OP-A"
    assert "details" not in k["no_flight"] and "details" not in k["crewed"]
    k = by_kind(traffic(svc, "b"))
    assert "details" not in k["activated"] and k["no_flight"]["details"]["drone"] == "DR-B"
    ident = by_kind(traffic(svc, "public"))["activated"]["id"]
    assert "plan" in svc.client.get(f"/v1/traffic/{ident}", headers=svc.h("a")).json()
    for who in ("b", "public", "sensor"):
        r = svc.client.get(f"/v1/traffic/{ident}", headers=svc.h(who))
        assert r.status_code == 200 and set(r.json()) == PUBLIC_FIELDS, who


def test_the_box_filters_and_old_tracks_leave(svc: Service, sky: dict[str, Any]):
    assert len(traffic(svc, "police", "120.33,36.11,120.36,36.13")) == 1  # OP-B's drone only
    assert traffic(svc, "police", "120.50,36.20,120.60,36.30") == []
    svc.drone("a", "DR-OLD")
    report_position(svc, "a", "DR-OLD", svc.now_s() - 30)  # older than traffic_max_age_s
    assert len(traffic(svc, "police")) == 3


@pytest.mark.parametrize(
    ("bbox", "words"),
    [
        ("120.3,36.0,120.4", "four numbers"),
        ("a,b,c,d", "four numbers"),
        ("120.3,36.0,nan,36.1", "four numbers"),
        ("36.0,120.3,36.1,120.4", "latitudes"),
        ("120.4,36.0,120.3,36.1", "minimum must be below"),
        ("200,36.0,201,36.1", "longitudes"),
        ("119.0,35.0,121.0,37.0", "km²"),
    ],
)
def test_a_bad_box_is_told_what_to_fix(svc: Service, bbox: str, words: str):
    r = svc.client.get("/v1/traffic", params={"bbox": bbox}, headers=svc.h("public"))
    assert r.status_code == 422 and words in r.json()["error"]["message"], r.text
    assert r.json()["error"]["fields"][0]["field"] == "bbox"


def test_box_size_limit_depends_on_the_role(svc: Service):
    city = "120.0,35.8,120.9,36.5"  # about 6,300 km²
    for who in ("public", "sensor"):
        r = svc.client.get("/v1/traffic", params={"bbox": city}, headers=svc.h(who))
        assert r.status_code == 422 and "QINGKONG_TRAFFIC_MAX_AREA_KM2" in r.text
    for who in ("regulator", "police", "a"):
        assert traffic(svc, who, city) == []
    r = svc.client.get("/v1/traffic", params={"bbox": "110,30,125,40"}, headers=svc.h("police"))
    assert r.status_code == 422 and "QINGKONG_TRAFFIC_MAX_AREA_FULL_KM2" in r.text


def test_without_a_key_nothing_is_shown(svc: Service):
    assert svc.client.get("/v1/traffic", params={"bbox": BOX}).status_code == 401
    assert svc.client.get("/v1/traffic/QK0000000000000000").status_code == 401
    r = svc.client.get("/v1/traffic/QK0000000000000000", headers=svc.h("public"))
    assert r.status_code == 404 and "no live track" in r.json()["error"]["message"]


def test_rate_limit_answers_429_with_when_to_retry(db_url: str):
    s = _service(db_url, traffic_rate_per_min=3)
    try:
        for _ in range(3):
            traffic(s, "public")
        r = s.client.get("/v1/traffic", params={"bbox": BOX}, headers=s.h("public"))
        assert r.status_code == 429 and "try again in" in r.json()["error"]["message"]
        assert traffic(s, "police") == []  # each key has its own budget
    finally:
        s.app.state.telemetry.stop()
        s.client.close()
        s.app.state.store.dispose()


def test_the_stream_pushes_the_picture_by_role(db_url: str):
    s = _service(db_url, traffic_stream_s=0.2)
    try:
        activated(s)
        report_position(s, "a", "DR-1", s.now_s())
        params = {"bbox": BOX, "max_s": 1.5}
        for who, full in (("public", False), ("police", True)):
            with s.client.stream("GET", "/v1/traffic/stream", params=params, headers=s.h(who)) as r:
                assert r.status_code == 200
                events = [
                    json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")
                ]
            assert len(events) >= 2
            (track,) = events[0]["tracks"]
            assert ("details" in track) is full
    finally:
        s.app.state.telemetry.stop()
        s.client.close()
        s.app.state.store.dispose()
