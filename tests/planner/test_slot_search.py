"""The stepped slot search decides exactly as the one-shot search of the whole window, and
the index's fused kernels agree with their obvious twins."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

import planner.index as index_module
from planner.deconflict import earliest_slot
from planner.forbidden import ZoneBlock
from planner.index import SpaceTimeIndex
from planner.kernels.index import segment_boxes
from planner.slot_search import FIRST_WINDOW_S
from planner.trajectory import AreaOp, Trajectory4D
from tests import naive


def _busy_route(rng: np.random.Generator, t0: float) -> np.ndarray:
    """A route over a 2 km square at one of three layers, so many pairs meet."""
    a, b = rng.uniform(0, 2000, 2), rng.uniform(0, 2000, 2)
    z = float(rng.choice([60.0, 75.0, 90.0]))
    xy = a + np.linspace(0, 1, 5)[:, None] * (b - a)
    xyz = np.vstack([[*a, 0.0], np.column_stack([xy, np.full(5, z)]), [*b, 0.0]])
    legs = np.diff(xyz, axis=0)
    dt = np.maximum(np.hypot(legs[:, 0], legs[:, 1]) / rng.uniform(8, 16), np.abs(legs[:, 2]) / 4)
    return np.column_stack([xyz, t0 + np.concatenate([[0.0], np.cumsum(dt)])])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 2**32 - 1),
    st.integers(5, 60),
    st.sampled_from([(50.0, 10.0), (50.0, 20.0), (0.01, 0.01)]),
    st.sampled_from([1.0, 0.1]),
)
def test_stepped_search_gives_the_one_shot_decision(seed, n_accepted, seps, quantum):
    sh, sv = seps
    rng = np.random.default_rng(seed)
    idx = SpaceTimeIndex(500.0, 120.0)
    for i in range(n_accepted):
        idx.insert(f"A{i}", int(rng.integers(0, 3)), _busy_route(rng, rng.uniform(0, 600)))
    if rng.random() < 0.3:
        idx.remove(f"A{int(rng.integers(0, n_accepted))}")
    zone = ZoneBlock.from_polygon(
        "Z", Polygon([(900, 900), (1100, 900), (1100, 1100), (900, 1100)]), 0, 120, [[200, 260]]
    )
    zones = [zone] if rng.random() < 0.5 else []
    new = _busy_route(rng, rng.uniform(0, 600))
    priority = None if rng.random() < 0.5 else int(rng.integers(1, 3))
    exclude = ("A0",) if rng.random() < 0.3 else ()
    args = (new, 0.0, float(rng.choice([60.0, 600.0, 1800.0])), idx, zones, sh, sv, quantum)
    ours = earliest_slot(*args, priority, exclude=exclude)
    ref = earliest_slot(*args, priority, exclude=exclude, one_shot=True)
    assert ours.delay_s == ref.delay_s
    assert set(ours.blockers) == set(ref.blockers)
    assert ours.zone_blockers == ref.zone_blockers
    assert ours.overridden == ref.overridden


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(5, 60), st.floats(0.0, 1800.0))
def test_a_stop_above_keeps_every_slot_below_it(seed, n_accepted, stop_s):
    """``stop_above_s`` (the decision layer's bound from a better alternative) changes
    nothing at or below it, and reports no slot above it."""
    rng = np.random.default_rng(seed)
    idx = SpaceTimeIndex(500.0, 120.0)
    for i in range(n_accepted):
        idx.insert(f"A{i}", int(rng.integers(0, 3)), _busy_route(rng, rng.uniform(0, 600)))
    new = _busy_route(rng, rng.uniform(0, 600))
    priority = None if rng.random() < 0.5 else int(rng.integers(1, 3))
    args = (new, 0.0, 1800.0, idx, [], 50.0, 10.0, 1.0)
    full = earliest_slot(*args, priority)
    stopped = earliest_slot(*args, priority, stop_above_s=stop_s)
    if full.delay_s is not None and full.delay_s <= stop_s:
        assert stopped.delay_s == full.delay_s
        assert stopped.blockers == full.blockers
        assert stopped.overridden == full.overridden
    else:
        assert stopped.delay_s is None


def test_a_crowded_start_is_searched_in_steps_and_lands_where_brute_force_does():
    idx = SpaceTimeIndex()
    level = np.array([[0, 0, 60, 0], [1000, 0, 60, 100.0]])
    accepted = []
    n = int(FIRST_WINDOW_S // 4) + 4  # the same path every 4 s, past the first window
    for k in range(n):
        r = level.copy()
        r[:, 3] += 4.0 * k
        idx.insert(f"A{k}", 0, r)
        accepted.append(r)
    res = earliest_slot(level, 0.0, 1800.0, idx, [], 50, 20, 1.0)
    want = naive.earliest_delay_bruteforce(level, accepted, 0.0, 1800.0, 1.0, 50, 20)
    assert res.delay_s == want
    assert res.delay_s > FIRST_WINDOW_S
    assert res.rounds >= 2, "the answer lies past the first window"
    assert res.blockers == [f"A{k}" for k in range(n)], "blockers come in filing order"


def test_an_area_operation_in_the_way_is_still_respected_by_the_stepped_search():
    idx = SpaceTimeIndex()
    square = Polygon([(400, -100), (600, -100), (600, 100), (400, 100)])
    idx.insert("AREA", 0, AreaOp.from_polygon(square, 0, 100, 0, 500))
    level = np.array([[0, 0, 60, 0], [1000, 0, 60, 100.0]])
    res = earliest_slot(level, 0.0, 1800.0, idx, [], 50, 20, 1.0)
    ref = earliest_slot(level, 0.0, 1800.0, idx, [], 50, 20, 1.0, one_shot=True)
    assert res.delay_s == ref.delay_s and res.delay_s > 450
    assert res.blockers == ["AREA"]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 8), st.floats(0, 60), st.floats(0, 30))
def test_segment_boxes_match_numpy(seed, n, grow_h, grow_v):
    rng = np.random.default_rng(seed)
    xyzt = np.column_stack([rng.uniform(-1e4, 1e4, (n, 3)), np.cumsum(rng.uniform(0, 100, n))])
    segs, boxes = segment_boxes(xyzt, grow_h, grow_v)
    s = Trajectory4D(xyzt).segments
    assert np.array_equal(segs, s)
    want = np.column_stack(
        [
            np.minimum(s[:, 0], s[:, 4]) - grow_h,
            np.maximum(s[:, 0], s[:, 4]) + grow_h,
            np.minimum(s[:, 1], s[:, 5]) - grow_h,
            np.maximum(s[:, 1], s[:, 5]) + grow_h,
            np.minimum(s[:, 2], s[:, 6]) - grow_v,
            np.maximum(s[:, 2], s[:, 6]) + grow_v,
            s[:, 3],
            s[:, 7],
        ]
    )
    assert np.array_equal(boxes, want)


@pytest.mark.parametrize("layer_m", [15.0, 1e9])
def test_compaction_and_layers_keep_queries_exact(monkeypatch, layer_m):
    monkeypatch.setattr(index_module, "COMPACT_MIN_ENTRIES", 64)
    rng = np.random.default_rng(3)
    idx = SpaceTimeIndex(300.0, 60.0, layer_m)
    alive = {}
    for i in range(600):
        r = _busy_route(rng, rng.uniform(0, 900))
        idx.insert(f"F{i}", 0, r)
        alive[f"F{i}"] = r
        if i % 3 == 2:
            gone = f"F{i - 2}"
            idx.remove(gone)
            del alive[gone]
    for _ in range(20):
        c, t = rng.uniform(0, 2000, 2), rng.uniform(0, 1000)
        q = np.array([[c[0] - 200, c[0] + 200, c[1] - 200, c[1] + 200, 55, 80, t, t + 90]])
        got = idx.candidates(q)
        got_set = {
            (idx.flight_id(int(o)), tuple(s)) for o, s in zip(got.seg_owner, got.seg, strict=True)
        }
        want = set()
        for fid, r in alive.items():
            _, boxes = segment_boxes(r, 0.0, 0.0)
            segs = Trajectory4D(r).segments
            for s, b in zip(segs, boxes, strict=True):
                if not (
                    b[1] < q[0, 0] or b[0] > q[0, 1] or b[3] < q[0, 2] or b[2] > q[0, 3]
                ) and not (b[5] < q[0, 4] or b[4] > q[0, 5] or b[7] < q[0, 6] or b[6] > q[0, 7]):
                    want.add((fid, tuple(s)))
        assert got_set == want
