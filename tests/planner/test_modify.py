"""Modification with F3548 semantics (:func:`planner.modify.modify`), compared on random
traffic with its obviously correct twin: a fresh planner holding every other live flight
exactly as they stand, deciding the new request as a new one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from planner.decision import LIVE_STATES, Planner
from planner.modify import modify, set_airborne_state
from planner.requests import AreaRoute, FlightRequest, State, Status

EPOCH = datetime(2026, 12, 1, tzinfo=UTC)
DRONE = Drone("D-1", drone_class="light")


def area_request(fid: str, cell: tuple[int, int, int, int, int, int]) -> FlightRequest:
    """An area operation on a coarse grid, so that overlaps are frequent."""
    x, y, z, t, window, priority = cell
    lon, lat = 120.38 + 0.002 * x, 36.07 + 0.002 * y
    route = AreaRoute(box(lon, lat, lon + 0.003, lat + 0.003), 20.0 * z, 20.0 * z + 30.0, 600.0)
    start = 300.0 + 300.0 * t
    return FlightRequest(fid, DRONE, route, start, start + 300.0 * window, None, priority)


cells = st.tuples(
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(0, 3),
    st.integers(0, 2),
    st.integers(0, 1),
)


def snapshot(planner: Planner) -> dict[str, tuple[str, dict]]:
    return {fid: (str(r.state), r.decision.to_json()) for fid, r in planner.records().items()}


def filing_rank(planner: Planner, flight_id: str, held) -> int:
    """Where the index holds a flight in filing order (flights not in it first, as filed)."""
    try:
        return int(held[planner.index.slot(flight_id)])
    except KeyError:
        return -1


@settings(max_examples=60, deadline=None)
@given(
    traffic=st.lists(cells, min_size=1, max_size=8),
    pick=st.integers(0, 7),
    new=cells,
    airborne=st.booleans(),
)
def test_modify_matches_deciding_anew_without_the_old_plan(traffic, pick, new, airborne):
    planner = Planner(QINGDAO, epoch=EPOCH, separation_h_m=0.01, separation_v_m=0.01)
    for i, cell in enumerate(traffic):
        planner.decide(area_request(f"F{i}", cell), 0.0)
    live = [f for f, r in planner.records().items() if r.state in LIVE_STATES]
    if not live:
        return
    fid = live[pick % len(live)]
    if airborne:
        planner.activate(fid, 0.0)
    before = snapshot(planner)
    # the twin: everyone else as they stand, the request decided as a new one. "As they
    # stand" includes the order the index holds them in (a re-planned flight was re-filed
    # after those it made way for), which is the order conflict reasons name them in.
    twin = Planner(QINGDAO, epoch=EPOCH, separation_h_m=0.01, separation_v_m=0.01)
    held = planner.index.filed_seq
    others = [(f, r) for f, r in planner.records().items() if f != fid]
    for _, rec in sorted(others, key=lambda fr: filing_rank(planner, fr[0], held)):
        twin.restore(rec)
    request = area_request(fid, new)
    expected, expected_changes = twin.decide(request, 0.0)

    m = modify(planner, request, 0.0)

    got = m.decision.to_json()
    want = expected.to_json()
    assert (got["status"], got.get("start"), got["reasons"]) == (
        want["status"],
        want.get("start"),
        want["reasons"],
    )
    refused = expected.status == Status.REJECTED or (expected.status == Status.PENDING and airborne)
    assert m.applied is not refused
    if refused:
        assert snapshot(planner) == before  # nothing moved, the old plan included
    else:
        assert [(c.flight_id, c.kind) for c in m.changes] == [
            (c.flight_id, c.kind) for c in expected_changes
        ]
        assert planner.record(fid).state == (State.ACTIVATED if airborne else State.ACCEPTED)
        assert {f: s for f, s in snapshot(planner).items() if f != fid} == {
            f: s for f, s in snapshot(twin).items() if f != fid
        }


def test_off_nominal_states_are_only_for_flights_in_the_air():
    planner = Planner(QINGDAO, epoch=EPOCH, separation_h_m=0.01, separation_v_m=0.01)
    planner.decide(area_request("F0", (0, 0, 0, 0, 0, 0)), 0.0)
    with pytest.raises(ValueError, match="not in the air"):
        set_airborne_state(planner, "F0", State.NONCONFORMING)
    planner.activate("F0", 0.0)
    set_airborne_state(planner, "F0", State.CONTINGENT)
    assert planner.record("F0").state == State.CONTINGENT
    planner.end("F0", 0.0)
    with pytest.raises(ValueError, match="only a live flight"):
        modify(planner, area_request("F0", (1, 1, 1, 1, 1, 0)), 0.0)


def test_a_refused_modification_in_the_air_displaces_nobody():
    """A flight in the air cannot wait for review: its modification is refused, and the
    lower-priority flight it would have pushed aside keeps its plan."""
    planner = Planner(QINGDAO, epoch=EPOCH, separation_h_m=0.01, separation_v_m=0.01)
    low, _ = planner.decide(area_request("F-LOW", (0, 0, 0, 1, 0, 0)), 0.0)
    planner.decide(area_request("F-AIR", (2, 2, 0, 0, 0, 0)), 0.0)  # elsewhere, earlier
    planner.activate("F-AIR", 0.0)
    medium = Drone("D-M", drone_class="medium")  # a medium drone always needs review
    wanted = area_request("F-AIR", (0, 0, 0, 1, 0, 1))
    wanted = FlightRequest(
        "F-AIR", medium, wanted.route, wanted.earliest_s, wanted.latest_s, None, 1
    )
    before = snapshot(planner)
    m = modify(planner, wanted, 0.0)
    assert m.decision.status == Status.PENDING and not m.applied
    assert m.changes == []
    assert snapshot(planner) == before
    assert planner.record("F-LOW").decision.to_json() == low.to_json()
