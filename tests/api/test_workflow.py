"""China's flight-activity workflow through the service (QINGKONG_WORKFLOW=cn, the Qingdao
default): who must apply, deadlines in Beijing time, granted task types, the pre-departure
gate, zone lead times, the review queue's deadlines and the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

import api.airspace_state as clock
from airspace.workflow import CN_APPLICATION_ITEMS
from tests.api.conftest import EAST, NORTH, Service, make_service

BJ = ZoneInfo("Asia/Shanghai")
APPLICATION = {k: f"{k} of the test" for k in CN_APPLICATION_ITEMS} | {"aircraft_count": 1}
MEDIUM = {"empty_weight_kg": 30.0, "max_takeoff_weight_kg": 60.0}


@pytest.fixture
def cn(db_url: str):
    svc = make_service(db_url, workflow="cn")
    yield svc
    svc.client.close()
    svc.app.state.store.dispose()


def documents(svc: Service, who: str, *drones: str, valid_until: datetime | None = None) -> None:
    """Register an operator's certificate, insurance and pilot licence and its drones'
    real-name registrations (valid from a year ago to next year unless told)."""
    now = datetime.now(BJ)
    until = (valid_until or now + timedelta(days=365)).isoformat()
    since = (now - timedelta(days=365)).isoformat()
    bodies = [{"kind": k} for k in ("operator_certificate", "insurance", "pilot_licence")]
    bodies += [{"kind": "drone_registration", "drone": d} for d in drones]
    for i, b in enumerate(bodies):
        b |= {"number": f"DOC-{who}-{i}", "valid_from": since, "valid_until": until}
        r = svc.client.post("/v1/documents", json=b, headers=svc.h(who))
        assert r.status_code == 201, r.text


def day_after_tomorrow(hour: int = 9) -> datetime:
    """A Beijing-time departure whose 12:00-the-day-before deadline is still ahead."""
    d = datetime.now(BJ).date() + timedelta(days=2)
    return datetime(d.year, d.month, d.day, hour, tzinfo=BJ)


def file_at(svc: Service, who: str, drone: str, departure: datetime, **kw: Any):
    body = {
        "drone": drone,
        "departure": {
            "earliest": departure.isoformat(),
            "latest": (departure + timedelta(minutes=30)).isoformat(),
        },
        "speed_mps": 10.0,
        "route": {"waypoints": EAST},
    } | kw
    return svc.client.post("/v1/flights", json=body, headers=svc.h(who))


def codes(flight: dict[str, Any]) -> list[str]:
    return [r["code"] for r in flight["reasons"]]


def test_a_light_drone_in_suitable_airspace_is_approved_at_once_naming_its_exemption(cn):
    cn.drone("a", "DR-A1")
    r = cn.fly("a", "DR-A1", EAST)
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["status"] == "approved" and f["reasons"] == []
    assert f["exemption"]["rule"] == "CN-2024-ART31-EXEMPT-SUITABLE" and not f["exemption"]["gate"]
    # Still deconflicted: the crossing flight is delayed, and exempt too.
    g = cn.fly("a", "DR-A1", NORTH, start_in_s=600).json()
    assert g["status"] == "approved" and g["delay_s"] > 0


def test_filed_minutes_before_departure_an_application_is_rejected_with_FILING_DEADLINE(cn):
    cn.drone("a", "DR-M1", **MEDIUM)
    documents(cn, "a", "DR-M1")
    r = cn.fly("a", "DR-M1", EAST, application=APPLICATION)
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["status"] == "rejected" and codes(f) == ["FILING_DEADLINE"]
    assert f["reasons"][0]["rule"] == "CN-2024-ART26-FILING-1200"
    assert "12:00 the day before" in f["reasons"][0]["message"]
    assert "+08:00" in f["reasons"][0]["due"]


def test_a_missing_application_is_a_422_naming_the_items(cn):
    cn.drone("a", "DR-M1", **MEDIUM)
    documents(cn, "a", "DR-M1")
    app = dict(APPLICATION)
    del app["pilot_certificate"], app["c2_link"]
    r = file_at(cn, "a", "DR-M1", day_after_tomorrow(), application=app)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "application_incomplete"
    assert (
        "pilot_certificate, c2_link" in err["message"]
        and "CN-2024-ART27-CONTENTS" in err["message"]
    )
    assert err["fields"][0]["field"] == "application"
    # Nothing was filed: the same flight with its application goes through.
    ok = file_at(cn, "a", "DR-M1", day_after_tomorrow(), application=APPLICATION)
    assert ok.json()["status"] == "pending"


def test_a_trigger_makes_a_light_drone_apply(cn):
    cn.drone("a", "DR-A1")
    documents(cn, "a", "DR-A1")
    r = file_at(cn, "a", "DR-A1", day_after_tomorrow(), operations=["swarm"])
    assert r.status_code == 422 and "application" in r.json()["error"]["message"]
    f = file_at(
        cn, "a", "DR-A1", day_after_tomorrow(), operations=["swarm"], application=APPLICATION
    ).json()
    assert f["status"] == "pending" and codes(f) == ["APPLICATION_REQUIRED"]
    assert f["reasons"][0]["rule"] == "CN-2024-ART31-SWARM"
    bad = file_at(cn, "a", "DR-A1", day_after_tomorrow(), operations=["juggling"])
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "operations"


def test_priority_comes_from_a_granted_task_type(cn):
    cn.drone("a", "DR-A1")
    f = cn.fly("a", "DR-A1", EAST, priority=1000).json()
    assert f["status"] == "rejected" and codes(f) == ["PRIORITY_NOT_GRANTED"]
    f = cn.fly("a", "DR-A1", EAST, task="medical_rescue").json()
    assert codes(f) == ["PRIORITY_NOT_GRANTED"] and "not been granted" in f["reasons"][0]["message"]
    # Operators cannot grant themselves; a regulator can.
    body = {"operator": "OP-A", "task": "medical_rescue", "reason": "city hospital drones"}
    assert cn.client.post("/v1/grants", json=body, headers=cn.h("a")).status_code == 403
    assert cn.client.post("/v1/grants", json=body, headers=cn.h("regulator")).status_code == 201
    f = cn.fly("a", "DR-A1", EAST, task="medical_rescue").json()
    assert f["status"] == "approved" and f["priority"] == 800
    # B does not hold the grant.
    cn.drone("b", "DR-B1")
    assert codes(cn.fly("b", "DR-B1", NORTH, task="medical_rescue").json()) == [
        "PRIORITY_NOT_GRANTED"
    ]


def test_emergency_tasks_apply_30_minutes_before_take_off(cn):
    cn.drone("a", "DR-M1", **MEDIUM)
    documents(cn, "a", "DR-M1")
    body = {"operator": "OP-A", "task": "medical_rescue"}
    cn.client.post("/v1/grants", json=body, headers=cn.h("regulator"))
    late = cn.fly(
        "a", "DR-M1", EAST, start_in_s=600, task="medical_rescue", application=APPLICATION
    )
    f = late.json()
    assert f["status"] == "rejected" and codes(f) == ["EMERGENCY_DEADLINE"]
    on_time = cn.fly(
        "a", "DR-M1", EAST, start_in_s=2400, task="medical_rescue", application=APPLICATION
    ).json()
    assert on_time["status"] == "pending"
    queue = cn.client.get("/v1/reviews", headers=cn.h("regulator")).json()["items"]
    (item,) = queue
    due = datetime.fromisoformat(item["decide_by"])
    assert due.utcoffset() == timedelta(hours=8)  # Beijing time
    departure = datetime.fromisoformat(on_time["departure_time"])
    assert abs((departure - due).total_seconds() - 600) < 1  # 10 minutes before take-off


def test_the_review_queue_sorts_by_deadline_and_flags_overdue(cn):
    cn.drone("a", "DR-M1", **MEDIUM)
    documents(cn, "a", "DR-M1")
    later = file_at(
        cn, "a", "DR-M1", day_after_tomorrow() + timedelta(days=1), application=APPLICATION
    )
    sooner = file_at(cn, "a", "DR-M1", day_after_tomorrow(), application=APPLICATION)
    assert later.json()["status"] == sooner.json()["status"] == "pending"
    items = cn.client.get("/v1/reviews", headers=cn.h("regulator")).json()["items"]
    assert [i["flight"] for i in items] == [sooner.json()["flight"], later.json()["flight"]]
    first = datetime.fromisoformat(items[0]["decide_by"])
    assert (first.hour, first.minute) == (21, 0) and not items[0]["overdue"]
    assert first.date() == day_after_tomorrow().date() - timedelta(days=1)


def test_the_pre_departure_gate_confirms_before_activation(cn, monkeypatch):
    cn.drone("a", "DR-M1", **MEDIUM)
    documents(cn, "a", "DR-M1")
    dep = day_after_tomorrow()
    f = file_at(cn, "a", "DR-M1", dep, application=APPLICATION).json()
    fid = f["flight"]
    c, reg, op = cn.client, cn.h("regulator"), cn.h("a")
    assert (
        c.post(f"/v1/reviews/{fid}", json={"approve": True}, headers=reg).json()["state"]
        == "accepted"
    )
    takeoff = datetime.fromisoformat(
        c.get(f"/v1/flights/{fid}", headers=op).json()["departure_time"]
    )

    # Two days early: outside the departure window (and not confirmed).
    r = c.post(f"/v1/flights/{fid}/activate", headers=op)
    assert r.status_code == 409 and r.json()["error"]["code"] == "NOT_CONFIRMED"

    # At take-off time without a confirmed readiness report.
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: takeoff.astimezone(real().tzinfo))
    r = c.post(f"/v1/flights/{fid}/activate", headers=op)
    assert r.status_code == 409 and r.json()["error"]["code"] == "NOT_CONFIRMED"
    assert "CN-2024-ART29-READINESS-1H" in r.json()["error"]["message"]
    # Readiness 59 minutes before take-off is too late.
    r = c.post(
        f"/v1/flights/{fid}/ready",
        json={"expected_takeoff": (takeoff + timedelta(minutes=59)).isoformat()},
        headers=op,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "READINESS_LATE"
    monkeypatch.setattr(clock, "utcnow", real)

    # Readiness reported a day ahead; the regulator confirms; the flight flies.
    ready = c.post(
        f"/v1/flights/{fid}/ready", json={"expected_takeoff": takeoff.isoformat()}, headers=op
    )
    assert ready.status_code == 200, ready.text
    assert c.post(f"/v1/flights/{fid}/confirm", json={}, headers=op).status_code == 403
    assert (
        c.post(f"/v1/flights/{fid}/confirm", json={"comment": "ok"}, headers=reg).status_code == 200
    )
    r = c.post(f"/v1/flights/{fid}/activate", headers=op)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ACTIVATION_WINDOW"
    monkeypatch.setattr(
        clock, "utcnow", lambda: (takeoff - timedelta(minutes=5)).astimezone(real().tzinfo)
    )
    r = c.post(f"/v1/flights/{fid}/activate", headers=op)
    assert r.status_code == 200 and r.json()["state"] == "activated", r.text
    monkeypatch.setattr(clock, "utcnow", real)

    # Reports after landing (Art. 40).
    assert (
        c.post(f"/v1/flights/{fid}/reports", json={"kind": "completion"}, headers=op).status_code
        == 409
    )
    assert c.post(f"/v1/flights/{fid}/end", headers=op).status_code == 200
    rep = c.post(
        f"/v1/flights/{fid}/reports", json={"kind": "completion", "text": "landed"}, headers=op
    )
    assert rep.status_code == 201 and rep.json()["late"] is False
    # Another operator sees nothing of it.
    cn.drone("b", "DR-B1")
    assert (
        c.post(
            f"/v1/flights/{fid}/ready",
            json={"expected_takeoff": takeoff.isoformat()},
            headers=cn.h("b"),
        ).status_code
        == 404
    )
    assert c.get(f"/v1/flights/{fid}/workflow", headers=cn.h("b")).status_code == 404

    # The audit log tells the whole story, with who did what.
    log = c.get("/v1/audit", params={"flight": fid}, headers=reg).json()["items"]
    assert [e["action"] for e in log] == [
        "file",
        "review",
        "ready",
        "confirm",
        "activate",
        "end",
        "report",
    ]
    roles = {e["action"]: e["actor"]["role"] for e in log}
    assert roles["review"] == roles["confirm"] == "regulator" and roles["ready"] == "operator"
    assert all(e["at"].endswith("+08:00") for e in log)
    assert c.get("/v1/audit", headers=op).status_code == 403


def test_exempt_police_flights_over_their_base_still_pass_the_gate(cn, monkeypatch):
    cn.drone("a", "DR-A1")
    cn.client.post(
        "/v1/grants", json={"operator": "OP-A", "task": "police"}, headers=cn.h("regulator")
    )
    f = cn.fly("a", "DR-A1", EAST, task="police", at_own_site=True).json()
    assert f["status"] == "approved" and f["exemption"]["rule"] == "CN-2024-ART31-EXEMPT-BASE"
    assert f["exemption"]["gate"] is True
    takeoff = datetime.fromisoformat(f["departure_time"])
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: takeoff.astimezone(real().tzinfo))
    r = cn.client.post(f"/v1/flights/{f['flight']}/activate", headers=cn.h("a"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "NOT_CONFIRMED"


def test_temporary_restrictions_keep_their_lead_time(cn):
    now = cn.now_s()
    zone = {
        "id": "TFR-EVENT",
        "restriction": "PROHIBITED",
        "geometry": {"type": "Circle", "center": [120.43, 36.05], "radius_m": 500},
        "lower_m": 0,
        "upper_m": 300,
        "schedule": [{"start": now + 3600, "end": now + 7200}],
    }
    reg = cn.h("regulator")
    r = cn.client.post("/v1/zones", json=zone, headers=reg)
    assert r.status_code == 422 and r.json()["error"]["code"] == "ZONE_LEAD_TIME"
    assert (
        "24 h" in r.json()["error"]["message"]
        and "CN-2024-ART20-ZONE-LEAD" in r.json()["error"]["message"]
    )
    soon = zone | {
        "schedule": [{"start": now + 600, "end": now + 7200}],
        "emergency_reason": "fire",
    }
    assert (
        cn.client.post("/v1/zones", json=soon, headers=reg).json()["error"]["code"]
        == "ZONE_LEAD_TIME"
    )
    ok = cn.client.post("/v1/zones", json=zone | {"emergency_reason": "forest fire"}, headers=reg)
    assert ok.status_code == 201, ok.text
    ahead = zone | {"id": "TFR-REGATTA", "schedule": [{"start": now + 90000, "end": now + 99000}]}
    assert cn.client.post("/v1/zones", json=ahead, headers=reg).status_code == 201
    log = cn.client.get("/v1/audit", params={"zone": "TFR-EVENT"}, headers=reg).json()["items"]
    assert [(e["action"], e["reason"]) for e in log] == [("publish", "forest fire")]


def test_the_audit_log_cannot_be_changed_or_deleted(cn):
    cn.drone("a", "DR-A1")
    cn.fly("a", "DR-A1", EAST)
    log = cn.client.get("/v1/audit", headers=cn.h("regulator")).json()["items"]
    assert {e["kind"] for e in log} >= {"drone", "flight"}
    engine = cn.app.state.store.write_engine
    for stmt in ("DELETE FROM audit_log", "UPDATE audit_log SET reason = 'x'"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(stmt))
    assert len(cn.client.get("/v1/audit", headers=cn.h("regulator")).json()["items"]) == len(log)


def test_workflow_none_keeps_the_old_behaviour(db_url):
    svc = make_service(db_url, workflow="none")
    try:
        svc.drone("a", "DR-M1", **MEDIUM)
        f = svc.fly("a", "DR-M1", EAST, priority=1000).json()
        assert f["status"] == "pending" and "exemption" not in f
        assert svc.client.get("/v1/workflow", headers=svc.h("a")).json() == {"workflow": None}
    finally:
        svc.client.close()
        svc.app.state.store.dispose()


def test_the_workflow_is_readable_as_data(cn):
    wf = cn.client.get("/v1/workflow", headers=cn.h("a")).json()
    assert wf["workflow"] == "cn" and wf["timezone"] == "Asia/Shanghai"
    assert wf["filing"]["normal"] == "12:00 the day before"
    assert {r["code"] for r in wf["rules"]} >= {"CN-2024-ART26-FILING-1200", "CN-2024-ART31-SWARM"}
    assert "pilot_certificate" in wf["application_items"]


def test_zones_keep_their_versions_readable_at_any_instant(cn, monkeypatch):
    reg = cn.h("regulator")
    real = clock.utcnow
    t0 = real()
    monkeypatch.setattr(clock, "utcnow", lambda: t0)
    now = cn.now_s()
    zone = {
        "id": "TFR-REGATTA",
        "restriction": "PROHIBITED",
        "geometry": {"type": "Circle", "center": [120.43, 36.05], "radius_m": 500},
        "upper_m": 300,
        "schedule": [{"start": now + 2 * 86400, "end": now + 2 * 86400 + 7200}],
    }
    assert cn.client.post("/v1/zones", json=zone, headers=reg).status_code == 201
    monkeypatch.setattr(clock, "utcnow", lambda: t0 + timedelta(hours=1))
    wider = zone | {"geometry": zone["geometry"] | {"radius_m": 900}}
    assert cn.client.put("/v1/zones/TFR-REGATTA", json=wider, headers=reg).status_code == 200
    monkeypatch.setattr(clock, "utcnow", lambda: t0 + timedelta(hours=2))
    assert cn.client.delete("/v1/zones/TFR-REGATTA", headers=reg).status_code == 200

    def at(dt: datetime) -> list[dict[str, Any]]:
        r = cn.client.get("/v1/zones", params={"at": dt.isoformat()}, headers=cn.h("a"))
        assert r.status_code == 200, r.text
        return r.json()

    assert at(t0 - timedelta(minutes=1)) == []
    (v1,) = at(t0 + timedelta(minutes=30))
    assert v1["version"] == 1 and v1["source"]["geometry"]["radius_m"] == 500
    (v2,) = at(t0 + timedelta(minutes=90))
    assert v2["version"] == 2 and v2["source"]["geometry"]["radius_m"] == 900
    assert at(t0 + timedelta(hours=3)) == []
    assert cn.client.get("/v1/zones", headers=cn.h("a")).json() == []
    bad = cn.client.get("/v1/zones", params={"at": "yesterday"}, headers=cn.h("a"))
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "at"


def test_a_long_term_application_covers_daily_plans(cn):
    cn.drone("a", "DR-M1", **MEDIUM)
    documents(cn, "a", "DR-M1")
    c, op, reg = cn.client, cn.h("a"), cn.h("regulator")
    area = {
        "type": "Polygon",
        "coordinates": [
            [[120.29, 36.09], [120.33, 36.09], [120.33, 36.11], [120.29, 36.11], [120.29, 36.09]]
        ],
    }
    now = datetime.now(BJ)
    body = {
        "id": "LT-A-LINE",
        "area": area,
        "upper_m": 100,
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=90)).isoformat(),
        "application": APPLICATION,
    }
    short = c.post("/v1/long-term", json=body | {"application": {}}, headers=op)
    assert short.status_code == 422 and "organiser" in short.json()["error"]["message"]
    assert c.post("/v1/long-term", json=body, headers=op).json()["status"] == "pending"
    # Not approved yet: a daily plan under it is refused.
    dep = day_after_tomorrow()
    f = file_at(cn, "a", "DR-M1", dep, long_term="LT-A-LINE").json()
    assert f["status"] == "rejected" and codes(f) == ["LONG_TERM_MISMATCH"]
    assert (
        c.post("/v1/long-term/LT-A-LINE/review", json={"approve": True}, headers=op).status_code
        == 403
    )
    ok = c.post("/v1/long-term/LT-A-LINE/review", json={"approve": True}, headers=reg)
    assert ok.json()["status"] == "approved"
    f = file_at(cn, "a", "DR-M1", dep, long_term="LT-A-LINE").json()
    assert f["status"] == "approved" and f["reasons"] == [], f  # no review for the daily plan
    assert (
        f["long_term"]["id"] == "LT-A-LINE" and f["long_term"]["rule"] == "CN-2024-ART26-LONG-TERM"
    )
    # Out of its area, or filed after 12:00 the day before.
    away = file_at(cn, "a", "DR-M1", dep, long_term="LT-A-LINE", route={"waypoints": NORTH_FAR})
    assert (
        codes(away.json()) == ["LONG_TERM_MISMATCH"]
        and "leaves its area" in away.json()["reasons"][0]["message"]
    )
    late = cn.fly("a", "DR-M1", EAST, start_in_s=3600 * 3, long_term="LT-A-LINE").json()
    assert (
        codes(late) == ["FILING_DEADLINE"]
        and late["reasons"][0]["rule"] == "CN-2024-ART26-LONG-TERM"
    )
    # Another operator cannot use it.
    cn.drone("b", "DR-B1")
    other = file_at(cn, "b", "DR-B1", dep, long_term="LT-A-LINE").json()
    assert codes(other) == ["LONG_TERM_MISMATCH"]
    assert [x["id"] for x in c.get("/v1/long-term", headers=cn.h("b")).json()] == []


NORTH_FAR = [
    [120.31, 36.12, 0.0],
    [120.31, 36.12, 60.0],
    [120.31, 36.14, 60.0],
    [120.31, 36.14, 0.0],
]


def test_registry_documents_refuse_filing_by_name(cn):
    cn.drone("a", "DR-M1", **MEDIUM)
    cn.drone("a", "DR-A1")
    dep = day_after_tomorrow()
    # Nothing registered: a flight that must apply is refused, naming the documents.
    f = file_at(cn, "a", "DR-M1", dep, application=APPLICATION).json()
    assert f["status"] == "rejected" and set(codes(f)) == {"DOCUMENT_MISSING"}
    assert {r["document"] for r in f["reasons"]} == {
        "drone_registration",
        "operator_certificate",
        "insurance",
        "pilot_licence",
    }
    assert {r["rule"] for r in f["reasons"]} >= {"CN-2024-REGISTRY-INSURANCE"}
    # An exempt flight needs none of them ...
    assert cn.fly("a", "DR-A1", EAST).json()["status"] == "approved"
    # ... but an expired one refuses every filing.
    documents(cn, "a", "DR-M1", valid_until=datetime.now(BJ) + timedelta(days=1))
    f = file_at(cn, "a", "DR-A1", dep).json()
    assert f["status"] == "rejected" and set(codes(f)) == {"DOCUMENT_EXPIRED"}
    assert "not valid on" in f["reasons"][0]["message"]
    bad = cn.client.post(
        "/v1/documents",
        json={
            "kind": "passport",
            "number": "x",
            "valid_from": dep.isoformat(),
            "valid_until": dep.isoformat(),
        },
        headers=cn.h("a"),
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "kind"
    assert cn.client.get("/v1/documents", headers=cn.h("b")).json() == []


def test_reviews_go_to_the_competent_unit(db_url):
    from airspace.units import QINGDAO_UNITS_PATH
    from api.auth import create_user

    svc = make_service(db_url, workflow="cn", units_path=str(QINGDAO_UNITS_PATH))
    try:
        with svc.app.state.store.write() as s:
            east_user, east_key = create_user(s, role="regulator", name="east desk")
            east_id = east_user.id
        east = {"Authorization": f"Bearer {east_key}"}
        r = svc.client.post(
            "/v1/units/keys", json={"user_id": east_id, "unit": "QD-EAST"}, headers=svc.h("admin")
        )
        assert r.status_code == 200, r.text
        bad = svc.client.post(
            "/v1/units/keys", json={"user_id": east_id, "unit": "QD-MARS"}, headers=svc.h("admin")
        )
        assert bad.status_code == 422 and "QD-EAST" in bad.json()["error"]["message"]
        svc.drone("a", "DR-M1", **MEDIUM)
        documents(svc, "a", "DR-M1")

        def hop(lon0: float, lon1: float) -> list[list[float]]:
            return [[lon0, 36.15, 0], [lon0, 36.15, 80], [lon1, 36.16, 80], [lon1, 36.16, 0]]

        dep = day_after_tomorrow()
        ids = {}
        for name, (lon0, lon1), hour in (
            ("east", (120.40, 120.42), 0),
            ("west", (120.20, 120.22), 1),
            ("crossing", (120.28, 120.32), 2),
        ):
            f = file_at(
                svc,
                "a",
                "DR-M1",
                dep + timedelta(hours=hour),
                application=APPLICATION,
                route={"waypoints": hop(lon0, lon1)},
            ).json()
            assert f["status"] == "pending", f
            ids[name] = f["flight"]
        everyone = svc.client.get("/v1/reviews", headers=svc.h("regulator")).json()["items"]
        assert {i["flight"]: i["unit"] for i in everyone} == {
            ids["east"]: "QD-EAST",
            ids["west"]: "QD-WEST",
            ids["crossing"]: "QD-REGION",
        }
        mine = svc.client.get("/v1/reviews", headers=east).json()["items"]
        assert [i["flight"] for i in mine] == [ids["east"]]
        other = svc.client.post(f"/v1/reviews/{ids['west']}", json={"approve": True}, headers=east)
        assert other.status_code == 403 and "QD-WEST" in other.json()["error"]["message"]
        ok = svc.client.post(f"/v1/reviews/{ids['east']}", json={"approve": True}, headers=east)
        assert ok.status_code == 200 and ok.json()["state"] == "accepted"
        units = svc.client.get("/v1/units", headers=svc.h("a")).json()
        assert units["region_unit"] == "QD-REGION" and len(units["units"]) == 2
    finally:
        svc.client.close()
        svc.app.state.store.dispose()


def test_a_modified_drone_is_classed_again_and_a_deactivated_one_files_nothing(cn):
    cn.drone("a", "DR-A1")
    c, op = cn.client, cn.h("a")
    heavier = {"empty_weight_kg": 9.0, "max_takeoff_weight_kg": 20.0, "reason": "spraying kit"}
    r = c.post("/v1/drones/DR-A1/modification", json=heavier, headers=op)
    assert r.status_code == 200, r.text
    assert r.json() == {"drone": "DR-A1", "drone_class_before": "light", "drone_class": "small"}
    assert c.get("/v1/drones/DR-A1", headers=op).json()["drone_class"] == "small"
    assert (
        c.post("/v1/drones/DR-A1/modification", json=heavier, headers=cn.h("b")).status_code == 404
    )
    off = {"active": False, "reason": "sold"}
    assert c.post("/v1/drones/DR-A1/status", json=off, headers=op).json()["active"] is False
    f = cn.fly("a", "DR-A1", EAST).json()
    assert f["status"] == "rejected" and codes(f) == ["DRONE_NOT_ACTIVE"]
    assert f["reasons"][0]["rule"] == "CN-2024-REGISTRY-DRONE"
    c.post("/v1/drones/DR-A1/status", json={"active": True}, headers=op)
    assert cn.fly("a", "DR-A1", EAST).json()["status"] == "approved"
    log = c.get("/v1/audit", headers=cn.h("regulator")).json()["items"]
    drone_actions = [e["action"] for e in log if e["kind"] == "drone"]
    assert drone_actions == ["register", "modify", "deactivate", "activate"]
