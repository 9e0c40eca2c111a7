"""Capacity curves and their knees, and paired comparisons with confidence intervals."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenarios.study import compare, curves, execute, model, runs
from scenarios.study.compare import CompareError, compare_axis, compare_folders, paired_difference
from scenarios.study.curves import CurvePoint, capacity_curves, knee


@pytest.mark.parametrize(
    "module", [model, runs, execute, curves, compare], ids=lambda m: m.__name__
)
def test_docstring_examples_run(module):
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0


def _rows():
    out = []
    for net, slope in (("demo", 1.0), ("dense", 0.5)):
        for f in (1000, 2000, 4000, 8000):
            for s in (1, 2, 3):
                out.append(
                    {
                        "run_id": f"{net}-{f}-{s}",
                        "status": "ok",
                        "network": net,
                        "flights": f,
                        "seed": s,
                        "delay_p95_s": slope * f / 10 + s,
                        "rejected_share": slope * f / 40000,
                    }
                )
    out.append({"run_id": "x", "status": "failed", "network": "demo", "flights": 1000, "seed": 9})
    return out


def test_one_curve_per_network_averaged_over_seeds():
    cs = capacity_curves(_rows(), "delay_p95_s")
    assert [c.label for c in cs] == ["network=demo", "network=dense"]
    demo = cs[0]
    assert [p.demand for p in demo.points] == [1000, 2000, 4000, 8000]
    assert demo.points[0] == CurvePoint(1000.0, 3, 102.0, 101.0, 103.0)


def test_knee_where_the_threshold_is_crossed():
    demo, dense = capacity_curves(_rows(), "delay_p95_s")
    # demo: 402 s at 4000, 802 s at 8000 -> 600 s at 4000 + 198/400*4000
    assert knee(demo.points, 600).demand == pytest.approx(4000 + 198 / 400 * 4000)
    assert knee(dense.points, 600).demand is None
    assert knee(demo.points, 50).at_or_below


@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=8), st.floats(1, 1e4))
def test_knee_lies_between_the_levels_around_the_first_crossing(values, threshold):
    ys = np.maximum.accumulate(np.asarray(values))  # delays grow with demand
    pts = [CurvePoint(1000.0 * (i + 1), 1, float(y), float(y), float(y)) for i, y in enumerate(ys)]
    k = knee(pts, threshold)
    over = [p for p in pts if p.mean >= threshold]
    if not over:
        assert k.demand is None
    elif over[0] is pts[0]:
        assert k.at_or_below and k.demand == pts[0].demand
    else:
        i = pts.index(over[0])
        assert pts[i - 1].demand <= k.demand <= pts[i].demand


def test_paired_difference_matches_the_textbook_interval():
    a = [100.0, 120.0, 90.0, 130.0]
    b = [90.0, 118.0, 80.0, 121.0]
    mean, lo, hi = paired_difference(a, b)
    d = np.subtract(b, a)
    half = 3.182446305284263 * d.std(ddof=1) / math.sqrt(4)  # t(0.975, 3)
    assert mean == pytest.approx(-7.75)
    assert (lo, hi) == pytest.approx((mean - half, mean + half))
    assert paired_difference([1.0], [2.0])[1:] == (None, None)


def test_compare_two_networks_pairs_same_days():
    a, b, diffs = compare_axis(_rows(), "network")
    assert (a, b) == ("demo", "dense")
    by = {d.metric: d for d in diffs}
    assert set(by) == {"rejected_share", "delay_p95_s"}
    d = by["delay_p95_s"]
    assert d.pairs == 12  # the failed run has no pair
    assert d.mean_diff == pytest.approx(-0.5 * np.mean([1000, 2000, 4000, 8000]) / 10)
    assert d.ci_low < d.mean_diff < d.ci_high


def test_compare_errors_say_what_to_do():
    rows = _rows()
    with pytest.raises(CompareError, match=r"--a: 'sparse' is not a value of network"):
        compare_axis(rows, "network", "sparse", "dense")
    with pytest.raises(CompareError, match="not a study axis"):
        compare_axis(rows, "colour")
    with pytest.raises(CompareError, match="has 4 values"):
        compare_axis(rows, "flights")


def test_compare_two_folders_pairs_on_demand():
    rows = _rows()
    demo = [r for r in rows if r["network"] == "demo"]
    dense = [{**r, "network": "other"} for r in rows if r["network"] == "dense"]
    pair_on, diffs = compare_folders(demo, dense)
    assert pair_on == ["flights", "seed"]
    assert {d.metric: d.pairs for d in diffs}["delay_p95_s"] == 12
