"""Closed time windows when one flight starts at the very instant another ends (DESIGN.md,
"Separation and conflicts": intervals are closed, the next delay quantum strictly above an
upper end). Delays are computed as differences of absolute times and then added back, so
the rounding of both steps must not land a flight exactly on another one's end (the 20,000
request Qingdao replay approved SUR-00106 at 12402.3 s, the instant SUR-03811 ended)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from planner.decision import SEARCH_QUANTUM_S, Planner
from planner.deconflict import earliest_slot
from planner.forbidden import ZoneBlock, conflicts_at
from planner.index import SpaceTimeIndex
from planner.requests import AreaRoute, FlightRequest, Status, WaypointRoute
from planner.trajectory import AreaOp, Trajectory4D
from tests import naive
from tests.checker import TOLERANCE_M, check_accepted

EPOCH = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
DRONE = Drone("DR-1", operator_id="OP-1", drone_class="light", max_speed_mps=20.0)
CENTRE = (120.39, 36.07)
GROUND = Polygon(Point(*CENTRE).buffer(0.002).exterior)
SQUARE = Polygon([(0, 0), (300, 0), (300, 300), (0, 300)])
Q = SEARCH_QUANTUM_S


def _request(fid, route, earliest, latest, speed=10.0):
    return FlightRequest(fid, DRONE, route, earliest, latest, speed, 0)


def _area_times_overlap(a: AreaOp, start_s: float, end_s: float) -> bool:
    """Closed windows share an instant (what the planner's own numbers say, no tolerance)."""
    return max(a.start_s, start_s) <= min(a.end_s, end_s)


# ------------------------------------------------------------------ the replay's cases


@pytest.mark.parametrize(
    ("first_start", "earliest", "duration"),
    [
        (11502.3, 11665.0, 900.0),  # SUR-03811 then SUR-00106 (t = 12402.3 s)
        (38083.1, 39550.0, 3600.0),  # SUR-04818 then SUR-01371 (t = 41683.1 s)
        (0.0, 0.0, 600.0),
        (100.1, 100.7, 300.3),
    ],
)
def test_area_requested_to_start_when_another_ends_waits_one_quantum(
    first_start, earliest, duration
):
    p = Planner(QINGDAO, epoch=EPOCH)
    d1, _ = p.decide(
        _request("S1", AreaRoute(GROUND, 0.0, 90.0, duration), first_start, first_start), 0.0
    )
    assert d1.status == Status.APPROVED
    end = d1.area["end"]
    # the second survey over the same ground can only start once the first has ended
    d2, _ = p.decide(
        _request("S2", AreaRoute(GROUND, 0.0, 60.0, duration), earliest, earliest + 2 * duration),
        0.0,
    )
    assert d2.status == Status.APPROVED
    assert d2.area["start"] > end
    assert d2.area["start"] == pytest.approx(end + Q, abs=Q / 2)
    assert check_accepted(p, [], QINGDAO) == []


def test_area_start_exactly_at_another_end_is_a_conflict_at_delay_level():
    idx = SpaceTimeIndex()
    idx.insert("A", 0, AreaOp.from_polygon(SQUARE, 0, 90, 11502.3, 12402.3))
    new = AreaOp.from_polygon(SQUARE, 0, 60, 11665.0, 11665.0 + 900.0)
    r = earliest_slot(new, 0.0, 5000.0, idx, [], 50, 20, Q)
    placed = new.shifted(r.delay_s)
    assert r.blockers == ["A"]
    assert placed.start_s > 12402.3
    assert placed.start_s == pytest.approx(12402.4)
    assert conflicts_at(placed, 0.0, idx, [], 50, 20) == ([], [])
    # touching the end is a conflict; the delay it would take is forbidden
    touching = AreaOp.from_polygon(SQUARE, 0, 60, 12402.3, 12402.3 + 900.0)
    assert conflicts_at(touching, 0.0, idx, [], 50, 20) == (["A"], [])


def test_route_ending_when_an_area_starts_delays_the_area():
    """A flight lands inside the survey ground at the instant the survey would start."""
    p = Planner(QINGDAO, epoch=EPOCH)
    a = (CENTRE[0] - 0.02, CENTRE[1])
    route = WaypointRoute(((*a, 0.0), (*a, 60.0), (*CENTRE, 60.0), (*CENTRE, 0.0)))
    d1, _ = p.decide(_request("R1", route, 1000.7, 1000.7), 0.0)
    assert d1.status == Status.APPROVED
    landed = d1.trajectory[-1][3]
    d2, _ = p.decide(_request("S1", AreaRoute(GROUND, 0.0, 60.0, 900.0), landed, 9000.0), 0.0)
    assert d2.status == Status.APPROVED
    assert d2.area["start"] > landed
    assert check_accepted(p, [], QINGDAO) == []


def test_route_departing_when_an_area_ends_waits_one_quantum():
    """INS-09252 departed at 18084.8 s from inside SUR-10262's ground as the survey ended."""
    p = Planner(QINGDAO, epoch=EPOCH)
    d1, _ = p.decide(_request("S1", AreaRoute(GROUND, 0.0, 60.0, 3600.0), 14484.8, 14484.8), 0.0)
    end = d1.area["end"]
    b = (CENTRE[0] + 0.02, CENTRE[1])
    route = WaypointRoute(((*CENTRE, 0.0), (*CENTRE, 60.0), (*b, 60.0), (*b, 0.0)))
    earliest = end - 327.8
    d2, _ = p.decide(_request("R1", route, earliest, earliest + 3600.0), 0.0)
    assert d2.status == Status.APPROVED
    assert d2.trajectory[0][3] > end
    assert d2.trajectory[0][3] == pytest.approx(end + Q, abs=Q / 2)
    assert check_accepted(p, [], QINGDAO) == []


def test_area_starting_when_a_zone_ends_and_route_ending_when_a_zone_starts():
    big = SQUARE.buffer(100)
    zone = ZoneBlock.from_polygon("Z", big, 0, 120, [[5000.3, 5600.3]])
    # requested while the zone is active: it may start only after the zone's last instant
    new = AreaOp.from_polygon(SQUARE, 0, 60, 5500.1, 5500.1 + 100.0)
    r = earliest_slot(new, 0.0, 5000.0, SpaceTimeIndex(), [zone], 50, 20, Q)
    assert r.zone_blockers == ["Z"]
    assert new.shifted(r.delay_s).start_s > 5600.3
    assert new.shifted(r.delay_s).start_s == pytest.approx(5600.4)
    # a route landing inside the zone at the instant it becomes active may not go then
    route = np.array([[-500, 150, 60, 4935.3], [150, 150, 60, 4935.3 + 65.0]])
    assert route[-1, 3] == 5000.3
    r = earliest_slot(route, 0.0, 5000.0, SpaceTimeIndex(), [zone], 50, 20, Q)
    assert r.delay_s > 0 and r.zone_blockers == ["Z"]
    shifted = Trajectory4D(route).shifted(r.delay_s)
    assert not naive.sampled_in_volume(shifted.xyzt, big, 0, 120, zone.active_s, 0.01)
    touching = Trajectory4D(route).shifted(0.0)
    assert conflicts_at(touching, 0.0, SpaceTimeIndex(), [zone], 50, 20) == ([], ["Z"])


# ------------------------------------------------------------------ property: touching grids

# Windows and delays on a coarse grid of tenths (not representable in binary) at
# day-sized offsets, so that "starts exactly when the other ends" happens all the time.
_OFFSETS = st.sampled_from([0.0, 11000.0, 38000.0, 80000.0])
_TENTHS = st.integers(0, 40)


@st.composite
def _day(draw):
    offset = draw(_OFFSETS)
    n = draw(st.integers(1, 4))
    accepted = []
    for _ in range(n):
        kind = draw(st.sampled_from(["area", "route"]))
        start = offset + draw(_TENTHS) * 0.3
        dur = draw(st.integers(1, 10)) * 0.3
        accepted.append((kind, start, dur, draw(st.booleans())))
    new_kind = draw(st.sampled_from(["area", "route"]))
    new_start = offset + draw(_TENTHS) * 0.3
    new_dur = draw(st.integers(1, 10)) * 0.3
    return accepted, (new_kind, new_start, new_dur)


def _make(kind: str, start: float, dur: float, moving: bool = False):
    if kind == "area":
        return AreaOp.from_polygon(SQUARE, 0, 60, start, start + dur)
    # a route inside the square: hovering, or crossing it
    x1 = 250.0 if moving else 150.0
    return Trajectory4D(np.array([[150.0, 150.0, 30.0, start], [x1, 150.0, 30.0, start + dur]]))


def _widened(f, tol_s: float):
    """The flight held a little longer at both ends (``tol_s`` seconds)."""
    if isinstance(f, AreaOp):
        return AreaOp.from_polygon(
            f.polygon_xy, f.lower_m, f.upper_m, f.start_s - tol_s, f.end_s + tol_s
        )
    first, last = f.xyzt[:1].copy(), f.xyzt[-1:].copy()
    first[0, 3] -= tol_s
    last[0, 3] += tol_s
    return Trajectory4D(np.vstack([first, f.xyzt, last]))


def _conflict(a, b, sh: float = 50.0, sv: float = 20.0) -> bool:
    """Naive twins, on the flights' own absolute times (no tolerance on time)."""
    if isinstance(a, Trajectory4D) and isinstance(b, Trajectory4D):
        # the twin solves its quadratic in absolute time: at 1e4 s and 170 m/s that costs
        # it micrometres, so both go to a common origin first (exact: Sterbenz)
        ref = np.array([0.0, 0.0, 0.0, min(a.start_s, b.start_s)])
        return naive.trajectories_conflict(a.xyzt - ref, b.xyzt - ref, sh, sv)
    if isinstance(a, AreaOp) and isinstance(b, AreaOp):
        return _area_times_overlap(a, b.start_s, b.end_s)  # same ground, same band
    route, area = (a, b) if isinstance(a, Trajectory4D) else (b, a)
    return naive.sampled_near_area(
        route.xyzt, SQUARE, area.lower_m, area.upper_m, area.start_s, area.end_s, sh, sv, 0.01
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_day())
def test_touching_windows_on_a_coarse_grid_are_never_approved(day):
    accepted, (new_kind, new_start, new_dur) = day
    idx = SpaceTimeIndex(200.0, 30.0)
    flights = []
    for i, (kind, start, dur, moving) in enumerate(accepted):
        f = _make(kind, start, dur, moving)
        idx.insert(f"A{i}", 0, f)
        flights.append(f)
    new = _make(new_kind, new_start, new_dur)
    res = earliest_slot(new, 0.0, 30.0, idx, [], 50.0, 20.0, Q)
    if res.delay_s is None:
        return
    placed = new.shifted(res.delay_s)
    for other in flights:
        # the minima less tests/checker.py's 1 µm tolerance: ties in space are separated
        assert not _conflict(placed, other, 50.0 - TOLERANCE_M, 20.0 - TOLERANCE_M)
    # and one quantum earlier it conflicted with someone, or touched them up to the
    # rounding of the grid (3 * 0.1 > 0.3 in binary): the slot is the earliest
    if res.delay_s > 0:
        earlier = new.shifted(res.delay_s - Q)
        assert any(_conflict(earlier, _widened(other, 1e-9)) for other in flights)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([0.0, 11000.0, 38000.0, 80000.0]),
    st.lists(st.tuples(st.integers(0, 30), st.integers(1, 10), st.booleans()), min_size=2),
)
def test_planner_with_touching_area_windows_passes_the_independent_checker(offset, ops):
    """Area operations over the same ground (and routes landing on it), all requested on a
    grid of tenths of a second: whatever is approved passes tests/checker.py."""
    p = Planner(QINGDAO, epoch=EPOCH)
    a = (CENTRE[0] - 0.01, CENTRE[1])
    landing = WaypointRoute(((*a, 0.0), (*a, 60.0), (*CENTRE, 60.0), (*CENTRE, 0.0)))
    for i, (start, dur, is_route) in enumerate(ops):
        earliest = offset + start * 0.3
        route = landing if is_route else AreaRoute(GROUND, 0.0, 60.0, dur * 0.3)
        d, _ = p.decide(_request(f"F{i}", route, earliest, earliest + 3.0), 0.0)
        assert d.status in (Status.APPROVED, Status.REJECTED)
    assert check_accepted(p, [], QINGDAO) == []


def test_route_touching_a_zone_boundary_while_it_is_active_enters_it():
    """Closed in space too: a route ending on the zone's edge, or running along it, is in it
    (tests/checker.py counts distance 0); one ending 1 cm short is not."""
    zone = ZoneBlock.from_polygon("Z", SQUARE, 0, 120, [[0.0, 1000.0]])

    def entered(route):
        return conflicts_at(np.array(route), 0.0, SpaceTimeIndex(), [zone], 50, 20)[1]

    assert entered([[-500, 150, 60, 100.0], [0, 150, 60, 200.0]]) == ["Z"]
    assert entered([[-500, 150, 60, 100.0], [-0.01, 150, 60, 200.0]]) == []
    assert entered([[-500, -500, 60, 100.0], [0, 0, 60, 200.0]]) == ["Z"]  # at a corner
    assert entered([[0, -100, 60, 100.0], [0, 100, 60, 200.0]]) == ["Z"]  # along an edge
    assert entered([[-100, 300, 60, 100.0], [100, 300, 60, 200.0]]) == ["Z"]
    # and its delays: it may land on the edge only once the zone has ended
    route = np.array([[-500, 150, 60, 0.3], [0, 150, 60, 50.3]])
    r = earliest_slot(route, 0.0, 5000.0, SpaceTimeIndex(), [zone], 50, 20, Q)
    assert r.zone_blockers == ["Z"] and route[-1, 3] + r.delay_s > 1000.0
