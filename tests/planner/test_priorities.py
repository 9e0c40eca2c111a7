"""Priorities and dense traffic: whatever arrives, the accepted set passes the independent
checker; a higher-priority request displaces lower-priority flights, which are re-planned or
revoked with a reason; equal priority never displaces anybody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from airspace.zones import Applicability, Restriction, Zone, ZoneVolume
from planner.decision import FlightRecord, Planner
from planner.requests import (
    AreaRoute,
    CorridorRoute,
    FlightRequest,
    ReasonCode,
    State,
    Status,
    WaypointRoute,
)
from tests.checker import check_accepted

EPOCH = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DRONE = Drone("DR-1", drone_class="light", max_speed_mps=25.0)
LIVE = (State.ACCEPTED, State.PENDING)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

PRIORITIES = st.integers(0, 3)
lon = st.floats(120.380, 120.395)
lat = st.floats(36.065, 36.075)


@st.composite
def requests(draw, n_max=14, priorities=PRIORITIES):
    out = []
    for i in range(draw(st.integers(2, n_max))):
        earliest = draw(st.floats(0.0, 600.0))
        latest = earliest + draw(st.sampled_from([0.0, 60.0, 900.0]))
        prio = draw(priorities)
        if draw(st.integers(0, 4)) == 0:
            x, y = draw(lon), draw(lat)
            half = draw(st.floats(0.0003, 0.002))
            lower = draw(st.floats(0.0, 40.0))
            route = AreaRoute(
                box(x - half, y - half, x + half, y + half),
                lower,
                lower + draw(st.floats(10.0, 60.0)),
                draw(st.floats(60.0, 600.0)),
            )
            speed = None
        else:
            alt = draw(st.sampled_from([30.0, 50.0, 70.0, 90.0]) | st.floats(20.0, 110.0))
            (x0, y0), (x1, y1) = (draw(lon), draw(lat)), (draw(lon), draw(lat))
            route = WaypointRoute(((x0, y0, 0.0), (x0, y0, alt), (x1, y1, alt), (x1, y1, 0.0)))
            speed = draw(st.floats(5.0, 20.0))
        out.append(FlightRequest(f"F{i:02d}", DRONE, route, earliest, latest, speed, prio))
    return out


@st.composite
def zones(draw):
    out = []
    for i in range(draw(st.integers(0, 2))):
        x, y = draw(lon), draw(lat)
        half = draw(st.floats(0.0005, 0.002))
        start = draw(st.floats(0.0, 1200.0))
        applicability = (
            Applicability(
                permanent=False,
                start=EPOCH + timedelta(seconds=start),
                end=EPOCH + timedelta(seconds=start + draw(st.floats(60.0, 1200.0))),
            ),
        )
        volume = ZoneVolume(
            box(x - half, y - half, x + half, y + half), 0.0, draw(st.floats(30.0, 200.0))
        )
        restriction = draw(st.sampled_from([Restriction.PROHIBITED, Restriction.REQ_AUTHORISATION]))
        out.append(Zone(f"Z{i}", restriction, (volume,), applicability=applicability))
    return out


def decide_all(planner, reqs, now_s=0.0):
    all_changes = []
    for r in reqs:
        d, changes = planner.decide(r, now_s)
        assert d.status in (Status.APPROVED, Status.PENDING, Status.REJECTED)
        if d.status == Status.REJECTED:
            assert d.reasons, f"{r.flight_id} rejected without a reason"
        all_changes.append((r, changes))
    return all_changes


def check_changes(planner, cause: FlightRequest, changes):
    for c in changes:
        rec = planner.record(c.flight_id)
        assert c.kind in ("replanned", "revoked")
        assert c.reason.flight is not None
        # whoever displaced it outranks it
        assert planner.record(c.reason.flight).request.priority > rec.request.priority
        if c.kind == "revoked":
            assert rec.state == State.REVOKED and c.reason.code == ReasonCode.OUTRANKED
        else:
            assert c.reason.code == ReasonCode.REPLANNED
            assert rec.state in LIVE and c.decision.departure_s >= rec.request.earliest_s


@SETTINGS
@given(reqs=requests(), zs=zones())
def test_dense_traffic_accepted_set_passes_the_checker(reqs, zs):
    planner = Planner(QINGDAO, epoch=EPOCH, zones=zs)
    for r, changes in decide_all(planner, reqs):
        check_changes(planner, r, changes)
    assert check_accepted(planner, zs, QINGDAO) == []
    # pending flights entered an authorisation zone (or need it for another rule), never a prohibited one
    for rec in planner.records().values():
        if rec.state == State.PENDING:
            assert rec.decision.reasons


@SETTINGS
@given(reqs=requests(priorities=st.just(1)))
def test_equal_priority_never_displaces(reqs):
    planner = Planner(QINGDAO, epoch=EPOCH)
    for _, changes in decide_all(planner, reqs):
        assert changes == []
    assert check_accepted(planner, [], QINGDAO) == []


@SETTINGS
@given(reqs=requests(n_max=10, priorities=st.integers(0, 2)), data=st.data())
def test_emergency_displaces_lower_priority_and_the_rest_stays(reqs, data):
    planner = Planner(QINGDAO, epoch=EPOCH)
    decide_all(planner, reqs)
    before = {fid: (rec.state, rec.decision) for fid, rec in planner.records().items()}
    # an emergency right through the middle of the traffic, now
    x0, x1 = data.draw(lon), data.draw(lon)
    route = WaypointRoute(
        ((x0, 36.065, 0.0), (x0, 36.065, 60.0), (x1, 36.075, 60.0), (x1, 36.075, 0.0))
    )
    emergency = FlightRequest("EMG", DRONE, route, 0.0, 0.0, 15.0, priority=10)
    d, changes = planner.decide(emergency, 0.0)
    assert d.status == Status.APPROVED and d.departure_s == 0.0
    check_changes(planner, emergency, changes)
    changed = {c.flight_id for c in changes}
    for fid, (state, decision) in before.items():
        if fid not in changed:
            rec = planner.record(fid)
            assert rec.state == state
            assert rec.decision is decision
    assert check_accepted(planner, [], QINGDAO) == []


def _line(fid, prio, earliest, latest):
    route = WaypointRoute(
        ((120.38, 36.07, 0.0), (120.38, 36.07, 60.0), (120.40, 36.07, 60.0), (120.40, 36.07, 0.0))
    )
    return FlightRequest(fid, DRONE, route, earliest, latest, 10.0, prio)


def test_displaced_flight_is_replanned_within_its_window_else_revoked():
    planner = Planner(QINGDAO, epoch=EPOCH)
    planner.decide(_line("FLEX", 0, 300.0, 3000.0), 0.0)
    planner.decide(_line("FIXED", 0, 600.0, 600.0), 0.0)
    d, changes = planner.decide(_line("MED", 5, 300.0, 300.0), 100.0)
    assert d.status == Status.APPROVED and d.departure_s == 300.0
    assert [(c.flight_id, c.kind) for c in changes] == [("FLEX", "replanned")]
    moved = planner.record("FLEX").decision
    assert moved.departure_s > 300.0 and moved.reasons[0].code == ReasonCode.REPLANNED
    assert moved.reasons[0].flight == "MED"
    d2, changes2 = planner.decide(_line("FIRE", 9, 600.0, 600.0), 100.0)
    assert d2.status == Status.APPROVED
    assert ("FIXED", "revoked") in [(c.flight_id, c.kind) for c in changes2]
    assert planner.record("FIXED").state == State.REVOKED
    assert check_accepted(planner, [], QINGDAO) == []


def test_displacement_cascades_down_the_priorities():
    planner = Planner(QINGDAO, epoch=EPOCH)
    planner.decide(_line("P0", 0, 300.0, 3000.0), 0.0)
    d1, c1 = planner.decide(_line("P1", 1, 300.0, 3000.0), 0.0)
    assert d1.departure_s == 300.0  # it outranks P0 and takes the earliest slot
    assert [(c.flight_id, c.kind) for c in c1] == [("P0", "replanned")]
    d2, c2 = planner.decide(_line("P2", 2, 300.0, 300.0), 0.0)
    assert d2.departure_s == 300.0
    assert [(c.flight_id, c.kind, c.reason.flight) for c in c2] == [
        ("P1", "replanned", "P2"),
        ("P0", "replanned", "P1"),
    ]
    deps = [planner.record(f).decision.departure_s for f in ("P2", "P1", "P0")]
    assert deps == sorted(deps) and len(set(deps)) == 3
    assert all(planner.record(f).state == State.ACCEPTED for f in ("P0", "P1", "P2"))
    assert check_accepted(planner, [], QINGDAO) == []
    assert np.isfinite(deps).all()


@SETTINGS
@given(reqs=requests(n_max=12), zs=zones(), data=st.data())
def test_published_zone_leaves_no_flight_inside_it(reqs, zs, data):
    planner = Planner(QINGDAO, epoch=EPOCH)
    decide_all(planner, reqs)
    now_s = data.draw(st.floats(0.0, 300.0))
    before = {fid: rec.state for fid, rec in planner.records().items()}
    for z in zs:
        for c in planner.publish_zone(z, now_s):
            assert c.kind in ("replanned", "revoked")
            assert c.reason.zone == z.identifier
            assert before[c.flight_id] in LIVE
            if c.kind == "replanned":
                assert c.decision.departure_s >= now_s
    # flights already flown past `now_s` are history; the rest avoid every zone now in force
    future = {
        fid: rec
        for fid, rec in planner.records().items()
        if rec.decision.departure_s is not None and rec.decision.departure_s >= now_s
    }
    assert check_accepted(future, zs, QINGDAO, epoch=EPOCH) == []
    assert check_accepted(planner, [], QINGDAO) == []


@pytest.fixture(scope="module")
def corridors():
    from airspace.corridors import QINGDAO_CORRIDORS_PATH, CorridorNetwork

    return CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH)


ENDPOINTS = [
    (120.384, 36.062),
    (120.468, 36.107),
    (120.40, 36.08),
    (120.42, 36.095),
    (120.38, 36.10),
]


@settings(max_examples=8, deadline=None, derandomize=True)
@given(
    trips=st.lists(
        st.tuples(
            st.sampled_from(ENDPOINTS),
            st.sampled_from(ENDPOINTS),
            st.floats(0.0, 600.0),
            st.sampled_from([0.0, 120.0, 1800.0]),
            st.integers(0, 2),
        ),
        min_size=2,
        max_size=8,
    )
)
def test_corridor_traffic_passes_the_checker(corridors, trips):
    planner = Planner(QINGDAO, epoch=EPOCH, corridors=corridors)
    for i, (a, b, earliest, width, prio) in enumerate(trips):
        if a == b:
            continue
        r = FlightRequest(
            f"C{i}", DRONE, CorridorRoute(a, b), earliest, earliest + width, 15.0, prio
        )
        d, changes = planner.decide(r, 0.0)
        if d.status != Status.REJECTED:
            assert d.route["edges"]
        check_changes(planner, r, changes)
    assert check_accepted(planner, [], QINGDAO) == []


@SETTINGS
@given(reqs=requests(n_max=12), zs=zones(), data=st.data())
def test_reviews_and_restarts_keep_the_set_safe(reqs, zs, data):
    planner = Planner(QINGDAO, epoch=EPOCH, zones=zs)
    decide_all(planner, reqs[:-1])
    for fid, rec in planner.records().items():
        if rec.state == State.PENDING:
            verdict = data.draw(st.booleans())
            d, _ = planner.review(fid, verdict, 10.0)
            assert planner.record(fid).state == (State.ACCEPTED if verdict else State.REJECTED)
    assert (
        check_accepted(planner, [z for z in zs if z.restriction == Restriction.PROHIBITED], QINGDAO)
        == []
    )
    # a restart from the persisted records decides the next request exactly the same way
    fresh = Planner(QINGDAO, epoch=EPOCH, zones=zs)
    for rec in planner.records().values():
        fresh.restore(FlightRecord.from_json(rec.to_json()))
    last = reqs[-1]
    a, changes_a = planner.decide(last, 20.0)
    b, changes_b = fresh.decide(last, 20.0)
    assert (a.status, a.departure_s, [r.to_json() for r in a.reasons]) == (
        b.status,
        b.departure_s,
        [r.to_json() for r in b.reasons],
    )
    assert [(c.flight_id, c.kind) for c in changes_a] == [(c.flight_id, c.kind) for c in changes_b]


def test_a_busy_hour_stays_safe():
    """150 requests over 2 km x 1 km in an hour, three priorities, a zone published midway."""
    rng = np.random.default_rng(7)
    planner = Planner(QINGDAO, epoch=EPOCH)
    changes = []
    tfr = Zone(
        "TFR-MID",
        Restriction.PROHIBITED,
        (ZoneVolume(box(120.386, 36.068, 120.389, 36.072), 0.0, 150.0),),
        applicability=(
            Applicability(
                permanent=False,
                start=EPOCH + timedelta(seconds=1800),
                end=EPOCH + timedelta(seconds=2700),
            ),
        ),
    )
    for i in range(150):
        now_s = i * 20.0
        if i == 75:
            changes += planner.publish_zone(tfr, now_s)
        x0, x1 = rng.uniform(120.380, 120.400, 2)
        y0, y1 = rng.uniform(36.065, 36.075, 2)
        alt = float(rng.choice([30.0, 50.0, 70.0, 90.0]))
        earliest = now_s + rng.uniform(0.0, 600.0)
        route = WaypointRoute(((x0, y0, 0.0), (x0, y0, alt), (x1, y1, alt), (x1, y1, 0.0)))
        r = FlightRequest(
            f"F{i:03d}", DRONE, route, earliest, earliest + 900.0, 12.0, int(rng.integers(0, 3))
        )
        d, ch = planner.decide(r, now_s)
        check_changes(planner, r, ch)
        changes += ch
    states = [rec.state for rec in planner.records().values()]
    assert states.count(State.ACCEPTED) > 75
    assert check_accepted(planner, [], QINGDAO) == []
    after = {
        f: rec
        for f, rec in planner.records().items()
        if rec.decision.departure_s and rec.decision.departure_s >= 1500.0
    }
    assert check_accepted(after, [tfr], QINGDAO, epoch=EPOCH) == []
