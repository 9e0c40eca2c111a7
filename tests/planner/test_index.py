"""The space-time index returns exactly the filed items whose boxes overlap a query."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from planner.index import SpaceTimeIndex, outward_float32, swept_boxes
from planner.trajectory import AreaOp, Trajectory4D


def _route(rng: np.random.Generator, n: int = 4) -> np.ndarray:
    xy = rng.uniform(-3000, 3000, size=(n, 2))
    z = rng.uniform(0, 120, size=(n, 1))
    t = np.cumsum(rng.uniform(0, 200, size=(n, 1)), axis=0) + rng.uniform(-500, 5000)
    return np.hstack([xy, z, t])


def _overlaps(seg: np.ndarray, q: np.ndarray) -> bool:
    return not (
        max(seg[0], seg[4]) < q[0]
        or min(seg[0], seg[4]) > q[1]
        or max(seg[1], seg[5]) < q[2]
        or min(seg[1], seg[5]) > q[3]
        or max(seg[2], seg[6]) < q[4]
        or min(seg[2], seg[6]) > q[5]
        or seg[7] < q[6]
        or seg[3] > q[7]
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([(250.0, 60.0), (1000.0, 300.0), (5000.0, 3600.0)]),
    st.integers(1, 120),
)
def test_query_returns_exactly_the_overlapping_alive_segments(seed, grid, n_flights):
    rng = np.random.default_rng(seed)
    idx = SpaceTimeIndex(*grid)
    routes = {}
    for i in range(n_flights):
        routes[f"F{i}"] = _route(rng)
        idx.insert(f"F{i}", int(rng.integers(0, 3)), routes[f"F{i}"])
    for fid in rng.choice(list(routes), size=n_flights // 3, replace=False):
        idx.remove(str(fid))
        del routes[str(fid)]
    for _ in range(5):
        c = rng.uniform(-3000, 3000, 2)
        t = rng.uniform(0, 5000)
        q = np.array([[c[0] - 400, c[0] + 400, c[1] - 400, c[1] + 400, 0, 120, t, t + 600]])
        got = idx.candidates(q)
        got_set = {
            (idx.flight_id(int(o)), tuple(s)) for o, s in zip(got.seg_owner, got.seg, strict=True)
        }
        want = set()
        for fid, r in routes.items():
            segs = Trajectory4D(r).segments
            for s in segs:
                if _overlaps(s, q[0]):
                    want.add((fid, tuple(s)))
        assert got_set == want
        assert len(got_set) == len(got.seg_owner), "an item was returned twice"


def test_removed_flights_disappear_and_ids_can_be_filed_again():
    idx = SpaceTimeIndex(1000.0, 300.0)
    route = np.array([[0, 0, 60, 0], [900, 0, 60, 60.0]])
    box = swept_boxes(Trajectory4D(route), 0, 0, 50, 20)
    idx.insert("F1", 0, route)
    assert "F1" in idx and len(idx) == 1
    with pytest.raises(ValueError, match="already in the index"):
        idx.insert("F1", 0, route)
    idx.remove("F1")
    assert idx.candidates(box).seg.shape[0] == 0
    with pytest.raises(KeyError, match="not in the index"):
        idx.remove("F1")
    idx.insert("F1", 5, route)
    c = idx.candidates(box)
    assert [idx.flight_id(int(o)) for o in c.seg_owner] == ["F1"]
    assert idx.priority[c.seg_owner[0]] == 5


def test_many_cancellations_keep_answers_right_after_rebuilds():
    rng = np.random.default_rng(7)
    idx = SpaceTimeIndex(500.0, 120.0)
    alive = {}
    for i in range(3000):
        r = _route(rng, 3)
        idx.insert(f"F{i}", 0, r)
        alive[f"F{i}"] = r
        if i % 2:
            idx.remove(f"F{i - 1}")
            del alive[f"F{i - 1}"]
    q = np.array([[-3500, 3500, -3500, 3500, -10, 200, -1e4, 1e5]])
    c = idx.candidates(q)
    assert {idx.flight_id(int(o)) for o in c.seg_owner} == set(alive)
    assert c.seg.shape[0] == 2 * len(alive)


def test_area_operations_are_found_by_their_footprint_and_window():
    idx = SpaceTimeIndex(1000.0, 300.0)
    area = AreaOp.from_polygon(Polygon([(0, 0), (200, 0), (200, 200), (0, 200)]), 0, 60, 100, 700)
    idx.insert("AREA", 1, area)
    hit = idx.candidates(np.array([[150, 400, 150, 400, 50, 70, 650, 900.0]]))
    assert [idx.flight_id(s) for s, _ in hit.areas] == ["AREA"]
    assert hit.areas[0][1] is area
    miss = idx.candidates(np.array([[150, 400, 150, 400, 50, 70, 701, 900.0]]))
    assert miss.areas == []


def test_swept_boxes_grow_by_minima_and_delay_window():
    tr = Trajectory4D(np.array([[0, 0, 60, 10], [100, 50, 80, 30.0]]))
    b = swept_boxes(tr, 5, 500, 50, 20)
    assert b.tolist() == [[-50, 150, -50, 100, 40, 100, 15, 530]]


def test_a_long_run_of_files_and_cancels_reuses_slots_and_item_storage():
    rng = np.random.default_rng(11)
    idx = SpaceTimeIndex(500.0, 120.0)
    alive: dict[str, np.ndarray] = {}
    for i in range(6000):
        r = _route(rng, 4)
        idx.insert(f"F{i}", i % 3, r)
        alive[f"F{i}"] = r
        if len(alive) > 20:
            gone = next(iter(alive))
            idx.remove(gone)
            del alive[gone]
    # storage follows the 21 flights filed, not the 6,000 ever filed
    assert idx.priority.shape[0] == 256
    assert idx._item_box.shape[0] <= 16384
    q = np.array([[-3500, 3500, -3500, 3500, -10, 200, -1e4, 1e5]])
    c = idx.candidates(q)
    assert {idx.flight_id(int(o)) for o in c.seg_owner} == set(alive)
    assert c.seg.shape[0] == 3 * len(alive)
    assert [idx.priority[idx.slot(f)] for f in alive] == [int(f[1:]) % 3 for f in alive]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(-5e7, 5e7, allow_nan=False, allow_infinity=False), min_size=8, max_size=8
    ).map(lambda v: np.array(v).reshape(4, 2))
)
def test_float32_boxes_contain_the_float64_boxes(bounds):
    """Entries keep their boxes as float32 rounded outwards: never narrower, so a query finds
    every candidate the float64 boxes would give it (and at most a few more)."""
    boxes = np.sort(bounds, axis=1).reshape(1, 8)
    b32 = outward_float32(boxes).astype(np.float64)
    assert np.all(b32[0, 0::2] <= boxes[0, 0::2])
    assert np.all(b32[0, 1::2] >= boxes[0, 1::2])
    assert np.all(np.abs(b32 - boxes) <= np.maximum(np.abs(boxes), 1.0) * 2.4e-7)
