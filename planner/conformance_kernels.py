"""numba kernels of conformance monitoring: where a reported position stands against the
approved 4D plan at its instant. Arrays in, arrays out; the Python face is
:mod:`planner.conformance`, the slow twins are in ``tests/naive_conformance.py``.

Route plans. A route is piecewise linear in ``(x, y, z, t)``; a point of segment ``k`` is
``P(s) = P0 + s (P1 - P0)`` for ``s`` in ``[0, 1]``. For a position ``(x, y, z, t)`` and the
thresholds ``L`` (lateral), ``V`` (vertical), ``T`` (time), per segment:

- ``h(s)`` is the horizontal distance to ``P(s)``; ``{s : h(s) <= L}`` is one interval (a
  disc cut by a line), centred on the foot of the perpendicular;
- on that interval the altitude error ``z - z(s)`` is linear, so ``{|z - z(s)| <= V}`` cuts
  it to a second interval;
- on that one the schedule error ``t - t(s)`` is linear again.

The kernel returns, over all segments of the plan, exactly:

- ``lateral_m`` = the horizontal distance to the route (any time),
- ``vertical_m`` = the smallest altitude error among the route points within ``L``
  (``inf`` when there is none),
- ``time_s`` = the signed schedule error of smallest size among the route points within
  ``L`` and ``V`` (positive: late; ``nan`` when there is none).

So the position conforms iff ``lateral_m <= L``, ``vertical_m <= V`` and ``|time_s| <= T``,
which is the same as: some point of the plan is within ``L``, ``V`` and ``T`` of it at once.
An out-and-back route is therefore judged against the leg the schedule says it should be on.

Area plans. Polygon (even-odd over all rings) x band x window: ``lateral_m`` is the distance
outside the polygon (0 inside), ``vertical_m`` the distance outside the band, ``time_s`` the
signed distance outside the window.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _segment_terms(px, py, x0, y0, x1, y1):
    """Foot ``s_c`` of the perpendicular (unclamped), perpendicular distance squared ``d2``,
    squared horizontal length ``bb`` of the segment (0 for a vertical or hovering one)."""
    bx = x1 - x0
    by = y1 - y0
    ax = px - x0
    ay = py - y0
    bb = bx * bx + by * by
    if bb == 0.0:
        return 0.0, ax * ax + ay * ay, 0.0
    s_c = (ax * bx + ay * by) / bb
    cross = ax * by - ay * bx
    return s_c, cross * cross / bb, bb


@njit(cache=True)
def _point_segment_distance(px, py, x0, y0, x1, y1):
    s_c, d2, bb = _segment_terms(px, py, x0, y0, x1, y1)
    if bb == 0.0:
        return math.sqrt(d2)
    s = min(1.0, max(0.0, s_c))
    dx = x0 + s * (x1 - x0) - px
    dy = y0 + s * (y1 - y0) - py
    return math.sqrt(dx * dx + dy * dy)


@njit(cache=True)
def _linear_min_abs(v_lo, v_hi):
    """Signed value of smallest size of a linear function over an interval, from its values at
    the two ends."""
    if (v_lo <= 0.0 <= v_hi) or (v_hi <= 0.0 <= v_lo):
        return 0.0
    return v_lo if abs(v_lo) <= abs(v_hi) else v_hi


@njit(cache=True)
def route_deviation(px, py, pz, pt, plan, seg, seg_start, lateral_m, vertical_m):
    """Deviations of positions from route plans (see the module docstring).

    Parameters
    ----------
    px, py, pz, pt : float64 (n,)
        Easting, northing (m), altitude (m AGL), time (planner s) of each position.
    plan : int64 (n,)
        Index of each position's plan; negative = no plan (outputs ``nan``).
    seg : float64 (m, 8)
        Segment rows ``x0, y0, z0, t0, x1, y1, z1, t1`` of every plan, plan after plan.
    seg_start : int64 (p + 1,)
        Plan ``k`` owns ``seg[seg_start[k]:seg_start[k + 1]]``.
    lateral_m, vertical_m : float
        Thresholds ``L`` and ``V`` (the time error is measured, not thresholded).

    Returns
    -------
    lateral, vertical, time : float64 (n,)
    """
    n = px.shape[0]
    out_l = np.full(n, np.nan)
    out_v = np.full(n, np.nan)
    out_t = np.full(n, np.nan)
    L2 = lateral_m * lateral_m
    for i in range(n):
        k = plan[i]
        if k < 0:
            continue
        best_l = np.inf
        best_v = np.inf
        best_t = np.nan
        for j in range(seg_start[k], seg_start[k + 1]):
            x0, y0, z0, t0 = seg[j, 0], seg[j, 1], seg[j, 2], seg[j, 3]
            x1, y1, z1, t1 = seg[j, 4], seg[j, 5], seg[j, 6], seg[j, 7]
            best_l = min(best_l, _point_segment_distance(px[i], py[i], x0, y0, x1, y1))
            # {s : h(s) <= L} = [lo, hi]
            s_c, d2, bb = _segment_terms(px[i], py[i], x0, y0, x1, y1)
            if d2 > L2:
                continue
            if bb == 0.0:
                lo, hi = 0.0, 1.0
            else:
                w = math.sqrt((L2 - d2) / bb)
                lo = max(0.0, s_c - w)
                hi = min(1.0, s_c + w)
                if lo > hi:
                    continue
            dz = z1 - z0
            v_lo = pz[i] - (z0 + lo * dz)
            v_hi = pz[i] - (z0 + hi * dz)
            best_v = min(best_v, abs(_linear_min_abs(v_lo, v_hi)))
            # {s in [lo, hi] : |z - z(s)| <= V}
            if dz == 0.0:
                if abs(pz[i] - z0) > vertical_m:
                    continue
            else:
                sa = (pz[i] - vertical_m - z0) / dz
                sb = (pz[i] + vertical_m - z0) / dz
                lo = max(lo, min(sa, sb))
                hi = min(hi, max(sa, sb))
                if lo > hi:
                    continue
            dt = t1 - t0
            e = _linear_min_abs(pt[i] - (t0 + lo * dt), pt[i] - (t0 + hi * dt))
            if math.isnan(best_t) or abs(e) < abs(best_t):
                best_t = e
        out_l[i] = best_l
        out_v[i] = best_v
        out_t[i] = best_t
    return out_l, out_v, out_t


@njit(cache=True)
def _inside_rings(px, py, ring_xy, ring_start, r0, r1):
    """Even-odd rule over rings ``r0 .. r1 - 1`` (exteriors and holes alike)."""
    inside = False
    for r in range(r0, r1):
        a = ring_start[r]
        b = ring_start[r + 1]
        m = b - a
        for q in range(m):
            xi, yi = ring_xy[a + q, 0], ring_xy[a + q, 1]
            xj, yj = ring_xy[a + (q + 1) % m, 0], ring_xy[a + (q + 1) % m, 1]
            if (yi > py) != (yj > py):
                x_cross = xi + (py - yi) * (xj - xi) / (yj - yi)
                if px < x_cross:
                    inside = not inside
    return inside


@njit(cache=True)
def area_deviation(px, py, pz, pt, plan, ring_xy, ring_start, plan_ring, band, window):
    """Deviations of positions from area plans (polygon x band x window).

    Parameters
    ----------
    px, py, pz, pt, plan : as :func:`route_deviation`
    ring_xy : float64 (m, 2)
        Ring vertices (not closed) of every plan's polygon.
    ring_start : int64 (r + 1,)
        Ring ``q`` is ``ring_xy[ring_start[q]:ring_start[q + 1]]``.
    plan_ring : int64 (p + 1,)
        Plan ``k`` owns rings ``plan_ring[k] .. plan_ring[k + 1] - 1``.
    band, window : float64 (p, 2)
        ``lower_m, upper_m`` and ``start_s, end_s`` per plan.

    Returns
    -------
    lateral, vertical, time : float64 (n,)
        Distance outside the polygon (0 inside), outside the band, signed time outside the
        window (negative: early).
    """
    n = px.shape[0]
    out_l = np.full(n, np.nan)
    out_v = np.full(n, np.nan)
    out_t = np.full(n, np.nan)
    for i in range(n):
        k = plan[i]
        if k < 0:
            continue
        r0, r1 = plan_ring[k], plan_ring[k + 1]
        if _inside_rings(px[i], py[i], ring_xy, ring_start, r0, r1):
            out_l[i] = 0.0
        else:
            d = np.inf
            for r in range(r0, r1):
                a = ring_start[r]
                m = ring_start[r + 1] - a
                for q in range(m):
                    d = min(
                        d,
                        _point_segment_distance(
                            px[i],
                            py[i],
                            ring_xy[a + q, 0],
                            ring_xy[a + q, 1],
                            ring_xy[a + (q + 1) % m, 0],
                            ring_xy[a + (q + 1) % m, 1],
                        ),
                    )
            out_l[i] = d
        out_v[i] = max(0.0, band[k, 0] - pz[i], pz[i] - band[k, 1])
        if pt[i] < window[k, 0]:
            out_t[i] = pt[i] - window[k, 0]
        elif pt[i] > window[k, 1]:
            out_t[i] = pt[i] - window[k, 1]
        else:
            out_t[i] = 0.0
    return out_l, out_v, out_t
