"""The Planner as an operator and a regulator see it: approvals with delays, rejections that
name the zone, flight or rule, pending holds, lifecycle, zone publication, persistence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from shapely.geometry import Point, Polygon, box

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from airspace.projection import Projection
from airspace.zones import Applicability, Restriction, Zone, ZoneVolume
from planner.decision import FlightRecord, Planner
from planner.requests import (
    AreaRoute,
    CorridorRoute,
    Decision,
    FlightRequest,
    ReasonCode,
    State,
    Status,
    WaypointRoute,
    request_from_dict,
)
from tests.checker import check_accepted

EPOCH = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LIGHT = Drone("DR-L", operator_id="OP-1", drone_class="light", max_speed_mps=20.0)
MICRO = Drone("DR-M", drone_class="micro", max_speed_mps=15.0)
MEDIUM = Drone("DR-X", drone_class="medium", max_speed_mps=30.0)
A = (120.380, 36.070)
B = (120.400, 36.070)


def line(alt_m: float = 60.0, a=A, b=B) -> WaypointRoute:
    return WaypointRoute(((*a, 0.0), (*a, alt_m), (*b, alt_m), (*b, 0.0)))


def req(fid, route=None, earliest=300.0, latest=3000.0, speed=10.0, prio=0, drone=LIGHT):
    return FlightRequest(fid, drone, route or line(), earliest, latest, speed, prio)


def zone(zid, polygon, restriction=Restriction.PROHIBITED, lower=0.0, upper=300.0, during=None):
    applicability = ()
    if during is not None:
        start, end = (EPOCH + timedelta(seconds=s) for s in during)
        applicability = (Applicability(permanent=False, start=start, end=end),)
    return Zone(
        zid,
        restriction,
        (ZoneVolume(polygon, lower, upper),),
        name=f"zone {zid}",
        applicability=applicability,
    )


# A square across the middle of the A-B line.
MIDDLE = box(120.389, 36.068, 120.391, 36.072)


@pytest.fixture
def planner() -> Planner:
    return Planner(QINGDAO, epoch=EPOCH)


def codes(decision: Decision) -> list[str]:
    return [str(r.code) for r in decision.reasons]


def test_first_flight_is_approved_as_filed(planner):
    d, changes = planner.decide(req("F1"), 0.0)
    assert d.status == Status.APPROVED and changes == []
    assert d.departure_s == 300.0 and d.delay_s == 0.0
    rows = d.trajectory
    assert rows.shape == (4, 4)
    np.testing.assert_allclose(rows[:, :3], np.asarray(line().waypoints), atol=1e-7)
    # climb 60 m at 3 m/s, then 1.8 km at 10 m/s, then descend
    np.testing.assert_allclose(np.diff(rows[:, 3])[[0, 2]], [20.0, 20.0])
    assert 175 < np.diff(rows[:, 3])[1] < 185
    assert planner.record("F1").state == State.ACCEPTED


def test_same_route_is_delayed_just_enough(planner):
    decisions = [planner.decide(req(f"F{i}"), 0.0)[0] for i in range(4)]
    deps = [d.departure_s for d in decisions]
    assert all(d.status == Status.APPROVED for d in decisions)
    assert deps == sorted(deps) and len(set(deps)) == 4
    # 50 m at 10 m/s is 5 s of cruise; the climb adds a little more: never much more
    assert 5.0 < deps[1] - deps[0] < 30.0
    assert check_accepted(planner, [], QINGDAO) == []
    # one quantum earlier would not be separated: the checker finds the conflict
    rec = planner.record("F1")
    earlier = rec.decision.trajectory.copy()
    earlier[:, 3] -= 0.2
    moved = {
        "F0": planner.record("F0"),
        "F1": FlightRecord(
            rec.request, Decision("F1", Status.APPROVED, 0.0, trajectory=earlier), State.ACCEPTED
        ),
    }
    assert [v.flights for v in check_accepted(moved, [], QINGDAO, epoch=EPOCH)] == [("F0", "F1")]


def test_no_slot_names_the_blocking_flight_and_an_alternative(planner):
    planner.decide(req("F1", earliest=300.0, latest=300.0), 0.0)
    d, _ = planner.decide(req("F2", earliest=300.0, latest=302.0), 0.0)
    assert d.status == Status.REJECTED
    assert "CONFLICT" in codes(d) and "NO_SLOT" in codes(d)
    conflict = next(r for r in d.reasons if r.code == ReasonCode.CONFLICT)
    assert conflict.flight == "F1"
    no_slot = next(r for r in d.reasons if r.code == ReasonCode.NO_SLOT)
    alt = no_slot.detail["alternative_departure"]
    assert 302.0 < alt < 400.0
    # the suggested departure is really free
    d3, _ = planner.decide(req("F3", earliest=alt, latest=alt), 0.0)
    assert d3.status == Status.APPROVED
    assert planner.record("F2").state == State.REJECTED


def test_crossing_exactly_20_m_above_is_separated_19_m_is_not(planner):
    low, _ = planner.decide(req("LOW", line(60.0), latest=300.0), 0.0)
    t_cross = float(np.interp(120.39, low.trajectory[1:3, 0], low.trajectory[1:3, 3]))
    north, south = (120.39, 36.079), (120.39, 36.061)

    def crossing(fid, alt_m):
        # a north-south route over the middle of LOW's, timed to pass right over it
        route = line(alt_m, north, south)
        probe = Planner(QINGDAO, epoch=EPOCH).decide(req("P", route, 0.0, 0.0), 0.0)[0]
        rows = probe.trajectory[1:3]
        offset = float(np.interp(36.07, rows[::-1, 1], rows[::-1, 3]))
        at79_departure[:] = [t_cross - offset]
        return planner.decide(req(fid, route, t_cross - offset, t_cross - offset), 0.0)[0]

    at79_departure: list[float] = []

    assert crossing("AT80", 80.0).status == Status.APPROVED
    planner.cancel("AT80", 0.0)
    at79 = crossing("AT79", 79.0)
    assert at79.status == Status.REJECTED
    assert [r.flight for r in at79.reasons if r.code == ReasonCode.CONFLICT] == ["LOW"]
    # the nearest alternative: one layer (20 m) higher at the same time
    no_slot = next(r for r in at79.reasons if r.code == ReasonCode.NO_SLOT)
    assert no_slot.detail["alternative_altitude_offset_m"] == 20.0
    assert no_slot.detail["alternative_altitude_departure"] == at79_departure[0]
    assert check_accepted(planner, [], QINGDAO) == []


def test_permanent_prohibited_zone_rejects_naming_it():
    p = Planner(QINGDAO, epoch=EPOCH, zones=[zone("NFZ-1", MIDDLE)])
    d, _ = p.decide(req("F1"), 0.0)
    assert d.status == Status.REJECTED
    assert [(str(r.code), r.zone) for r in d.reasons] == [("ZONE_PROHIBITED", "NFZ-1")]


def test_zone_below_the_route_does_not_block():
    p = Planner(QINGDAO, epoch=EPOCH, zones=[zone("LOWZ", MIDDLE, upper=40.0)])
    d, _ = p.decide(req("F1"), 0.0)
    assert d.status == Status.APPROVED


def test_scheduled_zone_delays_the_departure_until_it_ends():
    z = zone("TFR", MIDDLE, during=(0, 900))
    p = Planner(QINGDAO, epoch=EPOCH, zones=[z])
    d, _ = p.decide(req("F1", earliest=300.0, latest=3000.0), 0.0)
    assert d.status == Status.APPROVED
    # the middle of the route is reached ~110 s after take-off; the zone lasts until 900 s
    t_mid = np.interp(120.389, d.trajectory[:, 0], d.trajectory[:, 3])
    assert t_mid > 900.0
    assert t_mid < 900.0 + 1.0
    assert check_accepted(p, [z], QINGDAO) == []


def test_req_authorisation_zone_makes_it_pending_and_it_holds_its_slot():
    z = zone("AUTH-1", MIDDLE, Restriction.REQ_AUTHORISATION)
    p = Planner(QINGDAO, epoch=EPOCH, zones=[z])
    d, _ = p.decide(req("F1", latest=300.0), 0.0)
    assert d.status == Status.PENDING and p.record("F1").state == State.PENDING
    assert [(str(r.code), r.zone) for r in d.reasons] == [("ZONE_REQ_AUTHORISATION", "AUTH-1")]
    held, _ = p.decide(req("F2", latest=300.0), 0.0)
    assert held.status == Status.REJECTED and held.reasons[0].flight == "F1"
    approved, _ = p.review("F1", True, 60.0)
    assert approved.status == Status.APPROVED and p.record("F1").state == State.ACCEPTED
    assert approved.departure_s == d.departure_s
    with pytest.raises(ValueError, match="accepted"):
        p.review("F1", False, 61.0)


def test_denied_review_frees_the_slot():
    z = zone("AUTH-1", MIDDLE, Restriction.REQ_AUTHORISATION)
    p = Planner(QINGDAO, epoch=EPOCH, zones=[z])
    p.decide(req("F1", latest=300.0), 0.0)
    denied, _ = p.review("F1", False, 10.0, "not today")
    assert denied.status == Status.REJECTED and denied.reasons[0].code == ReasonCode.REVIEW_DENIED
    assert denied.reasons[0].message == "not today"
    d2, _ = p.decide(req("F2", latest=300.0), 20.0)
    assert d2.status == Status.PENDING and d2.departure_s == 300.0


def test_above_the_ceiling_is_pending(planner):
    d, _ = planner.decide(req("HIGH", line(150.0)), 0.0)
    assert d.status == Status.PENDING
    assert [(str(r.code), r.rule) for r in d.reasons] == [("CEILING", "CN-2024-CEILING-120")]


def test_micro_above_50_m_is_pending_and_medium_always(planner):
    d, _ = planner.decide(req("M1", line(80.0), speed=8.0, drone=MICRO), 0.0)
    assert d.status == Status.PENDING
    assert [(str(r.code), r.rule) for r in d.reasons] == [("ALTITUDE", "CN-2024-MICRO-HEIGHT-50")]
    d2, _ = planner.decide(
        req("M2", line(40.0, (120.38, 36.08), (120.39, 36.08)), speed=8.0, drone=MICRO), 0.0
    )
    assert d2.status == Status.APPROVED
    d3, _ = planner.decide(
        req("X1", line(60.0, (120.38, 36.09), (120.39, 36.09)), drone=MEDIUM), 0.0
    )
    assert d3.status == Status.PENDING and codes(d3) == ["DRONE_CLASS"]


def test_too_fast_is_rejected_naming_the_rule(planner):
    d, _ = planner.decide(req("FAST", speed=12.0, drone=MICRO), 0.0)
    assert d.status == Status.REJECTED and codes(d) == ["SPEED"]
    assert d.reasons[0].rule == "CN-2024-CLASS-MICRO"
    d2, _ = planner.decide(req("FAST2", speed=25.0), 0.0)  # the drone itself does 20 m/s
    assert codes(d2) == ["SPEED"] and d2.reasons[0].rule == "drone.max_speed_mps"


def test_times_in_the_past_and_too_far_ahead(planner):
    d, _ = planner.decide(req("OLD", earliest=0.0, latest=100.0), 200.0)
    assert codes(d) == ["TIME_IN_PAST"]
    d2, _ = planner.decide(req("LATE", earliest=31 * 86400.0, latest=31 * 86400.0), 0.0)
    assert codes(d2) == ["TOO_FAR_AHEAD"]
    d3, _ = planner.decide(req("NOW", earliest=0.0, latest=1000.0), 500.0)
    assert d3.status == Status.APPROVED and d3.departure_s == 500.0 and d3.delay_s == 500.0


def test_outside_the_deployment_is_invalid_not_a_crash(planner):
    d, _ = planner.decide(req("BERN", line(60.0, (7.44, 46.95), (7.45, 46.95))), 0.0)
    assert d.status == Status.REJECTED and codes(d) == ["INVALID"]
    assert "EPSG:4549" in d.reasons[0].message


def test_refiling_a_live_flight_is_an_error(planner):
    planner.decide(req("F1"), 0.0)
    with pytest.raises(ValueError, match="already accepted"):
        planner.decide(req("F1"), 0.0)


def test_lifecycle(planner):
    planner.decide(req("F1", latest=300.0), 0.0)
    planner.activate("F1", 300.0)
    assert planner.record("F1").state == State.ACTIVATED
    with pytest.raises(ValueError, match="activated"):
        planner.activate("F1", 301.0)
    # an emergency cannot displace a flight in the air
    d, changes = planner.decide(req("EMG", latest=300.0, prio=100), 300.0)
    assert d.status == Status.REJECTED and changes == []
    planner.end("F1", 600.0)
    assert planner.record("F1").state == State.ENDED
    d2, _ = planner.decide(req("F2", earliest=300.0, latest=300.0), 0.0)
    assert d2.status == Status.APPROVED  # the slot is free again
    planner.cancel("F2", 10.0)
    assert planner.record("F2").state == State.CANCELLED
    planner.cancel("F2", 11.0)  # cancelling again changes nothing
    with pytest.raises(KeyError, match="NOPE"):
        planner.cancel("NOPE", 0.0)


def test_published_zone_replans_or_revokes_with_a_reason(planner):
    planner.decide(req("FIX", earliest=300.0, latest=300.0), 0.0)
    planner.decide(
        req("FLEX", line(60.0, (120.38, 36.08), (120.40, 36.08)), earliest=300.0, latest=4000.0),
        0.0,
    )
    tfr = zone("TFR-1", box(120.385, 36.06, 120.395, 36.09), during=(0, 1800))
    changes = planner.publish_zone(tfr, 100.0)
    kinds = {c.flight_id: c.kind for c in changes}
    assert kinds == {"FIX": "revoked", "FLEX": "replanned"}
    assert all(
        c.reason.code in (ReasonCode.ZONE_PUBLISHED, ReasonCode.REPLANNED)
        and c.reason.zone == "TFR-1"
        for c in changes
    )
    assert planner.record("FIX").state == State.REVOKED
    assert planner.record("FLEX").state == State.ACCEPTED
    assert planner.record("FLEX").decision.departure_s > 1700.0
    assert check_accepted(planner, [tfr], QINGDAO) == []
    planner.withdraw_zone("TFR-1", 200.0)
    d, _ = planner.decide(req("AGAIN", earliest=300.0, latest=300.0), 200.0)
    assert d.status == Status.APPROVED
    with pytest.raises(KeyError):
        planner.withdraw_zone("TFR-1", 200.0)


def test_zone_published_elsewhere_changes_nothing(planner):
    planner.decide(req("F1"), 0.0)
    assert planner.publish_zone(zone("FAR", box(120.45, 36.10, 120.46, 36.11)), 0.0) == []
    assert planner.publish_zone(zone("AUTH", MIDDLE, Restriction.REQ_AUTHORISATION), 0.0) == []


def test_area_operation_moves_in_time():
    p = Planner(QINGDAO, epoch=EPOCH)
    square = Polygon(Point(120.39, 36.07).buffer(0.002).exterior)
    survey = AreaRoute(square, 0.0, 60.0, 600.0)
    d1, _ = p.decide(req("S1", survey, earliest=0.0, latest=0.0), 0.0)
    assert d1.status == Status.APPROVED and d1.area["start"] == 0.0 and d1.area["end"] == 600.0
    d2, _ = p.decide(req("S2", survey, earliest=0.0, latest=3600.0), 0.0)
    assert d2.status == Status.APPROVED and 600.0 < d2.area["start"] <= 600.2
    d3, _ = p.decide(req("R1", latest=3600.0), 0.0)  # a route through the survey area
    assert d3.status == Status.APPROVED
    assert check_accepted(p, [], QINGDAO) == []


def test_records_round_trip_and_restore(planner):
    planner.decide(req("F1"), 0.0)
    planner.decide(req("F2"), 0.0)
    planner.decide(
        req("A1", AreaRoute(box(120.41, 36.07, 120.42, 36.08), 0.0, 50.0, 300.0), 0.0, 600.0), 0.0
    )
    saved = [FlightRecord.from_json(r.to_json()) for r in planner.records().values()]
    fresh = Planner(QINGDAO, epoch=EPOCH)
    for r in saved:
        fresh.restore(r)
    assert {k: str(v.state) for k, v in fresh.records().items()} == {
        "F1": "accepted",
        "F2": "accepted",
        "A1": "accepted",
    }
    again_old, _ = planner.decide(req("F3"), 0.0)
    again_new, _ = fresh.decide(req("F3"), 0.0)
    assert again_new.departure_s == pytest.approx(again_old.departure_s)
    np.testing.assert_allclose(
        saved[0].decision.trajectory, planner.record("F1").decision.trajectory
    )


def test_request_from_dict_names_the_field():
    ok = request_from_dict(
        {
            "flight": "F-1",
            "priority": 2,
            "speed_mps": 12,
            "departure": {"earliest": 300, "latest": 900},
            "route": {"waypoints": [[120.38, 36.07, 0], [120.38, 36.07, 90]]},
        },
        LIGHT,
        epoch_offset_s=100.0,
    )
    assert (ok.earliest_s, ok.latest_s, ok.priority, ok.operator_id) == (400.0, 1000.0, 2, "OP-1")
    assert FlightRequest.from_json(ok.to_json()) == ok
    bad = [
        ({"route": {"waypoints": [[1, 2, 3]]}}, "route.waypoints"),
        ({"route": {"waypoints": [[1, 2], [3, 4]]}}, r"route.waypoints\[0\]"),
        ({"route": {"from": [120.3, 36.0]}}, "route.to"),
        (
            {
                "route": {
                    "area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                    "lower_m": 0,
                    "upper_m": 60,
                }
            },
            "route.duration_s",
        ),
        ({"departure": {"earliest": 900, "latest": 300}}, "departure.latest"),
        ({"departure": {"earliest": "soon"}}, "departure.earliest"),
        ({"priority": "high"}, "priority"),
        ({"speed_mps": -3}, "speed_mps"),
    ]
    base = {
        "flight": "F",
        "departure": {"earliest": 0},
        "route": {"from": [120.3, 36.0], "to": [120.4, 36.1]},
    }
    for change, field_name in bad:
        with pytest.raises(ValueError, match=field_name):
            request_from_dict({**base, **change}, LIGHT)


def test_checker_catches_zone_and_area_conflicts():
    """The checker is only worth something if it fails on bad sets."""
    proj = Projection.for_deployment(QINGDAO)
    assert proj is not None
    rows = np.array([[120.38, 36.07, 60.0, 0.0], [120.40, 36.07, 60.0, 180.0]])
    area = {
        "area": {
            "type": "Polygon",
            "coordinates": [
                [
                    [120.389, 36.0695],
                    [120.391, 36.0695],
                    [120.391, 36.0705],
                    [120.389, 36.0705],
                    [120.389, 36.0695],
                ]
            ],
        },
        "lower_m": 70.0,
        "upper_m": 100.0,
        "start": 0.0,
        "end": 600.0,
    }
    recs = {
        "R": FlightRecord(
            req("R"), Decision("R", Status.APPROVED, 0.0, trajectory=rows), State.ACCEPTED
        ),
        "A": FlightRecord(req("A"), Decision("A", Status.APPROVED, 0.0, area=area), State.ACCEPTED),
    }
    found = check_accepted(recs, [zone("NFZ", MIDDLE)], QINGDAO, epoch=EPOCH)
    assert sorted((v.kind, v.flights) for v in found) == [
        ("conflict", ("R", "A")),
        ("zone", ("A",)),
        ("zone", ("R",)),
    ]
    area["lower_m"] = 80.0  # 20 m above the route: separated
    found = check_accepted(recs, [], QINGDAO, epoch=EPOCH)
    assert found == []


WUSI, LAOSHAN = (120.384, 36.062), (120.468, 36.107)


@pytest.fixture(scope="module")
def corridors():
    from airspace.corridors import QINGDAO_CORRIDORS_PATH, CorridorNetwork

    return CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH)


def test_corridor_request_takes_another_route_around_an_occupied_corridor(corridors):
    p = Planner(QINGDAO, epoch=EPOCH, corridors=corridors)
    first, _ = p.decide(req("C0", CorridorRoute(WUSI, LAOSHAN), 0.0, 600.0, speed=15.0), 0.0)
    assert first.status == Status.APPROVED and first.departure_s == 0.0
    assert first.route["edges"][0] == "VP-WUSI-SPUR" and first.route["layer_m"] > 0
    p.cancel("C0", 0.0)
    # an inspection sits on the corridor the fastest route uses, for two hours
    block = AreaRoute(box(120.409, 36.078, 120.411, 36.0805), 80.0, 100.0, 7200.0)
    p.decide(req("BLOCK", block, 0.0, 0.0), 0.0)
    around, _ = p.decide(req("C1", CorridorRoute(WUSI, LAOSHAN), 0.0, 600.0, speed=15.0), 0.0)
    assert around.status == Status.APPROVED and around.departure_s == 0.0
    assert around.route["edges"] != first.route["edges"]
    assert check_accepted(p, [], QINGDAO) == []


def test_corridor_request_far_from_the_network_has_no_route(corridors):
    p = Planner(QINGDAO, epoch=EPOCH, corridors=corridors)
    d, _ = p.decide(req("FAR", CorridorRoute(WUSI, (121.2, 36.3)), 0.0, 600.0), 0.0)
    assert d.status == Status.REJECTED and codes(d) == ["NO_ROUTE"]
    assert "destination" in d.reasons[0].message
    d2, _ = Planner(QINGDAO, epoch=EPOCH).decide(req("NONET", CorridorRoute(WUSI, LAOSHAN)), 0.0)
    assert codes(d2) == ["NO_ROUTE"]


def test_corridor_request_waits_for_a_restriction_on_its_vertiport_to_end(corridors):
    tfr = zone("TFR-WUSI", box(120.378, 36.0615, 120.386, 36.064), during=(0, 900))
    p = Planner(QINGDAO, epoch=EPOCH, corridors=corridors, zones=[tfr])
    d, _ = p.decide(req("C0", CorridorRoute(WUSI, LAOSHAN), 0.0, 1800.0, speed=15.0), 0.0)
    assert d.status == Status.APPROVED
    assert 900.0 < d.departure_s <= 900.2
    assert check_accepted(p, [tfr], QINGDAO) == []
    d2, _ = p.decide(req("C1", CorridorRoute(WUSI, LAOSHAN), 0.0, 600.0, speed=15.0), 0.0)
    assert d2.status == Status.REJECTED and codes(d2) == ["NO_ROUTE"]


def test_conditional_zone_approves_with_its_conditions_attached():
    cond = Zone(
        "COND-1",
        Restriction.CONDITIONAL,
        (ZoneVolume(MIDDLE, 0.0, 120.0),),
        restriction_conditions=("remote_id broadcast on",),
    )
    p = Planner(QINGDAO, epoch=EPOCH, zones=[cond])
    d, _ = p.decide(req("F1"), 0.0)
    assert d.status == Status.APPROVED
    assert [(str(r.code), r.zone) for r in d.reasons] == [("ZONE_CONDITIONAL", "COND-1")]
    assert "remote_id broadcast on" in d.reasons[0].message
    d2, _ = p.decide(req("F2", line(60.0, (120.38, 36.09), (120.40, 36.09))), 0.0)
    assert d2.status == Status.APPROVED and d2.reasons == []


def test_a_request_that_would_wait_for_review_can_be_declined_without_displacing_anyone():
    """Interfaces with no pending state (InterUSS) ask for ``hold_pending=False``: the answer
    still says review would be needed, but nothing is held and nobody makes room for it."""
    for hold in (True, False):
        p = Planner(QINGDAO, epoch=EPOCH)
        low, _ = p.decide(req("F-LOW", latest=300.0), 0.0)
        assert low.status == Status.APPROVED
        high, changes = p.decide(
            req("F-HIGH", latest=300.0, prio=2, drone=MEDIUM), 0.0, hold_pending=hold
        )
        assert high.status == Status.PENDING  # a medium drone always waits for review
        if hold:  # held: it takes F-LOW's airspace, as a pending request does
            assert [c.flight_id for c in changes] == ["F-LOW"]
            continue
        assert changes == []
        assert p.record("F-HIGH").state == State.CANCELLED
        assert p.record("F-LOW").state == State.ACCEPTED
        assert p.record("F-LOW").decision.to_json() == low.to_json()
        again, _ = p.decide(req("F-LOW2", latest=300.0), 0.0)
        assert again.status == Status.REJECTED  # F-LOW still holds its slot, F-HIGH none
        assert [r.flight for r in again.reasons if r.flight] == ["F-LOW"]
