"""numba kernels of the exact deconfliction: forbidden departure delays in closed form.

Every kernel takes contiguous float64 (or int64) arrays and scalars and returns arrays; the
Python functions people call live in :mod:`planner.deconflict`, which validates inputs and
converts geometry to metres first. Each kernel has a slow, obviously-correct twin in
``tests/naive.py``.

Geometry of a delayed flight. The new flight is shifted in time by a delay ``delay_s``; one
of its segments (linear motion) against one segment of an accepted flight is conflicting
on a set of ``(u, delay_s)`` (``u`` the new flight's own clock) that is a parallelogram (both
time windows) ∩ a slab (vertical separation) ∩ an ellipse-cylinder (horizontal separation).
That set is convex, so its projection on ``delay_s`` is one closed interval, found from the
vertices of the clipped polygon inside the ellipse, polygon-edge/ellipse crossings and the
ellipse's tangent points in the ``delay_s`` direction.

Separation is strict (``< S``); the kernels compute closed sets for minima shrunk by
:data:`SEPARATION_MARGIN_M`, so flights exactly ``S`` apart are separated and any true
overlap larger than the margin is caught.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SEPARATION_MARGIN_M = 1e-6
"""Minima are shrunk by this much to turn the strict ``< S`` into closed sets (metres)."""

INSIDE_TOLERANCE = 1e-9
"""Slack (seconds / metres) when testing whether a tangent point lies in the clipped polygon."""

_NONE = np.nan


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
    n = new_xyzt.shape[0] - 1
    m = cand_seg.shape[0]
    cap = 64
    lo = np.empty(cap)
    hi = np.empty(cap)
    owner = np.empty(cap, dtype=np.int64)
    k = 0
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
        a[0] = ax0
        a[1] = ay0
        a[2] = az0
        a[3] = at0
        a[4] = ax1
        a[5] = ay1
        a[6] = az1
        a[7] = at1
        for j in range(m):
            if box[j, 6] < tmin or cand_seg[j, 3] > tmax:
                continue
            if box[j, 1] < xmin or box[j, 0] > xmax:
                continue
            if box[j, 3] < ymin or box[j, 2] > ymax:
                continue
            if box[j, 5] < zmin or box[j, 4] > zmax:
                continue
            d_lo, d_hi = segment_pair_delay_interval(a, cand_seg[j], sep_h_m, sep_v_m, scratch)
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
    return lo[:k].copy(), hi[:k].copy(), owner[:k].copy()


# --------------------------------------------------------------------------- segment vs polygon


@njit(cache=True)
def _point_in_rings(px, py, ring_xy, ring_start):
    """Even-odd point-in-polygon over all rings (exterior and holes)."""
    inside = False
    for r in range(ring_start.shape[0] - 1):
        s = ring_start[r]
        e = ring_start[r + 1]
        cnt = e - s
        for i in range(cnt):
            x1 = ring_xy[s + i, 0]
            y1 = ring_xy[s + i, 1]
            j = i + 1 if i + 1 < cnt else 0
            x2 = ring_xy[s + j, 0]
            y2 = ring_xy[s + j, 1]
            if (y1 > py) != (y2 > py):
                xc = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
                if px < xc:
                    inside = not inside
    return inside


@njit(cache=True)
def _line_disk(px, py, vx, vy, cx, cy, r):
    """Parameters where ``p + v*u`` is within ``r`` of ``c`` (closed), or NaN."""
    dx = px - cx
    dy = py - cy
    qa = vx * vx + vy * vy
    qc = dx * dx + dy * dy - r * r
    if qa <= 1e-300:
        if qc <= 0.0:
            return -np.inf, np.inf
        return _NONE, _NONE
    return _quadratic_roots(qa, 2.0 * (dx * vx + dy * vy), qc)


@njit(cache=True)
def _linear_band(p, v, lo, hi):
    """Parameters ``u`` where ``lo <= p + v*u <= hi`` (closed), or NaN when empty."""
    if v == 0.0:
        if lo <= p <= hi:
            return -np.inf, np.inf
        return _NONE, _NONE
    u1 = (lo - p) / v
    u2 = (hi - p) / v
    if u1 > u2:
        u1, u2 = u2, u1
    if u1 != u1 or u2 != u2:
        return _NONE, _NONE
    return u1, u2


@njit(cache=True)
def _line_capsule(px, py, vx, vy, ex0, ey0, ex1, ey1, r):
    """Parameters where ``p + v*u`` is within ``r`` of the edge ``e0-e1`` (closed), or NaN."""
    lo = np.inf
    hi = -np.inf
    l1, h1 = _line_disk(px, py, vx, vy, ex0, ey0, r)
    if l1 == l1:
        lo = min(lo, l1)
        hi = max(hi, h1)
    l1, h1 = _line_disk(px, py, vx, vy, ex1, ey1, r)
    if l1 == l1:
        lo = min(lo, l1)
        hi = max(hi, h1)
    ex = ex1 - ex0
    ey = ey1 - ey0
    length = math.sqrt(ex * ex + ey * ey)
    if length > 0.0:
        tx = ex / length
        ty = ey / length
        # along-edge coordinate in [0, length], across-edge in [-r, r]
        a1, b1 = _linear_band((px - ex0) * tx + (py - ey0) * ty, vx * tx + vy * ty, 0.0, length)
        a2, b2 = _linear_band(-(px - ex0) * ty + (py - ey0) * tx, -vx * ty + vy * tx, -r, r)
        if a1 == a1 and a2 == a2:
            l1 = max(a1, a2)
            h1 = min(b1, b2)
            if l1 <= h1:
                lo = min(lo, l1)
                hi = max(hi, h1)
    if lo > hi:
        return _NONE, _NONE
    return lo, hi


@njit(cache=True)
def _push(buf, k, lo, hi):
    if k == buf.shape[0]:
        nb = np.empty((2 * k + 8, 2))
        nb[:k] = buf[:k]
        buf = nb
    buf[k, 0] = lo
    buf[k, 1] = hi
    return buf, k + 1


@njit(cache=True)
def segment_polygon_times(seg, ring_xy, ring_start, lower_m, upper_m, margin_h_m, margin_v_m):
    """Times along a segment when it is inside a polygon volume (or within a margin of it).

    Parameters
    ----------
    seg : float64 (8,)
        ``x0, y0, z0, t0, x1, y1, z1, t1``.
    ring_xy : float64 (k, 2)
        Vertices of all rings (exterior then holes), each ring open (first vertex not repeated).
    ring_start : int64 (r + 1,)
        Offsets of the rings in ``ring_xy``.
    lower_m, upper_m : float
        The vertical band (``-inf``/``inf`` allowed).
    margin_h_m, margin_v_m : float
        Horizontal / vertical distance that still counts (0 for zones; the shrunk separation
        minima for area operations).

    Returns
    -------
    float64 (p, 2)
        Closed time intervals (absolute seconds, within ``[t0, t1]``), sorted and disjoint.
    """
    t0 = seg[3]
    dur = seg[7] - seg[3]
    vx, vy, vz = _velocity(seg)
    px = seg[0]
    py = seg[1]
    out = np.empty((4, 2))
    k = 0
    zl, zh = _linear_band(seg[2], vz, lower_m - margin_v_m, upper_m + margin_v_m)
    if zl != zl:
        return out[:0].copy()
    zl = max(zl, 0.0)
    zh = min(zh, dur)
    if zl > zh:
        return out[:0].copy()
    # inside pieces: split at every edge crossing, test midpoints
    nv = ring_xy.shape[0]
    cuts = np.empty(nv + 2)
    nc = 0
    cuts[nc] = zl
    nc += 1
    cuts[nc] = zh
    nc += 1
    for r in range(ring_start.shape[0] - 1):
        s = ring_start[r]
        e = ring_start[r + 1]
        cnt = e - s
        for i in range(cnt):
            j = i + 1 if i + 1 < cnt else 0
            x1 = ring_xy[s + i, 0]
            y1 = ring_xy[s + i, 1]
            ex = ring_xy[s + j, 0] - x1
            ey = ring_xy[s + j, 1] - y1
            den = vx * ey - vy * ex
            if den == 0.0:
                continue
            u = ((x1 - px) * ey - (y1 - py) * ex) / den
            w = ((x1 - px) * vy - (y1 - py) * vx) / den
            if zl < u < zh and 0.0 <= w <= 1.0:
                cuts[nc] = u
                nc += 1
    cs = np.sort(cuts[:nc])
    for i in range(nc - 1):
        um = 0.5 * (cs[i] + cs[i + 1])
        if _point_in_rings(px + vx * um, py + vy * um, ring_xy, ring_start):
            out, k = _push(out, k, t0 + cs[i], t0 + cs[i + 1])
    if (
        nc == 2
        and cs[0] == cs[1]
        and _point_in_rings(px + vx * cs[0], py + vy * cs[0], ring_xy, ring_start)
    ):
        out, k = _push(out, k, t0 + cs[0], t0 + cs[1])
    # within the margin of an edge; with a zero margin (zones) this is touching the
    # boundary, which counts too: the polygon is closed (a route ending on its edge)
    if margin_h_m >= 0.0:
        for r in range(ring_start.shape[0] - 1):
            s = ring_start[r]
            e = ring_start[r + 1]
            cnt = e - s
            for i in range(cnt):
                j = i + 1 if i + 1 < cnt else 0
                l1, h1 = _line_capsule(
                    px,
                    py,
                    vx,
                    vy,
                    ring_xy[s + i, 0],
                    ring_xy[s + i, 1],
                    ring_xy[s + j, 0],
                    ring_xy[s + j, 1],
                    margin_h_m,
                )
                if l1 != l1:
                    continue
                l1 = max(l1, zl)
                h1 = min(h1, zh)
                if l1 <= h1:
                    out, k = _push(out, k, t0 + l1, t0 + h1)
    return _merge_pieces(out, k)


@njit(cache=True)
def _merge_pieces(out, k):
    """Sort closed time pieces and merge those that overlap or touch (gaps of float noise,
    like a boundary contact next to the inside piece it bounds, are closed: conservative)."""
    if k < 2:
        return out[:k].copy()
    order = np.argsort(out[:k, 0])
    res = np.empty((k, 2))
    m = 0
    for idx in range(k):
        i = order[idx]
        a = out[i, 0]
        b = out[i, 1]
        if m > 0 and a <= res[m - 1, 1] + 1e-12 * (1.0 + abs(res[m - 1, 1])):
            res[m - 1, 1] = max(res[m - 1, 1], b)
        else:
            res[m, 0] = a
            res[m, 1] = b
            m += 1
    return res[:m].copy()


@njit(cache=True)
def route_volume_intervals(
    new_xyzt, ring_xy, ring_start, lower_m, upper_m, active_s, margin_h_m, margin_v_m
):
    """Delays that take a route flight into a volume while the volume is active.

    Parameters
    ----------
    new_xyzt : float64 (n, 4)
        The undelayed route.
    ring_xy, ring_start, lower_m, upper_m, margin_h_m, margin_v_m
        As in :func:`segment_polygon_times`.
    active_s : float64 (m, 2)
        Closed intervals during which the volume is active (absolute seconds).

    Returns
    -------
    float64 (p, 2)
        Forbidden delay intervals (closed).
    """
    out = np.empty((8, 2))
    k = 0
    seg = np.empty(8)
    for i in range(new_xyzt.shape[0] - 1):
        for c in range(4):
            seg[c] = new_xyzt[i, c]
            seg[4 + c] = new_xyzt[i + 1, c]
        pieces = segment_polygon_times(
            seg, ring_xy, ring_start, lower_m, upper_m, margin_h_m, margin_v_m
        )
        for p in range(pieces.shape[0]):
            for q in range(active_s.shape[0]):
                out, k = _push(out, k, active_s[q, 0] - pieces[p, 1], active_s[q, 1] - pieces[p, 0])
    return out[:k].copy()


@njit(cache=True)
def volume_route_intervals(
    cand_seg,
    cand_owner,
    ring_xy,
    ring_start,
    lower_m,
    upper_m,
    start_s,
    end_s,
    margin_h_m,
    margin_v_m,
):
    """Delays of a new area operation (window ``[start_s, end_s]`` + delay) that conflict
    with accepted route segments.

    Returns
    -------
    intervals : float64 (p, 2)
        Forbidden delay intervals (closed).
    owner : int64 (p,)
        Owner slot of the segment behind each interval.
    """
    out = np.empty((8, 2))
    owner = np.empty(8, dtype=np.int64)
    k = 0
    for j in range(cand_seg.shape[0]):
        pieces = segment_polygon_times(
            cand_seg[j], ring_xy, ring_start, lower_m, upper_m, margin_h_m, margin_v_m
        )
        for p in range(pieces.shape[0]):
            if k == owner.shape[0]:
                o2 = np.empty(2 * k, dtype=np.int64)
                o2[:k] = owner[:k]
                owner = o2
            out, k = _push(out, k, pieces[p, 0] - end_s, pieces[p, 1] - start_s)
            owner[k - 1] = cand_owner[j]
    return out[:k].copy(), owner[:k].copy()


# --------------------------------------------------------------------------- the sweep


@njit(cache=True)
def earliest_free_delay(lo, hi, earliest_s, latest_s, quantum_s):
    """The earliest delay on the grid ``earliest_s + k*quantum_s`` outside every closed interval.

    Parameters
    ----------
    lo, hi : float64 arrays
        Forbidden closed intervals (any order, may overlap).
    earliest_s, latest_s : float
        The window of acceptable delays.
    quantum_s : float
        Grid step; after an interval the next grid point strictly above its upper end is tried.

    Returns
    -------
    float
        The delay, or NaN when none is at most ``latest_s``.
    """
    order = np.argsort(lo, kind="mergesort")
    cur = earliest_s
    if cur > latest_s:
        return _NONE
    for idx in range(order.shape[0]):
        i = order[idx]
        if lo[i] > cur:
            break
        if hi[i] >= cur:
            if hi[i] >= latest_s:
                return _NONE
            kq = math.floor((hi[i] - earliest_s) / quantum_s) + 1.0
            cur = earliest_s + kq * quantum_s
            while cur <= hi[i]:
                kq += 1.0
                cur = earliest_s + kq * quantum_s
            if cur > latest_s:
                return _NONE
    return cur
