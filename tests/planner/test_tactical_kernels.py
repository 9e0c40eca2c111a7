"""The tactical kernels against their exact slow twin (tests/naive_tactical.py).

Inputs lie on a binary grid (1/8 m, 1/16 m/s), as a projected position rounded to the
centimetre nearly does, so that the boundary cases the strict ``<`` decides (closest approach
exactly S_h, layers exactly S_v apart, separation lost exactly at the end of the look-ahead)
are representable and must be decided exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.tactical_kernels import detect_conflicts, pair_conflict
from tests import naive_tactical as naive


def grid(lo: float, hi: float, step: float) -> st.SearchStrategy[float]:
    return st.integers(math.ceil(lo / step), math.floor(hi / step)).map(lambda k: k * step)


position = grid(-300, 300, 1 / 8)
altitude = grid(0, 150, 1 / 8)
speed_h = grid(-40, 40, 1 / 16)
speed_v = grid(-6, 6, 1 / 16)
separation = st.sampled_from([(50.0, 20.0), (30.0, 10.0), (5.0, 3.0), (0.5, 0.25), (100.0, 30.0)])
lookahead = st.sampled_from([60.0, 30.0, 10.0, 120.0, 1.0])
KINDS = ["random", "tangent", "layer", "edge_h", "edge_v", "parallel", "still", "vertical"]


@st.composite
def encounter(draw, sep_h: float, sep_v: float, horizon: float) -> np.ndarray:
    """Two states (rows x, y, z, vx, vy, vz), often exactly on or next to a boundary."""
    kind = draw(st.sampled_from(KINDS))
    k = draw(st.integers(-2, 2)) / 8  # metres off the boundary
    z = draw(altitude)
    s = draw(grid(1 / 16, 40, 1 / 16))
    dz_inside = draw(grid(-sep_v / 2, sep_v / 2, 1 / 8))
    if kind == "random":
        a = [draw(position), draw(position), z, draw(speed_h), draw(speed_h), draw(speed_v)]
        b = [draw(position), draw(position), draw(altitude)]
        b += [draw(speed_h), draw(speed_h), draw(speed_v)]
    elif kind == "tangent":  # closest approach at S_h + k, inside the look-ahead
        along = draw(grid(0, s * horizon, 1 / 8))
        a = [0.0, 0.0, z, s, 0.0, 0.0]
        b = [along, sep_h + k, z + dz_inside, 0.0, 0.0, 0.0]
    elif kind == "layer":  # crossing, layers S_v + k apart
        a = [0.0, -s * horizon / 2, z, 0.0, s, 0.0]
        b = [-s * horizon / 2, 0.0, z + sep_v + k, s, 0.0, 0.0]
    elif kind == "edge_h":  # head-on, separation lost at T + k / closing speed
        a = [0.0, 0.0, z, s, 0.0, 0.0]
        b = [sep_h + 2 * s * horizon + k, 0.0, z + dz_inside, -s, 0.0, 0.0]
    elif kind == "edge_v":  # one above the other, closing vertically, lost at T + k / rate
        rate = draw(grid(1 / 16, 6, 1 / 16))
        a = [0.0, 0.0, z, 0.0, 0.0, 0.0]
        b = [draw(grid(-sep_h / 2, sep_h / 2, 1 / 8)), 0.0, z + sep_v + rate * horizon + k]
        b += [0.0, 0.0, -rate]
    elif kind == "parallel":  # same velocity, S_h + k apart
        v = [draw(speed_h), draw(speed_h), draw(speed_v)]
        a = [0.0, 0.0, z, *v]
        b = [0.0, sep_h + k, z + dz_inside, *v] if draw(st.booleans()) else [sep_h + k, 0.0, z, *v]
    elif kind == "still":  # both hovering
        a = [0.0, 0.0, z, 0.0, 0.0, 0.0]
        b = [draw(grid(-2 * sep_h, 2 * sep_h, 1 / 8)), draw(grid(-2 * sep_h, 2 * sep_h, 1 / 8))]
        b += [z + draw(grid(-2 * sep_v, 2 * sep_v, 1 / 8)), 0.0, 0.0, 0.0]
    else:  # vertical-only: same spot or within S_h, climbing and descending through each other
        off = draw(grid(-sep_h, sep_h, 1 / 8))
        a = [0.0, 0.0, z, 0.0, 0.0, draw(speed_v)]
        b = [off, 0.0, draw(altitude), 0.0, 0.0, draw(speed_v)]
    pair = np.array([a, b], dtype=float)
    # a common offset and a common velocity change nothing relative (and stay on the grid)
    pair[:, :2] += [draw(position), draw(position)]
    pair[:, 3:5] += [draw(grid(-8, 8, 1 / 16)), draw(grid(-8, 8, 1 / 16))]
    if draw(st.booleans()):
        pair = pair[::-1].copy()
    return pair


def assert_same_values(got, want) -> None:
    t_los, t_cpa, h_cpa, v_cpa = want
    assert got[0] == pytest.approx(t_los, rel=1e-9, abs=1e-7)
    assert got[1] == pytest.approx(t_cpa, rel=1e-9, abs=1e-7)
    assert got[2] == pytest.approx(h_cpa, rel=1e-9, abs=1e-6)
    assert got[3] == pytest.approx(v_cpa, rel=1e-9, abs=1e-6)


@settings(max_examples=600, deadline=None)
@given(st.data(), separation, lookahead)
def test_pair_decision_matches_exact_twin(data, seps, horizon):
    sep_h, sep_v = seps
    a, b = data.draw(encounter(sep_h, sep_v, horizon))
    want = naive.pair_conflict(a, b, sep_h, sep_v, horizon)
    got = pair_conflict(*(b - a), sep_h, sep_v, horizon)
    assert got[0] == want[0]
    if want[0]:
        assert_same_values(got[1:], want[1:])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.data(),
    separation,
    lookahead,
    st.integers(0, 6),
    st.integers(0, 12),
    st.sampled_from([0.3, 1.0, 7.0, 50.0, 400.0, 5000.0]),
    st.sampled_from([1, 2, 4, 64]),
)
def test_grid_finds_exactly_the_twins_conflicts(
    data, seps, horizon, n_encounters, n_background, cell_m, max_cells
):
    """Same pairs, same values, whatever the cell size, including tracks too big for the grid
    (``max_cells`` 1 sends every moving track to the all-pairs path)."""
    sep_h, sep_v = seps
    rows = [data.draw(encounter(sep_h, sep_v, horizon)) for _ in range(n_encounters)]
    for _ in range(n_background):
        bg = [data.draw(position), data.draw(position), data.draw(altitude)]
        bg += [data.draw(speed_h), data.draw(speed_h), data.draw(speed_v)]
        rows.append(np.array([bg]))
    states = np.concatenate(rows) if rows else np.zeros((0, 6))
    order = data.draw(st.permutations(range(len(states))))
    states = np.ascontiguousarray(states[list(order)])
    valid = np.array(data.draw(st.lists(st.booleans(), min_size=len(states), max_size=len(states))))
    valid = valid if data.draw(st.booleans()) else np.ones(len(states), bool)

    pairs, values = detect_conflicts(states, valid, sep_h, sep_v, horizon, cell_m, max_cells)
    got = {(int(i), int(j)): v for (i, j), v in zip(pairs, values, strict=True)}
    want = naive.conflicts(states, valid, sep_h, sep_v, horizon)
    assert len(got) == len(pairs), "a pair was reported twice"
    assert set(got) == set(want)
    for key, v in want.items():
        assert_same_values(got[key], v)


def test_zero_relative_velocity_keeps_its_distance():
    """Two drones flying in formation 40 m apart are in conflict now and all along; 50 m apart
    (exactly the minimum) they never are."""
    for gap_m, lost in ((40.0, True), (50.0, False)):
        got = pair_conflict(gap_m, 0.0, 0.0, 0.0, 0.0, 0.0, 50.0, 20.0, 60.0)
        assert got[0] is lost
        if lost:
            assert got[1] == 0.0 and got[3] == gap_m


def test_layers_exactly_the_vertical_minimum_apart_are_separated():
    assert not pair_conflict(0.0, 0.0, 20.0, 0.0, 0.0, 0.0, 50.0, 20.0, 60.0)[0]
    assert pair_conflict(0.0, 0.0, 19.875, 0.0, 0.0, 0.0, 50.0, 20.0, 60.0)[0]


def test_loss_exactly_at_the_end_of_the_lookahead_is_not_predicted():
    # head-on at 20 m/s closing, 1250 m apart: 50 m is reached at exactly 60 s
    assert not pair_conflict(1250.0, 0.0, 0.0, -20.0, 0.0, 0.0, 50.0, 20.0, 60.0)[0]
    lost, t_los, t_cpa, h_cpa, _ = pair_conflict(
        1249.0, 0.0, 0.0, -20.0, 0.0, 0.0, 50.0, 20.0, 60.0
    )
    assert lost and t_los == pytest.approx(59.95) and t_cpa == 60.0 and h_cpa == pytest.approx(49)


def test_memory_stays_linear_with_a_fast_crewed_aircraft():
    """A helicopter at 80 m/s over a 120 s look-ahead sweeps ~10 km: it is checked against
    everyone instead of entered into a hundred 100 m cells, and it meets every drone of the
    line it flies along (the drones, 60 m apart, do not meet each other)."""
    drones = np.zeros((150, 6))
    drones[:, 0] = 60.0 * np.arange(150)
    drones[:, 2] = 90.0
    heli = np.array([[-500.0, 0.0, 95.0, 80.0, 0.0, 0.0]])
    states = np.ascontiguousarray(np.vstack([heli, drones]))
    valid = np.ones(len(states), bool)
    pairs, _ = detect_conflicts(states, valid, 50.0, 20.0, 120.0, 100.0, 64)
    assert {tuple(p) for p in pairs.tolist()} == set(
        naive.conflicts(states, None, 50.0, 20.0, 120.0)
    )
    assert {tuple(p) for p in pairs.tolist()} == {(0, j) for j in range(1, 151)}


def test_a_crowd_at_one_spot_reports_every_pair_once():
    """40 drones hovering within a few metres: 780 pairs, many more than tracks (the output
    grows), each once, all lost now."""
    rng = np.random.default_rng(11)
    states = np.zeros((40, 6))
    states[:, :3] = rng.uniform(0, 5, (40, 3))
    pairs, values = detect_conflicts(states, np.ones(40, bool), 50.0, 20.0, 60.0, 10.0, 64)
    assert sorted(map(tuple, pairs.tolist())) == [
        (i, j) for i in range(40) for j in range(i + 1, 40)
    ]
    assert (values[:, 0] == 0.0).all()
