"""The Python face of tactical detection: named conflicts, validation, and encounter alerts."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import planner.tactical
from planner.tactical import (
    EncounterTracker,
    TacticalConflict,
    detect,
    detect_pairs,
    propagate,
    velocity_from_track,
)
from tests import naive_tactical as naive


def test_docstring_examples_run():
    assert doctest.testmod(planner.tactical).failed == 0


def state(x, y, z, speed_mps=0.0, track_deg=0.0, vs_mps=0.0):
    vx, vy, vz = velocity_from_track(speed_mps, track_deg, vs_mps)
    return [x, y, z, float(vx), float(vy), float(vz)]


def test_crossing_drones_get_time_to_loss_and_closest_approach():
    """Two drones at 60 m crossing at right angles at 10 m/s, both 500 m from the crossing:
    they meet there in 50 s, and are within 50 m of each other from 50 - 2.5 sqrt(2) s."""
    states = np.array([state(-500, 0, 60, 10, 90), state(0, -500, 60, 10, 0)])
    (c,) = detect(["DR-2", "DR-1"], states)
    assert c.pair == ("DR-1", "DR-2")
    assert c.t_los_s == pytest.approx(50 - 2.5 * np.sqrt(2))
    assert c.t_cpa_s == pytest.approx(50) and c.h_cpa_m == pytest.approx(0, abs=1e-9)
    assert c.v_cpa_m == 0.0
    # 21 m apart vertically they are separated; the same crossing 90 s ahead is out of look-ahead
    assert detect(["A", "B"], states + [[0, 0, 0, 0, 0, 0], [0, 0, 21, 0, 0, 0]]) == []
    assert detect(["A", "B"], states * [1.8, 1.8, 1, 1, 1, 1]) == []


def test_soonest_conflict_first_and_masked_tracks_left_out():
    states = np.array(
        [
            state(0, 0, 100),  # hovering
            state(30, 0, 100),  # 30 m away: lost now
            state(2000, 0, 100, 20, 270),  # reaches the first two in ~98 s
            state(0, 600, 100, 20, 180),  # reaches them in 27.5 s
        ]
    )
    got = detect(["H", "N", "W", "S"], states, lookahead_s=120)
    assert [c.pair for c in got[:2]] == [("H", "N"), ("H", "S")]
    assert [c.t_los_s for c in got] == sorted(c.t_los_s for c in got)
    masked = detect(["H", "N", "W", "S"], states, np.array([True, False, True, True]))
    assert all("N" not in c.pair for c in masked) and masked


def test_reports_of_different_ages_are_brought_to_one_instant():
    reports = np.array([state(0, 0, 50, 10, 90), state(400, 0, 50, 10, 270)])
    now = propagate(reports, np.array([2.0, 0.0]))  # the first report is 2 s old
    assert now[0, 0] == pytest.approx(20.0)
    (c,) = detect(["A", "B"], now)
    assert c.t_los_s == pytest.approx((380 - 50) / 20)


@pytest.mark.parametrize(
    ("states", "kwargs", "message"),
    [
        (np.zeros((2, 5)), {}, "6 columns"),
        (np.array([[0, 0, 0, np.nan, 0, 0], [0] * 6]), {}, "track 0 has a non-finite"),
        (np.array([[0] * 6, [0, 0, 0, 500, 500, 0]]), {}, "track 1 moves at 707.1 m/s"),
        (np.zeros((2, 6)), {"sep_h_m": 0.0}, "sep_h_m must be a positive"),
        (np.zeros((2, 6)), {"lookahead_s": float("inf")}, "lookahead_s must be a positive"),
        (np.zeros((2, 6)), {"valid": np.ones(3, bool)}, "one flag per track (2)"),
    ],
)
def test_bad_input_says_what_to_fix(states, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        detect_pairs(states, **kwargs)


def test_invalid_tracks_may_hold_anything():
    states = np.array([[0] * 6, [np.nan] * 6, [10, 0, 0, 0, 0, 0]], dtype=float)
    pairs, _ = detect_pairs(states, np.array([True, False, True]))
    assert pairs.tolist() == [[0, 2]]


def test_ids_must_name_each_track_once():
    with pytest.raises(ValueError, match="unique"):
        detect(["A", "A"], np.zeros((2, 6)))
    with pytest.raises(ValueError, match="1 ids for 2"):
        detect(["A"], np.zeros((2, 6)))


def test_a_city_of_traffic_matches_the_twin_with_the_automatic_grid():
    rng = np.random.default_rng(3)
    n = 300
    states = np.column_stack(
        [
            rng.uniform(0, 3000, n),
            rng.uniform(0, 3000, n),
            rng.choice([60.0, 80.0, 100.0, 120.0], n) + rng.uniform(-3, 3, n),
            rng.uniform(-20, 20, (n, 2)),
            rng.uniform(-1, 1, n),
        ]
    )
    states[:5, 3:5] *= 4  # a few fast ones
    pairs, values = detect_pairs(states)
    want = naive.conflicts(states, None, 50.0, 20.0, 60.0)
    assert {tuple(p) for p in pairs.tolist()} == set(want)
    assert len(want) > 10


# --------------------------------------------------------------------------- encounters


def conflict(a="A", b="B", t_los_s=20.0):
    return TacticalConflict(a, b, t_los_s, t_los_s + 5, 10.0, 0.0)


def test_an_encounter_is_raised_once_while_it_lasts():
    tracker = EncounterTracker(clear_after_s=2.0)
    first = tracker.update(0.0, [conflict(t_los_s=20)])
    assert [(e.kind, e.pair, e.reason) for e in first] == [("raised", ("A", "B"), "predicted")]
    for t in range(1, 20):
        assert tracker.update(float(t), [conflict(t_los_s=20 - t)]) == []
    assert tracker.open[("A", "B")].latest.t_los_s == 1.0


def test_cleared_when_resolved_after_the_hysteresis_then_a_new_encounter_is_raised_again():
    tracker = EncounterTracker(clear_after_s=2.0)
    (raised,) = tracker.update(0.0, [conflict()])
    assert tracker.update(1.0, []) == []  # one missed cycle: still open
    assert tracker.update(2.0, [conflict()]) == []  # back: same encounter, not raised again
    assert tracker.update(3.0, []) == []
    (cleared,) = tracker.update(4.0, [])
    assert (cleared.kind, cleared.reason, cleared.encounter_id) == (
        "cleared",
        "resolved",
        raised.encounter_id,
    )
    (again,) = tracker.update(5.0, [conflict()])
    assert again.kind == "raised" and again.encounter_id != raised.encounter_id


def test_cleared_at_once_when_a_track_is_lost():
    tracker = EncounterTracker(clear_after_s=10.0)
    tracker.update(0.0, [conflict("A", "B"), conflict("A", "C")])
    events = tracker.update(1.0, [conflict("A", "C")], live_ids={"A", "C"})
    assert [(e.kind, e.pair, e.reason) for e in events] == [("cleared", ("A", "B"), "track_lost")]
    assert set(tracker.open) == {("A", "C")}


def test_zero_hysteresis_clears_on_the_first_cycle_without_the_conflict():
    tracker = EncounterTracker(clear_after_s=0.0)
    tracker.update(0.0, [conflict()])
    assert [e.kind for e in tracker.update(1.0, [])] == ["cleared"]


def test_cycle_time_cannot_go_backwards_and_hysteresis_must_be_a_duration():
    tracker = EncounterTracker()
    tracker.update(5.0, [])
    with pytest.raises(ValueError, match="backwards"):
        tracker.update(4.0, [])
    with pytest.raises(ValueError, match="clear_after_s"):
        EncounterTracker(clear_after_s=-1.0)


def test_detector_and_tracker_follow_two_drones_through_a_crossing():
    """Cycle by cycle at 1 s: raised when the crossing comes within the look-ahead, refreshed
    while it lasts, cleared a couple of seconds after they have passed."""
    start = np.array([state(-900, 0, 60, 10, 90), state(0, -900, 60, 10, 0)])
    tracker = EncounterTracker(clear_after_s=2.0)
    log = []
    for t in range(0, 140):
        for e in tracker.update(float(t), detect(["A", "B"], propagate(start, float(t)))):
            log.append((t, e.kind, e.reason))
    # separation is lost from 90 - 2.5 sqrt(2) = 86.5 s to 93.5 s: raised at the first cycle
    # within the 60 s look-ahead (27 s), last predicted at 93 s, cleared 2 s later
    assert [k for _, k, _ in log] == ["raised", "cleared"]
    assert log[0][0] == 27 and log[1][0] == 95 and log[1][2] == "resolved"


def test_an_empty_sky_one_track_or_all_masked_has_no_conflicts():
    for states, valid in ((np.zeros((0, 6)), None), (np.zeros((1, 6)), None)):
        pairs, values = detect_pairs(states, valid)
        assert pairs.shape == (0, 2) and values.shape == (0, 4)
    assert detect_pairs(np.zeros((3, 6)), np.zeros(3, bool))[0].size == 0
    (c,) = detect(["a", "b"], np.zeros((2, 6)))  # two tracks at one point: lost now
    assert (c.t_los_s, c.h_cpa_m, c.v_cpa_m) == (0.0, 0.0, 0.0)
