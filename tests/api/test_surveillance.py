"""Surveillance reports and the tactical cycle, through the HTTP API: who may report, what a
bad report is told, and which notifications a predicted loss of separation raises."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from pyproj import Geod

from airspace.projection import Projection
from api.auth import create_user
from api.surveillance import LiveTracks
from tests.api.conftest import Service, make_service

HELI = {"id": "HELI-QD-01", "lon": 120.36, "lat": 36.07, "altitude_m": 100.0, "speed_mps": 50.0}
HELI |= {"track_deg": 90.0, "vertical_speed_mps": 0.0, "kind": "crewed"}
UAV = {"id": "UNK-7", "lon": 120.38, "lat": 36.07, "altitude_m": 105.0, "speed_mps": 0.0}
UAV |= {"track_deg": 0.0, "kind": "uncooperative"}


@pytest.fixture
def svc(db_url: str) -> Iterator[Service]:
    s = make_service(db_url, tactical_cycle_s=0.2, tactical_background=False)
    with s.app.state.store.write() as session:
        s.keys["sensor"] = create_user(session, role="sensor", name="Laoshan radar")[1]
    yield s
    s.app.state.tactical.stop()
    s.client.close()
    s.app.state.store.dispose()


def report(svc: Service, *tracks: dict[str, Any], who: str = "sensor"):
    return svc.client.post("/v1/surveillance", json={"tracks": list(tracks)}, headers=svc.h(who))


def tactical(svc: Service, who: str) -> list[dict[str, Any]]:
    r = svc.client.get("/v1/notifications", headers=svc.h(who))
    assert r.status_code == 200, r.text
    return [n for n in r.json() if n["kind"].startswith("tactical")]


def metres_apart(a: dict[str, Any], b: dict[str, Any]) -> float:
    p = Projection.for_deployment(_deployment())
    x, y = p.to_xy([a["lon"], b["lon"]], [a["lat"], b["lat"]])
    return float(np.hypot(x[1] - x[0], y[1] - y[0]))


def _deployment():
    from airspace.deployment import QINGDAO

    return QINGDAO


def test_a_helicopter_closing_on_an_uncooperative_drone_alerts_regulators(svc: Service):
    now = svc.now_s()
    r = report(svc, HELI | {"time": now}, UAV | {"time": now})
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 2, "duplicates": 0, "live_tracks": 2}
    svc.app.state.tactical.cycle(now)

    (n,) = tactical(svc, "regulator")
    p = n["payload"]
    assert n["kind"] == "tactical" and p["code"] == "TACTICAL_CONFLICT" and p["state"] == "raised"
    assert p["tracks"] == ["surveillance/HELI-QD-01", "surveillance/UNK-7"]
    assert p["kinds"] == ["crewed", "uncooperative"] and p["operators"] == [None, None]
    assert p["time_to_loss_s"] == pytest.approx((metres_apart(HELI, UAV) - 50) / 50, abs=0.2)
    assert p["closest_horizontal_m"] < 5 and p["closest_vertical_m"] == pytest.approx(5)
    assert p["at"].endswith("+08:00")  # Beijing time, the deployment's zone
    # nobody operates either aircraft: operators and the sensor see nothing
    assert tactical(svc, "a") == [] and tactical(svc, "sensor") == []

    (enc,) = svc.client.get("/v1/surveillance/encounters", headers=svc.h("regulator")).json()
    assert enc["tracks"] == p["tracks"] and enc["encounter_id"] == p["encounter"]
    # the next cycles see the same encounter: nothing new is raised
    svc.app.state.tactical.cycle(now + 1)
    assert len(tactical(svc, "regulator")) == 1


def test_the_encounter_clears_when_the_helicopter_turns_away(svc: Service):
    now = svc.now_s()
    report(svc, HELI | {"time": now}, UAV | {"time": now})
    monitor = svc.app.state.tactical
    monitor.cycle(now)
    r = report(svc, HELI | {"time": now + 1, "track_deg": 270.0}, UAV | {"time": now + 1})
    assert r.json()["accepted"] == 2
    for t in (1, 2, 3, 4):
        monitor.cycle(now + t)
    kinds = [(n["kind"], n["payload"]["reason"]) for n in tactical(svc, "regulator")]
    assert kinds == [("tactical", "predicted"), ("tactical_clear", "resolved")]


def test_the_background_cycle_raises_within_a_cycle_and_stops_when_the_sky_is_empty(
    svc: Service,
):
    monitor = svc.app.state.tactical
    monitor.background = True
    svc.app.state.surveillance.max_age_s = 2.0
    now = svc.now_s()
    assert report(svc, HELI | {"time": now}, UAV | {"time": now}).status_code == 200
    assert monitor.running
    deadline = time.monotonic() + 20  # cycle 0.2 s; generous for a loaded machine
    while not tactical(svc, "regulator") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [n["kind"] for n in tactical(svc, "regulator")] == ["tactical"]
    # no more reports: the tracks age out, the encounter clears, the thread ends
    while monitor.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not monitor.running
    kinds = [(n["kind"], n["payload"]["reason"]) for n in tactical(svc, "regulator")]
    assert kinds == [("tactical", "predicted"), ("tactical_clear", "track_lost")]


def test_operators_of_drones_involved_are_told_with_their_flight(svc: Service):
    """The telemetry tracks join as another source; an operated drone meeting the helicopter
    gets its operator a notification naming the flight (the other operator hears nothing)."""
    now = svc.now_s()
    p = Projection.for_deployment(_deployment())
    x, y = p.to_xy([120.38], [36.07])
    svc.app.state.tactical.add_source(
        lambda t_s: LiveTracks(
            ["telemetry/DR-A1"],
            np.array([[x[0], y[0], 95.0, 0.0, 0.0, 0.0]]),
            ["drone"],
            ["OP-A"],
            ["F-A-0001"],
        )
    )
    report(svc, HELI | {"time": now})
    svc.app.state.tactical.cycle(now)
    (mine,) = tactical(svc, "a")
    assert mine["flight"] == "F-A-0001"
    assert mine["payload"]["operators"] == [None, "OP-A"]
    assert tactical(svc, "b") == []
    assert [n["id"] for n in tactical(svc, "regulator")] == [mine["id"]]


def test_predictions_follow_the_ground_track_on_the_ellipsoid(svc: Service):
    """A 60 m/s aircraft flying north-east: where the picture predicts it in 60 s is where it
    really is (geodesic), within half a metre: grid convergence is accounted for."""
    now = svc.now_s()
    report(svc, HELI | {"time": now, "track_deg": 45.0, "speed_mps": 60.0})
    (state,) = svc.app.state.surveillance.live(now).states
    predicted = state[:2] + 60.0 * state[3:5]
    lon, lat, _ = Geod(ellps="WGS84").fwd(HELI["lon"], HELI["lat"], 45.0, 3600.0)
    x, y = Projection.for_deployment(_deployment()).to_xy([lon], [lat])
    assert np.hypot(predicted[0] - x[0], predicted[1] - y[0]) < 0.5


def test_a_repeated_or_older_report_changes_nothing(svc: Service):
    now = svc.now_s()
    assert report(svc, HELI | {"time": now}).json()["accepted"] == 1
    again = report(svc, HELI | {"time": now}, HELI | {"time": now - 3, "lon": 120.0})
    assert again.json() == {"accepted": 0, "duplicates": 2, "live_tracks": 1}


def test_stale_tracks_leave_the_picture_and_their_encounter_is_cleared(svc: Service):
    now = svc.now_s()
    report(svc, HELI | {"time": now - 11}, UAV | {"time": now - 11})
    monitor = svc.app.state.tactical
    monitor.cycle(now - 11)
    report(svc, UAV | {"time": now})
    monitor.cycle(now)  # the helicopter's last report is 11 s old (maximum 10 s)
    last = tactical(svc, "regulator")[-1]
    assert (last["kind"], last["payload"]["reason"]) == ("tactical_clear", "track_lost")
    assert monitor.open_encounters() == []


@pytest.mark.parametrize("who", ["a", "none"])
def test_only_sensors_and_regulators_report(svc: Service, who: str):
    headers = svc.h(who) if who != "none" else {}
    r = svc.client.post("/v1/surveillance", json={"tracks": [HELI | {"time": 0}]}, headers=headers)
    assert r.status_code == (403 if who == "a" else 401)
    assert report(svc, HELI | {"time": svc.now_s()}, who="regulator").status_code == 200
    r = svc.client.get("/v1/surveillance/encounters", headers=svc.h("sensor"))
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"lon": 36.07, "lat": 120.36}, "body.tracks[0].lat", "less than or equal to 90"),
        ({"lon": 116.4, "lat": 39.9}, "body.tracks[0].lon", "area of use"),
        ({"time": "2026-12-01T09:30:00"}, "body.tracks[0].time", "needs an offset"),
        ({"time": 10**9}, "body.tracks[0].time", "in the future"),
        ({"kind": "balloon"}, "body.tracks[0].kind", "crewed"),
        ({"speed_mps": True}, "body.tracks[0].speed_mps", "valid number"),
        ({"speed_mps": 900.0}, "body.tracks[0].speed_mps", "less than or equal to 400"),
        ({"colour": "red"}, "body.tracks[0].colour", "Extra inputs"),
    ],
)
def test_a_bad_report_is_told_which_track_and_field(svc: Service, change, field, words):
    track = HELI | {"time": svc.now_s()} | change
    r = report(svc, track)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["fields"][0]["field"] == field and words in err["fields"][0]["message"], err
    assert len(svc.app.state.surveillance) == 0


def test_an_empty_report_is_refused(svc: Service):
    r = svc.client.post("/v1/surveillance", json={"tracks": []}, headers=svc.h("sensor"))
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "body.tracks"


def test_a_full_picture_refuses_new_tracks_whole(svc: Service):
    svc.app.state.surveillance.max_tracks = 1
    now = svc.now_s()
    r = report(svc, HELI | {"time": now}, UAV | {"time": now})
    assert r.status_code == 429 and "nothing was stored" in r.json()["error"]["message"]
    assert len(svc.app.state.surveillance) == 0
    assert report(svc, HELI | {"time": now}).status_code == 200
    assert report(svc, HELI | {"time": now + 1}).json()["accepted"] == 1  # known track: fine
