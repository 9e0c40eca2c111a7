"""Route against route: the closed interval of forbidden delays of one segment pair, and of a
route against the candidate segments the index returned (see :mod:`planner.kernels`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from planner.kernels.constants import INSIDE_TOLERANCE
from planner.kernels.constants import NO_DELAY as _NONE

# --------------------------------------------------------------------------- route vs route


@njit(cache=True)
def _velocity(seg):
    """Velocity (m/s) of a segment row ``[x0, y0, z0, t0, x1, y1, z1, t1]``; zero when it
    lasts no time."""
    dt = seg[7] - seg[3]
    if dt > 0.0:
        return (seg[4] - seg[0]) / dt, (seg[5] - seg[1]) / dt, (seg[6] - seg[2]) / dt
    return 0.0, 0.0, 0.0


@njit(cache=True)
def _clip_halfplane(pu, pd, n, qu, qd, cu, cd, rhs):
    """Clip polygon ``(pu, pd)[:n]`` by ``cu*u + cd*d <= rhs`` into ``(qu, qd)``; return count."""
    m = 0
    if n == 0:
        return 0
    for i in range(n):
        j = i + 1 if i + 1 < n else 0
        fi = cu * pu[i] + cd * pd[i] - rhs
        fj = cu * pu[j] + cd * pd[j] - rhs
        if fi <= 0.0:
            qu[m] = pu[i]
            qd[m] = pd[i]
            m += 1
        if (fi < 0.0 < fj) or (fj < 0.0 < fi):
            s = fi / (fi - fj)
            qu[m] = pu[i] + s * (pu[j] - pu[i])
            qd[m] = pd[i] + s * (pd[j] - pd[i])
            m += 1
    return m


@njit(cache=True)
def _quadratic_roots(a, b, c):
    """Real roots of ``a x^2 + b x + c = 0`` (``a > 0``), NaN when none; stable formula."""
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        return _NONE, _NONE
    sq = math.sqrt(disc)
    q = -0.5 * (b + sq) if b >= 0.0 else -0.5 * (b - sq)
    if q == 0.0:
        return 0.0, 0.0
    r1 = q / a
    r2 = c / q
    if r1 <= r2:
        return r1, r2
    return r2, r1


@njit(cache=True)
def segment_pair_delay_interval(a, b, sep_h_m, sep_v_m, scratch):
    """Closed interval of delays for which segment ``a`` (delayed) conflicts with segment ``b``.

    Parameters
    ----------
    a, b : float64 arrays of 8
        ``x0, y0, z0, t0, x1, y1, z1, t1`` in metres and seconds; ``a`` is the new flight's
        segment (shifted by the delay), ``b`` an accepted flight's.
    sep_h_m, sep_v_m : float
        Separation minima already shrunk by the margin (closed semantics).
    scratch : float64 array (4, 16)
        Work space.

    Returns
    -------
    (lo, hi) : float
        The forbidden delays, or ``(nan, nan)`` when no delay makes them conflict.
    """
    ta = a[7] - a[3]
    tb = b[7] - b[3]
    vax, vay, vaz = _velocity(a)
    vbx, vby, vbz = _velocity(b)
    # relative position r(u, d) = c + m1*u + m2*d with u in [0, ta], u + d in [0, tb];
    # the delay is d + (b.t0 - a.t0).
    cx = a[0] - b[0]
    cy = a[1] - b[1]
    cz = a[2] - b[2]
    m1x = vax - vbx
    m1y = vay - vby
    m1z = vaz - vbz
    m2x = -vbx
    m2y = -vby
    m2z = -vbz
    shift = b[3] - a[3]
    s2 = sep_h_m * sep_h_m

    pu = scratch[0]
    pd = scratch[1]
    qu = scratch[2]
    qd = scratch[3]
    pu[0] = 0.0
    pd[0] = 0.0
    pu[1] = ta
    pd[1] = -ta
    pu[2] = ta
    pd[2] = tb - ta
    pu[3] = 0.0
    pd[3] = tb
    n = 4
    n = _clip_halfplane(pu, pd, n, qu, qd, m1z, m2z, sep_v_m - cz)
    n = _clip_halfplane(qu, qd, n, pu, pd, -m1z, -m2z, sep_v_m + cz)
    if n == 0:
        return _NONE, _NONE

    lo = np.inf
    hi = -np.inf
    # vertices inside the ellipse
    for i in range(n):
        hx = cx + m1x * pu[i] + m2x * pd[i]
        hy = cy + m1y * pu[i] + m2y * pd[i]
        if hx * hx + hy * hy <= s2:
            lo = min(lo, pd[i])
            hi = max(hi, pd[i])
    # edge / ellipse crossings
    for i in range(n):
        j = i + 1 if i + 1 < n else 0
        du = pu[j] - pu[i]
        dd = pd[j] - pd[i]
        h0x = cx + m1x * pu[i] + m2x * pd[i]
        h0y = cy + m1y * pu[i] + m2y * pd[i]
        dhx = m1x * du + m2x * dd
        dhy = m1y * du + m2y * dd
        qa = dhx * dhx + dhy * dhy
        if qa <= 1e-300:
            continue
        r1, r2 = _quadratic_roots(qa, 2.0 * (h0x * dhx + h0y * dhy), h0x * h0x + h0y * h0y - s2)
        if r1 != r1:
            continue
        if 0.0 <= r1 <= 1.0:
            d = pd[i] + r1 * dd
            lo = min(lo, d)
            hi = max(hi, d)
        if 0.0 <= r2 <= 1.0:
            d = pd[i] + r2 * dd
            lo = min(lo, d)
            hi = max(hi, d)
    # tangent points of the ellipse in the delay direction (d/du |r|^2 = 0)
    mm = m1x * m1x + m1y * m1y
    if mm > 0.0:
        alpha = -(m1x * cx + m1y * cy) / mm
        beta = -(m1x * m2x + m1y * m2y) / mm
        r0x = cx + m1x * alpha
        r0y = cy + m1y * alpha
        wx = m1x * beta + m2x
        wy = m1y * beta + m2y
        qa = wx * wx + wy * wy
        if qa > 1e-300:
            r1, r2 = _quadratic_roots(qa, 2.0 * (r0x * wx + r0y * wy), r0x * r0x + r0y * r0y - s2)
            if r1 == r1:
                for k in range(2):
                    d = r1 if k == 0 else r2
                    u = alpha + beta * d
                    tol = INSIDE_TOLERANCE * (1.0 + abs(u) + abs(d))
                    if u < -tol or u > ta + tol or u + d < -tol or u + d > tb + tol:
                        continue
                    z = cz + m1z * u + m2z * d
                    if abs(z) > sep_v_m + tol:
                        continue
                    lo = min(lo, d)
                    hi = max(hi, d)
    if lo > hi:
        return _NONE, _NONE
    return lo + shift, hi + shift


@njit(cache=True)
def _point_segment_d2(px, py, x0, y0, x1, y1):
    """Squared distance from a point to a segment (2D)."""
    dx = x1 - x0
    dy = y1 - y0
    ll = dx * dx + dy * dy
    f = 0.0
    if ll > 0.0:
        f = min(1.0, max(0.0, ((px - x0) * dx + (py - y0) * dy) / ll))
    ex = px - (x0 + f * dx)
    ey = py - (y0 + f * dy)
    return ex * ex + ey * ey


@njit(cache=True)
def tracks_apart(a, b, reach_m):
    """Whether the ground tracks of segments ``a`` and ``b`` (rows ``x0, y0, z0, t0, x1, y1,
    z1, t1``) stay more than ``reach_m`` apart: then no delay brings them within it.

    Conservative: tracks that cross or touch, collinear ones, and those that a rounding error
    could make cross are never called apart (a crossing missed by rounding puts an endpoint
    within rounding of the other track).
    """
    r2 = reach_m * reach_m
    if _point_segment_d2(a[0], a[1], b[0], b[1], b[4], b[5]) <= r2:
        return False
    if _point_segment_d2(a[4], a[5], b[0], b[1], b[4], b[5]) <= r2:
        return False
    if _point_segment_d2(b[0], b[1], a[0], a[1], a[4], a[5]) <= r2:
        return False
    if _point_segment_d2(b[4], b[5], a[0], a[1], a[4], a[5]) <= r2:
        return False
    o1 = (a[4] - a[0]) * (b[1] - a[1]) - (a[5] - a[1]) * (b[0] - a[0])
    o2 = (a[4] - a[0]) * (b[5] - a[1]) - (a[5] - a[1]) * (b[4] - a[0])
    o3 = (b[4] - b[0]) * (a[1] - b[1]) - (b[5] - b[1]) * (a[0] - b[0])
    o4 = (b[4] - b[0]) * (a[5] - b[1]) - (b[5] - b[1]) * (a[4] - b[0])
    # touching counts as crossing (a zero orientation); collinear tracks are never apart
    cross_a = (o1 <= 0.0 and o2 >= 0.0) or (o1 >= 0.0 and o2 <= 0.0)
    cross_b = (o3 <= 0.0 and o4 >= 0.0) or (o3 >= 0.0 and o4 <= 0.0)
    return not (cross_a and cross_b)


@njit(cache=True)
def track_reach_m(a, b, sep_h_m):
    """The horizontal reach below which :func:`segment_pair_delay_interval` may find a
    conflict: the minimum plus what its tolerances and rounding can admit (a point up to
    ``INSIDE_TOLERANCE * (1 + |u| + |d|)`` seconds outside a segment, ``|u|, |d|`` at most
    the two durations), with a metre to spare."""
    ta = a[7] - a[3]
    tb = b[7] - b[3]
    vax, vay, _ = _velocity(a)
    vbx, vby, _ = _velocity(b)
    speeds = math.sqrt(vax * vax + vay * vay) + math.sqrt(vbx * vbx + vby * vby)
    return sep_h_m + 1.0 + 4.0 * INSIDE_TOLERANCE * (1.0 + 2.0 * ta + 2.0 * tb) * speeds


@njit(cache=True)
def route_route_intervals(
    new_xyzt, cand_seg, cand_owner, delay_min_s, delay_max_s, sep_h_m, sep_v_m
):
    """Forbidden delay intervals of a route flight against candidate accepted segments.

    Parameters
    ----------
    new_xyzt : float64 (n, 4)
        The new flight's waypoints ``x, y, z, t`` (undelayed).
    cand_seg : float64 (m, 8)
        Accepted segments ``x0, y0, z0, t0, x1, y1, z1, t1``.
    cand_owner : int64 (m,)
        Owner (flight slot) of each candidate segment.
    delay_min_s, delay_max_s : float
        Only pairs that can conflict for some delay in this window are evaluated.
    sep_h_m, sep_v_m : float
        Separation minima, already shrunk by the margin.

    Returns
    -------
    lo, hi : float64 arrays
        Forbidden delay intervals (closed).
    owner : int64 array
        The owner slot of the accepted segment behind each interval.
    """
    lo, hi, owner, _ = route_route_intervals_since(
        new_xyzt, cand_seg, cand_owner, delay_min_s, -np.inf, delay_max_s, sep_h_m, sep_v_m
    )
    return lo, hi, owner


@njit(cache=True)
def route_route_intervals_since(
    new_xyzt, cand_seg, cand_owner, delay_min_s, delay_done_s, delay_max_s, sep_h_m, sep_v_m
):
    """:func:`route_route_intervals` for the window ``[delay_min_s, delay_max_s]`` without the
    pairs its prefilter already passes for ``[delay_min_s, delay_done_s]`` (``-inf``: none).

    A search that widens its window step by step hands every pair to the closed form once:
    the pairs passed for ``[min, done]`` and those returned here for ``[min, max]`` are
    together exactly the pairs passed for ``[min, max]`` (the prefilter's upper test, accepted
    start ``<= new end + delay``, only gains pairs as the delay grows).

    Returns
    -------
    lo, hi : float64 arrays
        Forbidden delay intervals (closed), in the order of :func:`route_route_intervals`.
    owner : int64 array
        The owner slot of the accepted segment behind each interval.
    n_exact : int
        Pairs handed to the closed form (:func:`segment_pair_delay_interval`).
    """
    n = new_xyzt.shape[0] - 1
    m = cand_seg.shape[0]
    cap = 64
    lo = np.empty(cap)
    hi = np.empty(cap)
    owner = np.empty(cap, dtype=np.int64)
    k = 0
    n_exact = 0
    a = np.empty(8)
    scratch = np.empty((4, 16))
    # candidate bounding boxes once (xmin, xmax, ymin, ymax, zmin, zmax, tmax), not per pair:
    # the same comparisons as on the raw segments, so the same pairs reach the closed form
    box = np.empty((m, 7))
    for j in range(m):
        b = cand_seg[j]
        box[j, 0] = min(b[0], b[4])
        box[j, 1] = max(b[0], b[4])
        box[j, 2] = min(b[1], b[5])
        box[j, 3] = max(b[1], b[5])
        box[j, 4] = min(b[2], b[6])
        box[j, 5] = max(b[2], b[6])
        box[j, 6] = max(b[3], b[7])
    for i in range(n):
        ax0 = new_xyzt[i, 0]
        ay0 = new_xyzt[i, 1]
        az0 = new_xyzt[i, 2]
        at0 = new_xyzt[i, 3]
        ax1 = new_xyzt[i + 1, 0]
        ay1 = new_xyzt[i + 1, 1]
        az1 = new_xyzt[i + 1, 2]
        at1 = new_xyzt[i + 1, 3]
        xmin = min(ax0, ax1) - sep_h_m
        xmax = max(ax0, ax1) + sep_h_m
        ymin = min(ay0, ay1) - sep_h_m
        ymax = max(ay0, ay1) + sep_h_m
        zmin = min(az0, az1) - sep_v_m
        zmax = max(az0, az1) + sep_v_m
        tmin = at0 + delay_min_s
        tmax = at1 + delay_max_s
        tdone = at1 + delay_done_s
        a[0] = ax0
        a[1] = ay0
        a[2] = az0
        a[3] = at0
        a[4] = ax1
        a[5] = ay1
        a[6] = az1
        a[7] = at1
        for j in range(m):
            if box[j, 6] < tmin or cand_seg[j, 3] > tmax or cand_seg[j, 3] <= tdone:
                continue
            if box[j, 1] < xmin or box[j, 0] > xmax:
                continue
            if box[j, 3] < ymin or box[j, 2] > ymax:
                continue
            if box[j, 5] < zmin or box[j, 4] > zmax:
                continue
            b = cand_seg[j]
            if tracks_apart(a, b, track_reach_m(a, b, sep_h_m)):
                continue
            n_exact += 1
            d_lo, d_hi = segment_pair_delay_interval(a, b, sep_h_m, sep_v_m, scratch)
            if d_lo != d_lo:
                continue
            if k == cap:
                cap *= 2
                lo2 = np.empty(cap)
                hi2 = np.empty(cap)
                ow2 = np.empty(cap, dtype=np.int64)
                lo2[:k] = lo[:k]
                hi2[:k] = hi[:k]
                ow2[:k] = owner[:k]
                lo = lo2
                hi = hi2
                owner = ow2
            lo[k] = d_lo
            hi[k] = d_hi
            owner[k] = cand_owner[j]
            k += 1
    return lo[:k].copy(), hi[:k].copy(), owner[:k].copy(), n_exact
