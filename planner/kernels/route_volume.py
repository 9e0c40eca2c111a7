"""Segment against polygon volume: the times a segment is inside a zone volume or an area
operation (with margins), and the forbidden delays of a route against volumes and of a volume
against routes (see :mod:`planner.kernels`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from planner.kernels.constants import NO_DELAY as _NONE
from planner.kernels.route_route import _quadratic_roots, _velocity

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
