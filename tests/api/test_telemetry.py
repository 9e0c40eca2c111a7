"""Telemetry over HTTP: positions in, conformance alerts out as notifications, tracks kept."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.api.conftest import EAST, Service, make_service


@pytest.fixture
def live(db_url: str) -> Iterator[Service]:
    # Positions may be stamped up to two hours ahead, so a test flies a plan without waiting.
    svc = make_service(db_url, telemetry_max_ahead_s=7200.0, lost_link_s=3600.0)
    yield svc
    svc.client.close()
    svc.app.state.telemetry.stop()
    svc.app.state.store.dispose()


def airborne(svc: Service, who: str = "a", drone: str = "DR-1") -> dict[str, Any]:
    svc.drone(who, drone)
    r = svc.fly(who, drone, EAST, start_in_s=60)
    assert r.status_code == 201 and r.json()["status"] == "approved", r.text
    flight = r.json()
    r = svc.client.post(f"/v1/flights/{flight['flight']}/activate", headers=svc.h(who))
    assert r.status_code == 200, r.text
    return flight


def positions(svc: Service, flight: dict[str, Any], step_s: float = 2.0, **shift: Any):
    rows = np.asarray(flight["trajectory"])
    ts = np.arange(rows[0, 3], rows[-1, 3] + 1e-9, step_s)
    out = []
    for t in ts:
        lon, lat, alt = (float(np.interp(t, rows[:, 3], rows[:, i])) for i in range(3))
        p = {"drone": flight["drone"], "lon": lon, "lat": lat, "altitude_m": alt}
        p["time"] = svc.app.state.airspace.to_datetime(t).isoformat()
        for key, (t0, t1, delta) in shift.items():
            if t0 <= t - rows[0, 3] <= t1:
                p[key] += delta
        out.append(p)
    return out


def post(svc: Service, who: str, items: list[dict[str, Any]]):
    return svc.client.post("/v1/telemetry", json={"positions": items}, headers=svc.h(who))


def alerts(svc: Service, who: str) -> list[tuple[str, str]]:
    r = svc.client.get("/v1/notifications", headers=svc.h(who), params={"limit": 1000})
    return [
        (n["payload"]["episode"], n["payload"]["code"]) for n in r.json() if n["kind"] == "alert"
    ]


def test_a_conforming_flight_is_silent_tracked_and_ends_on_landing(live: Service):
    flight = airborne(live)
    items = positions(live, flight)
    r = post(live, "a", items)
    assert r.status_code == 202 and r.json() == {"accepted": len(items), "refused": []}
    assert alerts(live, "a") == [] and alerts(live, "regulator") == []
    fid = flight["flight"]
    got = live.client.get(f"/v1/flights/{fid}", headers=live.h("a")).json()
    assert got["state"] == "ended"
    track = live.client.get(f"/v1/flights/{fid}/track", headers=live.h("a")).json()
    assert len(track["points"]) == len(items)
    assert live.client.get(f"/v1/flights/{fid}/track", headers=live.h("b")).status_code == 404


def test_a_drift_alerts_once_to_operator_and_regulator_and_clears(live: Service):
    flight = airborne(live)
    items = positions(live, flight, lat=(40, 60, 0.001))  # ~111 m north for 20 s
    first = [p for p in items if p["lat"] > 36.1005]
    r = post(live, "a", items[: items.index(first[-1])])
    assert r.json()["refused"] == []
    fid = flight["flight"]
    assert alerts(live, "a") == [("raised", "OFF_ROUTE")]
    assert live.client.get(f"/v1/flights/{fid}", headers=live.h("a")).json()["state"] == (
        "nonconforming"
    )
    post(live, "a", items[items.index(first[-1]) :])
    assert alerts(live, "regulator") == [("raised", "OFF_ROUTE"), ("cleared", "OFF_ROUTE")]
    assert alerts(live, "b") == []
    alert = live.client.get("/v1/notifications", headers=live.h("a")).json()
    raised = next(n for n in alert if n["kind"] == "alert")["payload"]
    assert raised["flight"] == fid and raised["drone"] == "DR-1"
    assert raised["deviation"]["lateral_m"] > 100 and raised["position"]["lat"] > 36.1005
    states = [n["payload"]["state"] for n in alert if n["kind"] == "conformance"]
    assert states[:2] == ["nonconforming", "activated"]


def test_a_stranger_flying_without_approval_is_reported(live: Service):
    live.drone("b", "DR-B")
    now = live.now_s()
    at = live.app.state.airspace.to_datetime(now).isoformat()
    p = {"drone": "DR-B", "time": at, "lon": 120.31, "lat": 36.1, "altitude_m": 40}
    assert post(live, "b", [p]).json()["accepted"] == 1
    assert alerts(live, "b") == [("raised", "UNAUTHORISED_FLIGHT")]
    assert alerts(live, "a") == []


def test_bad_positions_are_refused_one_by_one(live: Service):
    live.drone("a", "DR-1")
    live.drone("b", "DR-B")
    at = live.app.state.airspace.to_datetime(live.now_s()).isoformat()
    good = {"drone": "DR-1", "time": at, "lon": 120.31, "lat": 36.1, "altitude_m": 0}
    bad = [
        good,
        good | {"lon": "NaN"},
        good | {"lon": 36.1, "lat": 120.31},
        good | {"drone": "NOPE"},
        good | {"drone": "DR-B"},
        good | {"time": "2020-01-01T00:00:00Z"},
        good | {"time": "2026-12-01 08:00"},
        good | {"altitude_m": -50},
        good | {"reference": "QNH"},
        "not an object",
    ]
    r = post(live, "a", bad)
    assert r.status_code == 202
    body = r.json()
    assert body["accepted"] == 1
    msgs = {x["index"]: (x["code"], x["message"]) for x in body["refused"]}
    assert msgs[1] == ("TELEMETRY_INVALID", "lon: must be a number, got str")
    assert "swapped" in msgs[2][1]
    assert msgs[3] == ("TELEMETRY_INVALID", "drone: 'NOPE' is not registered")
    # another operator's drone id is answered like an unknown one; regulators are alerted
    assert msgs[4] == ("TELEMETRY_INVALID", "drone: 'DR-B' is not registered")
    assert msgs[5][0] == "TELEMETRY_TIME" and "old" in msgs[5][1]
    assert "offset" in msgs[6][1] or "RFC 3339" in msgs[6][1]
    assert "below the ground" in msgs[7][1]
    assert "AGL, AMSL, WGS84" in msgs[8][1]
    assert msgs[9][1] == "a position must be a JSON object"
    assert ("raised", "TELEMETRY_MISMATCH") in alerts(live, "regulator")
    assert ("raised", "TELEMETRY_MISMATCH") not in alerts(live, "a") + alerts(live, "b")
    assert ("raised", "TELEMETRY_TIME") in alerts(live, "regulator")


def test_whole_batch_errors_are_clear(live: Service):
    h = live.h("a")
    r = live.client.post(
        "/v1/telemetry",
        content=b'{"positions": [NaN]}',
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]
    r = live.client.post("/v1/telemetry", json={"position": []}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "positions"
    r = live.client.post("/v1/telemetry", json={"positions": [{}] * 10_001}, headers=h)
    assert r.status_code == 413 and "split the batch" in r.json()["error"]["message"]
    r = live.client.post("/v1/telemetry", json={"positions": []}, headers=live.h("regulator"))
    assert r.status_code == 403


def test_lost_link_alerts_and_makes_the_flight_contingent(db_url: str):
    svc = make_service(db_url, telemetry_max_ahead_s=7200.0, lost_link_s=0.5)
    try:
        flight = airborne(svc)
        post(svc, "a", positions(svc, flight)[:5])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not alerts(svc, "a"):
            time.sleep(0.1)
        assert alerts(svc, "a") == [("raised", "LOST_LINK")]
        fid = flight["flight"]
        assert svc.client.get(f"/v1/flights/{fid}", headers=svc.h("a")).json()["state"] == (
            "contingent"
        )
    finally:
        svc.client.close()
        svc.app.state.telemetry.stop()
        svc.app.state.store.dispose()


def test_a_redelivered_batch_is_stored_once(live: Service):
    flight = airborne(live)
    items = positions(live, flight)[:20]
    post(live, "a", items)
    post(live, "a", items)  # e.g. a client retry
    fid = flight["flight"]
    track = live.client.get(f"/v1/flights/{fid}/track", headers=live.h("a")).json()
    assert len(track["points"]) == 20


def test_the_latest_position_of_each_drone_is_kept_in_the_store(live: Service):
    from sqlalchemy import select

    from api.telemetry.models import LatestPosition

    flight = airborne(live)
    items = positions(live, flight)[:30]
    post(live, "a", items[10:])
    post(live, "a", items[:10])  # older positions arrive late: the latest stays the newest
    svc = live.app.state.telemetry
    svc.writer.flush()
    with live.app.state.store.session() as s:
        row = s.execute(select(LatestPosition)).scalar_one()
    assert (row.drone_id, row.operator_id, row.flight_id) == ("DR-1", "OP-A", flight["flight"])
    assert live.app.state.airspace.to_datetime(row.t_s).isoformat() == items[-1]["time"]
    assert svc.latest.drones == ["DR-1"] and svc.latest.xyzt[0, 2] == items[-1]["altitude_m"]


def test_tracks_older_than_the_retention_are_trimmed(live: Service):
    from sqlalchemy import func, select

    from api.telemetry.models import TrackPoint
    from api.telemetry.tracks import TrackWriter

    store = live.app.state.store
    now = live.now_s()
    writer = TrackWriter(store, retention_s=3600.0, now_s=lambda: now)
    row = ("DR-1", None, 0.0, 120.3, 36.1, 50.0, None, None, None, now)
    old, recent = row[:2] + (now - 7200.0,) + row[3:], row[:2] + (now - 60.0,) + row[3:]
    writer.write([old, recent], {"DR-1": "OP-A"})
    with store.session() as s:
        kept = s.execute(select(func.count()).select_from(TrackPoint)).scalar_one()
    assert kept == 1  # the two-hour-old point is gone, the minute-old one stays
