"""The flight_planning v1 interface driven as uss_qualifier drives it: ``uas_standards`` request
objects built from the shared InterUSS intents (moved to Bern, F3548 volume semantics)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from implicitdict import ImplicitDict

from api.models import FlightRow
from tests.api.interuss.conftest import DIRECT, PLAN, flight_plan


def new_id() -> str:
    return str(uuid.uuid4())


def stored(uss, plan_id):
    with uss.app.state.store.session() as s:
        row = s.get(FlightRow, plan_id)
        return None if row is None else (row.state, row.decision)


def test_status_says_ready(uss):
    r = uss.client.get("/flight_planning/v1/status", headers=uss.h(DIRECT))
    assert r.status_code == 200
    assert r.json()["status"] == "Ready"
    assert r.json()["api_name"] == "Flight Planning Automated Testing Interface"


def test_non_conflicting_pair_is_accepted(uss, intents):
    for name in ("flight_1", "flight_2"):
        resp = uss.put(new_id(), flight_plan(intents[f"non_conflicting/{name}"]))
        assert (resp.planning_result, resp.flight_plan_status) == ("Completed", "Planned"), resp
        assert resp.includes_advisories == "NoAdvisoriesOrConditions"


def test_one_centimetre_overlap_is_caught(uss, intents):
    first, second = new_id(), new_id()
    assert (
        uss.put(first, flight_plan(intents["invalid_flight_intents/valid_flight"])).planning_result
        == "Completed"
    )
    resp = uss.put(
        second, flight_plan(intents["invalid_flight_intents/valid_conflict_tiny_overlap"])
    )
    assert (resp.planning_result, resp.flight_plan_status) == ("Rejected", "NotPlanned")
    assert first in resp.notes and "CONFLICT" in resp.notes
    # the suggested later departure is a time in Bern's time zone, not planner seconds
    assert re.search(r"fits is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", resp.notes)


def test_invalid_intents_are_rejected_with_the_reason(uss, intents):
    far = uss.put(new_id(), flight_plan(intents["invalid_flight_intents/invalid_too_far_away"]))
    assert far.planning_result == "Rejected" and "TOO_FAR_AHEAD" in far.notes
    ended = uss.put(new_id(), flight_plan(intents["invalid_flight_intents/invalid_recently_ended"]))
    assert ended.planning_result == "Rejected" and "TIME_IN_PAST" in ended.notes


def test_equal_priority_is_rejected(uss, intents):
    first = new_id()
    assert (
        uss.put(
            first, flight_plan(intents["conflicting_flights/flight1_planned"])
        ).flight_plan_status
        == "Planned"
    )
    resp = uss.put(new_id(), flight_plan(intents["conflicting_flights/equal_prio_flight2_planned"]))
    assert resp.planning_result == "Rejected" and first in resp.notes
    assert stored(uss, first)[0] == "accepted"


def test_higher_priority_is_accepted_and_the_lower_one_is_told(uss, intents):
    t0 = datetime.now(UTC) - timedelta(seconds=1)
    low, high = new_id(), new_id()
    assert (
        uss.put(low, flight_plan(intents["conflicting_flights/flight1_planned"])).planning_result
        == "Completed"
    )
    resp = uss.put(high, flight_plan(intents["conflicting_flights/flight2_planned"]))
    assert (resp.planning_result, resp.flight_plan_status) == ("Completed", "Planned")
    assert stored(uss, low)[0] == "revoked"
    r = uss.client.get(
        "/flight_planning/v1/user_notifications",
        params={"after": t0.isoformat().replace("+00:00", "Z")},
        headers=uss.h(PLAN),
    )
    assert r.status_code == 200, r.text
    notes = r.json()["user_notifications"]
    assert [n["conflicts"] for n in notes] == ["Single"]
    assert low in notes[0]["message"] and "revoked" in notes[0]["message"]
    assert (
        uss.client.get("/flight_planning/v1/user_notifications", headers=uss.h(PLAN)).status_code
        == 400
    )


def test_activate_then_modify_an_activated_flight(uss, intents):
    other = uss.put(new_id(), flight_plan(intents["non_conflicting/flight_1_planned"]))
    assert other.flight_plan_status == "Planned"  # 11.7 m away: no conflict, before or after
    plan_id = new_id()
    assert (
        uss.put(
            plan_id, flight_plan(intents["non_conflicting/flight_2_planned"])
        ).flight_plan_status
        == "Planned"
    )
    active = uss.put(
        plan_id, flight_plan(intents["non_conflicting/flight_2_planned"], usage_state="InUse")
    )
    assert (active.planning_result, active.flight_plan_status) == ("Completed", "OkToFly")
    # accepted modification while flying: 0-58 m grows to 0-65 m
    grown = uss.put(
        plan_id,
        flight_plan(intents["non_conflicting/flight_2_planned_modified"], usage_state="InUse"),
    )
    assert (grown.planning_result, grown.flight_plan_status) == ("Completed", "OkToFly")
    state, decision = stored(uss, plan_id)
    assert state == "activated" and decision["upper_m"] == 65.0


def test_a_refused_modification_keeps_the_old_plan(uss, intents):
    high, low = new_id(), new_id()
    assert (
        uss.put(high, flight_plan(intents["conflicting_flights/flight2_planned"])).planning_result
        == "Completed"
    )
    assert (
        uss.put(
            high, flight_plan(intents["conflicting_flights/flight2_activated"])
        ).flight_plan_status
        == "OkToFly"
    )
    assert (
        uss.put(
            low, flight_plan(intents["conflicting_flights/flight1c_planned"])
        ).flight_plan_status
        == "Planned"
    )
    assert (
        uss.put(
            low, flight_plan(intents["conflicting_flights/flight1c_activated"])
        ).flight_plan_status
        == "OkToFly"
    )
    before = stored(uss, low)
    # flight 1 grows into the airspace of flight 2, in the air at priority 100: refused
    resp = uss.put(low, flight_plan(intents["conflicting_flights/flight1_activated"]))
    assert (resp.planning_result, resp.flight_plan_status) == ("Rejected", "OkToFly")
    assert high in resp.notes and "previous plan stays in force" in resp.notes
    assert stored(uss, low) == before
    # and flight 2 cannot grow over the activated flight 1c either
    resp = uss.put(high, flight_plan(intents["conflicting_flights/flight2m_activated"]))
    assert (resp.planning_result, resp.flight_plan_status) == ("Rejected", "OkToFly")
    assert low in resp.notes


def test_off_nominal_in_reality_and_closing(uss, intents):
    plan_id = new_id()
    uss.put(plan_id, flight_plan(intents["conflicting_flights/equal_prio_flight2_planned"]))
    assert (
        uss.put(
            plan_id, flight_plan(intents["conflicting_flights/equal_prio_flight2_activated"])
        ).flight_plan_status
        == "OkToFly"
    )
    resp = uss.put(
        plan_id,
        flight_plan(intents["conflicting_flights/equal_prio_flight2_nonconforming"]),
        style="InReality",
    )
    assert (resp.planning_result, resp.flight_plan_status) == ("Completed", "OffNominal")
    assert stored(uss, plan_id)[0] == "nonconforming"
    # uss_qualifier closes flights with the plan scope (the interface names the other one)
    r = uss.client.delete(f"/flight_planning/v1/flight_plans/{plan_id}", headers=uss.h(PLAN))
    assert r.status_code == 200 and r.json()["flight_plan_status"] == "Closed"
    assert stored(uss, plan_id)[0] == "ended"
    assert (
        uss.client.delete(
            f"/flight_planning/v1/flight_plans/{new_id()}", headers=uss.h(DIRECT)
        ).status_code
        == 404
    )


def test_hypothetical_is_not_supported(uss, intents):
    resp = uss.put(new_id(), flight_plan(intents["non_conflicting/flight_1"]), style="Hypothetical")
    assert (resp.planning_result, resp.flight_plan_status) == ("NotSupported", "NotPlanned")


def test_clear_area_closes_the_callers_flights_there(uss, intents):
    mine = [new_id(), new_id()]
    uss.put(mine[0], flight_plan(intents["non_conflicting/flight_1"]))
    uss.put(mine[1], flight_plan(intents["non_conflicting/flight_2"]))
    theirs = new_id()
    other = uss.put(
        theirs, flight_plan(intents["invalid_flight_intents/valid_flight"]), sub="other_uss"
    )
    assert other.planning_result == "Rejected"  # overlaps flight_1 of the first client
    extent = {
        "volume": {
            "outline_circle": {
                "center": {"lng": 7.4774, "lat": 46.9749},
                "radius": {"value": 2000, "units": "M"},
            },
            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": datetime.now(UTC).isoformat(), "format": "RFC3339"},
        "time_end": {
            "value": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
            "format": "RFC3339",
        },
    }
    r = uss.client.post(
        "/flight_planning/v1/clear_area_requests",
        json={"request_id": new_id(), "extent": extent},
        headers=uss.h(DIRECT),
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"]["success"] is True
    assert sorted(r.json()["outcome"]["details"]["flight_plans"]) == sorted(mine)
    assert [stored(uss, m)[0] for m in mine] == ["ended", "ended"]
    again = uss.put(
        theirs, flight_plan(intents["invalid_flight_intents/valid_flight"]), sub="other_uss"
    )
    assert again.planning_result == "Completed"


def test_another_clients_id_is_a_conflict_and_bad_bodies_are_400(uss, intents):
    plan_id = new_id()
    uss.put(plan_id, flight_plan(intents["non_conflicting/flight_1"]))
    body = {
        "flight_plan": flight_plan(intents["non_conflicting/flight_1"]),
        "execution_style": "IfAllowed",
        "request_id": "x",
    }
    r = uss.client.put(
        f"/flight_planning/v1/flight_plans/{plan_id}",
        json=body,
        headers=uss.h(PLAN, sub="intruder"),
    )
    assert r.status_code == 409 and "another client" in r.json()["error"]["message"]
    r = uss.client.put(
        f"/flight_planning/v1/flight_plans/{new_id()}",
        json={"flight_plan": {}},
        headers=uss.h(PLAN),
    )
    assert r.status_code == 400 and "basic_information" in r.json()["error"]["message"]
    r = uss.client.put(
        f"/flight_planning/v1/flight_plans/{new_id()}",
        json={**body, "flight_plan": {"basic_information": {"usage_state": "Sometimes"}}},
        headers=uss.h(PLAN),
    )
    assert r.status_code == 400 and "usage_state" in r.json()["error"]["message"]


def test_a_repeated_request_id_gets_the_first_answer(uss, intents):
    plan_id = new_id()
    body = {
        "flight_plan": flight_plan(intents["non_conflicting/flight_1"]),
        "execution_style": "IfAllowed",
        "request_id": new_id(),
    }
    url = f"/flight_planning/v1/flight_plans/{plan_id}"
    first = uss.client.put(url, json=body, headers=uss.h(PLAN)).json()
    again = uss.client.put(url, json=body, headers=uss.h(PLAN)).json()
    assert (first["planning_result"], again["planning_result"]) == ("Completed", "Completed")
    assert again["flight_plan_status"] == "Planned" and "repeated request_id" in again["notes"]


def test_several_volumes_are_planned_as_one_volume_holding_them(uss, intents):
    a = flight_plan(intents["non_conflicting/flight_1"])
    b = flight_plan(intents["non_conflicting/flight_2"])
    a.basic_information.area = [*a.basic_information.area, *b.basic_information.area]
    plan_id = new_id()
    resp = uss.put(plan_id, a)
    assert resp.planning_result == "Completed" and "2 volumes were planned as one" in resp.notes
    _, decision = stored(uss, plan_id)
    assert (decision["lower_m"], decision["upper_m"]) == (0.0, pytest.approx(76.0))
    # flight 2 alone now meets the combined volume
    assert uss.put(new_id(), b).planning_result == "Rejected"


def test_a_plan_that_would_need_review_displaces_nobody(uss, intents):
    """This interface has no pending state: a higher-priority plan that would wait for a
    regulator's review is rejected, and the lower-priority plan it conflicts with keeps its
    airspace (it is not revoked to make room for a plan that was never held)."""
    low = new_id()
    assert (
        uss.put(low, flight_plan(intents["conflicting_flights/flight1_planned"])).planning_result
        == "Completed"
    )
    high = flight_plan(intents["conflicting_flights/flight2_planned"])
    # one more volume over the same ground, above the 120 m true-height ceiling
    above = json.loads(json.dumps(high.basic_information.area[0]))
    for key, delta_m in (("altitude_lower", 150.0), ("altitude_upper", 160.0)):
        above["volume"][key]["value"] = (
            high.basic_information.area[0].volume.altitude_lower.value + delta_m
        )
    high.basic_information.area.append(
        ImplicitDict.parse(above, type(high.basic_information.area[0]))
    )
    resp = uss.put(new_id(), high)
    assert (resp.planning_result, resp.flight_plan_status) == ("Rejected", "NotPlanned")
    assert "pending review" in resp.notes
    assert stored(uss, low)[0] == "accepted"
