"""Conformance episodes and states as an operator or regulator would see them."""

from __future__ import annotations

import numpy as np
import shapely

from planner.conformance import ConformanceMonitor, Thresholds, ZoneVolumeXY
from planner.trajectory import AreaOp, Trajectory4D

TH = Thresholds(lateral_m=20, vertical_m=10, time_s=30, contingent_s=20, lost_link_s=3)
# Take off at (0, 0), climb to 50 m, fly 1 km east at 10 m/s, land.
PLAN = Trajectory4D(
    np.array([[0, 0, 0, 0], [0, 0, 50, 10], [1000, 0, 50, 110], [1000, 0, 0, 120.0]])
)


def fly(m, drone, rows, now=None):
    rows = np.asarray(rows, dtype=float)
    out = []
    for r in rows:
        out += m.observe(
            [drone], [r[0]], [r[1]], [r[2]], [r[3]], now_s=r[3] if now is None else now
        )
    return [(e.kind, e.code) for e in out]


def nominal(t0=0.0, t1=120.0, step=1.0):
    ts = np.arange(t0, t1 + 1e-9, step)
    xyzt = PLAN.xyzt
    return np.column_stack([np.interp(ts, xyzt[:, 3], xyzt[:, i]) for i in range(3)] + [ts])


def monitor(state="activated", **kw):
    m = ConformanceMonitor(TH, ceiling_m=120.0, **kw)
    m.watch("F-1", "D-1", PLAN, state, now_s=0.0)
    return m


def test_a_nominal_flight_raises_nothing_and_ends_on_landing():
    m = monitor()
    assert fly(m, "D-1", nominal()) == [("state", "ended")]
    assert m.state_of("F-1") is None and not m.open


def test_drift_alerts_once_per_episode_and_clears_on_return():
    m = monitor()
    track = nominal(0, 60)
    track[30:35, 1] += 40  # five seconds 40 m north of the route
    events = fly(m, "D-1", track)
    assert events == [
        ("state", "nonconforming"),
        ("raised", "OFF_ROUTE"),
        ("cleared", "OFF_ROUTE"),
        ("state", "activated"),
    ]


def test_a_long_deviation_makes_the_flight_contingent():
    m = monitor()
    track = nominal(0, 80)
    track[30:, 2] += 25  # altitude bust from t = 30 s on
    events = fly(m, "D-1", track)
    assert events == [
        ("state", "nonconforming"),
        ("raised", "OFF_ALTITUDE"),
        ("state", "contingent"),
    ]


def test_late_departure_is_off_schedule_not_off_route():
    m = monitor()
    late = nominal(0, 120)
    late[:, 3] += 45
    late = late[late[:, 3] <= 100]
    events = fly(m, "D-1", late)
    assert ("raised", "OFF_SCHEDULE") in events and ("raised", "OFF_ROUTE") not in events


def test_lost_link_after_silence_then_recovers():
    m = monitor()
    fly(m, "D-1", nominal(0, 20))
    assert m.tick(22.0) == []
    assert [(e.kind, e.code) for e in m.tick(23.5)] == [
        ("state", "contingent"),
        ("raised", "LOST_LINK"),
    ]
    assert m.tick(30.0) == []  # once per episode
    events = fly(m, "D-1", nominal(31, 31))
    assert events == [("cleared", "LOST_LINK"), ("state", "activated")]


def test_a_stranger_and_an_unactivated_flight():
    m = monitor(state="accepted")
    assert fly(m, "D-9", [[0, 0, 30, 5], [5, 0, 30, 6]]) == [("raised", "UNAUTHORISED_FLIGHT")]
    assert fly(m, "D-9", [[5, 0, 0, 7]]) == [("cleared", "UNAUTHORISED_FLIGHT")]
    assert fly(m, "D-1", nominal(11, 13)) == [("raised", "NOT_ACTIVATED")]


def test_auto_activation_at_the_departure_point():
    m = monitor(state="accepted", auto_activate=True)
    assert fly(m, "D-1", nominal(0, 12)) == [("state", "activated")]


def test_duplicates_are_ignored_and_zones_and_ceiling_are_watched():
    zone = shapely.box(400, -100, 600, 100)
    m = monitor()
    m.set_zones([ZoneVolumeXY("NOFLY", "PROHIBITED", zone, 0, 200, lambda t: True)])
    rows = nominal(0, 90)  # through the zone from x = 400 m to 600 m
    events = fly(m, "D-1", np.repeat(rows, 2, axis=0))  # QoS 1 delivers twice
    assert events.count(("raised", "ZONE_BREACH")) == 1
    assert events.count(("cleared", "ZONE_BREACH")) == 1
    high = ConformanceMonitor(TH, ceiling_m=120.0)
    assert fly(high, "D-7", [[0, 0, 130, 0]]) == [
        ("raised", "CEILING_BREACH"),
        ("raised", "UNAUTHORISED_FLIGHT"),
    ]


def test_an_area_operation_is_polygon_band_and_window():
    m = ConformanceMonitor(TH)
    m.watch(
        "A-1",
        "D-2",
        AreaOp.from_polygon(shapely.box(0, 0, 100, 100), 0, 60, 0, 600),
        "activated",
        now_s=0,
    )
    assert fly(m, "D-2", [[50, 50, 30, 10], [90, 90, 55, 20]]) == []
    assert fly(m, "D-2", [[150, 50, 30, 30]]) == [
        ("state", "nonconforming"),
        ("raised", "OUTSIDE_AREA"),
    ]


def test_no_lost_link_before_the_first_position_or_after_landing():
    m = monitor()
    assert m.tick(100.0) == []  # activated, never reported
    fly(m, "D-1", [[0, 0, 0, 0]])  # on the pad
    assert m.tick(200.0) == []
