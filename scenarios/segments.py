"""The numeric pieces of the final safety check (:mod:`scenarios.safety`): 4D route segments
in metres, cut at time buckets, paired by a space-time grid, and their exact closest approach.
Plain numpy, sharing nothing with the planner's kernels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from shapely.geometry import LineString, Point

from airspace.projection import Projection

if TYPE_CHECKING:
    from scenarios.safety_volumes import RouteVolume

ROUNDING_M = 1e-6
"""Floating-point allowance on the separation minima (a micrometre)."""


def segments(
    routes: Sequence[RouteVolume], projection: Projection
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All segments as ``(n, 8)`` rows ``x0 y0 z0 t0 x1 y1 z1 t1`` in metres, their flight
    index and their position in the flight."""
    if not routes:
        return np.empty((0, 8)), np.empty(0, np.int64), np.empty(0, np.int64)
    rows = [np.asarray(r.trajectory, dtype=np.float64).reshape(-1, 4) for r in routes]
    pts = np.concatenate(rows)
    x, y = projection.to_xy(pts[:, 0], pts[:, 1])
    xyzt = np.column_stack([x, y, pts[:, 2], pts[:, 3]])
    segs, owner, order = [], [], []
    at = 0
    for i, r in enumerate(rows):
        n = len(r)
        if n >= 2:
            p = xyzt[at : at + n]
            segs.append(np.hstack([p[:-1], p[1:]]))
            owner.append(np.full(n - 1, i, np.int64))
            order.append(np.arange(n - 1))
        elif n == 1:
            segs.append(np.hstack([xyzt[at : at + 1], xyzt[at : at + 1]]))
            owner.append(np.array([i], np.int64))
            order.append(np.zeros(1, np.int64))
        at += n
    return np.concatenate(segs), np.concatenate(owner), np.concatenate(order)


def split_at_buckets(
    segs: np.ndarray, owner: np.ndarray, bucket_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cut segments at multiples of ``bucket_s`` (exact linear interpolation)."""
    t0, t1 = segs[:, 3], segs[:, 7]
    k0 = np.floor(t0 / bucket_s)
    k1 = np.ceil(t1 / bucket_s)
    pieces = np.maximum(k1 - k0, 1).astype(np.int64)
    idx = np.repeat(np.arange(len(segs)), pieces)
    j = np.arange(len(idx)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    s = segs[idx]
    ta = np.maximum(s[:, 3], (k0[idx] + j) * bucket_s)
    tb = np.minimum(s[:, 7], (k0[idx] + j + 1) * bucket_s)
    dur = s[:, 7] - s[:, 3]
    with np.errstate(invalid="ignore", divide="ignore"):
        fa = np.where(dur > 0, (ta - s[:, 3]) / dur, 0.0)
        fb = np.where(dur > 0, (tb - s[:, 3]) / dur, 1.0)
    p0, p1 = s[:, 0:3], s[:, 4:7]
    a = p0 + fa[:, None] * (p1 - p0)
    b = p0 + fb[:, None] * (p1 - p0)
    out = np.column_stack([a, np.where(dur > 0, ta, s[:, 3]), b, np.where(dur > 0, tb, s[:, 7])])
    return out, owner[idx]


def candidate_pairs(boxes: np.ndarray, cell_m: float, bucket_s: float) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of boxes ``xmin xmax ymin ymax tmin tmax`` sharing a grid
    cell and a time bucket (boxes must already be grown by half the horizontal minimum)."""
    n = len(boxes)
    if n < 2:
        return np.empty((0, 2), np.int64)
    gx0 = np.floor(boxes[:, 0] / cell_m).astype(np.int64)
    gx1 = np.floor(boxes[:, 1] / cell_m).astype(np.int64)
    gy0 = np.floor(boxes[:, 2] / cell_m).astype(np.int64)
    gy1 = np.floor(boxes[:, 3] / cell_m).astype(np.int64)
    b0 = np.floor(boxes[:, 4] / bucket_s).astype(np.int64)
    b1 = np.floor(boxes[:, 5] / bucket_s).astype(np.int64)
    nx, ny, nb = gx1 - gx0 + 1, gy1 - gy0 + 1, b1 - b0 + 1
    counts = nx * ny * nb
    elem = np.repeat(np.arange(n), counts)
    k = np.arange(len(elem)) - np.repeat(np.cumsum(counts) - counts, counts)
    nxe, nye = nx[elem], ny[elem]
    ix = gx0[elem] + k % nxe - gx0.min()
    iy = gy0[elem] + (k // nxe) % nye - gy0.min()
    ib = b0[elem] + k // (nxe * nye) - b0.min()
    span_x = int(ix.max()) + 1
    span_y = int(iy.max()) + 1
    key = (ib * span_y + iy) * span_x + ix
    order = np.lexsort((elem, key))
    key, elem = key[order], elem[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    grp_end = np.repeat(starts + sizes, sizes)
    cnt = grp_end - np.arange(len(key)) - 1
    a = np.repeat(np.arange(len(key)), cnt)
    off = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt) + 1
    i, j = elem[a], elem[a + off]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    # sorted distinct keys: np.unique's hashing is some 25x slower than a sort on millions
    pair_key = np.sort(lo * n + hi)
    if pair_key.size:
        pair_key = pair_key[np.concatenate(([True], pair_key[1:] != pair_key[:-1]))]
    return np.column_stack([pair_key // n, pair_key % n])


def closest_approach(
    a: np.ndarray, b: np.ndarray, sep_h_m: float, sep_v_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exact conflict test for pairs of linear 4D segments.

    Parameters
    ----------
    a, b : ndarray, shape (n, 8)
        Segment rows ``x0 y0 z0 t0 x1 y1 z1 t1`` (metres, seconds).
    sep_h_m, sep_v_m : float
        Separation minima; a conflict needs horizontal < ``sep_h_m`` and vertical < ``sep_v_m``
        at the same instant (less :data:`ROUNDING_M`).

    Returns
    -------
    conflict : ndarray of bool
    t_s : ndarray
        The instant of closest horizontal approach while vertically too close (NaN if never).
    horizontal_m, vertical_m : ndarray
        Distances at that instant.

    Examples
    --------
    >>> a = np.array([[0, 0, 50, 0, 1000, 0, 50, 100.0]])
    >>> b = np.array([[1000, 30, 60, 0, 0, 30, 60, 100.0]])
    >>> c, t, h, v = closest_approach(a, b, 50.0, 20.0)
    >>> bool(c[0]), float(t[0]), float(h[0]), float(v[0])
    (True, 50.0, 30.0, 10.0)
    """
    # Distances within ROUNDING_M of a minimum count as separated: the minima are strict, and
    # a plan that exactly touches them must not fail on floating-point noise.
    sep_h_m = sep_h_m - ROUNDING_M
    sep_v_m = sep_v_m - ROUNDING_M
    lo = np.maximum(a[:, 3], b[:, 3])
    hi = np.minimum(a[:, 7], b[:, 7])

    def state(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dur = s[:, 7] - s[:, 3]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            vel = np.where(dur[:, None] > 0, (s[:, 4:7] - s[:, 0:3]) / dur[:, None], 0.0)
        pos_lo = s[:, 0:3] + vel * (lo - s[:, 3])[:, None]
        return pos_lo, vel

    pa, va = state(a)
    pb, vb = state(b)
    d0 = pa - pb
    v = va - vb
    span = hi - lo
    dz0, vz = d0[:, 2], v[:, 2]
    # Instants (relative to lo) where |dz| < sep_v: an open interval (or everything / nothing).
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        r1 = (-sep_v_m - dz0) / vz
        r2 = (sep_v_m - dz0) / vz
    moving = vz != 0
    zlo = np.where(moving, np.minimum(r1, r2), np.where(np.abs(dz0) < sep_v_m, -np.inf, np.inf))
    zhi = np.where(moving, np.maximum(r1, r2), np.where(np.abs(dz0) < sep_v_m, np.inf, -np.inf))
    ta = np.maximum(zlo, 0.0)
    tb = np.minimum(zhi, span)
    with np.errstate(invalid="ignore"):
        feasible = (span >= 0) & ((tb > ta) | ((tb == ta) & (np.abs(dz0 + vz * ta) < sep_v_m)))
    dxy0, vxy = d0[:, :2], v[:, :2]
    vv = np.einsum("ij,ij->i", vxy, vxy)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(vv > 0, -np.einsum("ij,ij->i", dxy0, vxy) / vv, 0.0)
    tau = np.clip(tau, ta, np.where(tb >= ta, tb, ta))
    tau = np.where(feasible, tau, 0.0)
    dxy = dxy0 + vxy * tau[:, None]
    h = np.hypot(dxy[:, 0], dxy[:, 1])
    vz_at = np.abs(dz0 + vz * tau)
    conflict = feasible & (h < sep_h_m)
    t = np.where(feasible, lo + tau, np.nan)
    return conflict, t, h, vz_at


# --- areas ----------------------------------------------------------------------------------


def clip(seg: np.ndarray, t_from: float, t_to: float) -> np.ndarray:
    """The part of a linear segment between two instants inside its time window."""
    dur = seg[7] - seg[3]
    if dur <= 0:
        return seg.copy()

    def at(t: float) -> np.ndarray:
        return seg[0:3] + (t - seg[3]) / dur * (seg[4:7] - seg[0:3])

    return np.concatenate([at(t_from), [t_from], at(t_to), [t_to]])


def xy_geometry(seg: np.ndarray) -> Point | LineString:
    """The horizontal trace of a segment: a point if it does not move horizontally."""
    if seg[0] == seg[4] and seg[1] == seg[5]:
        return Point(seg[0], seg[1])
    return LineString([seg[0:2], seg[4:6]])


def z_window(seg: np.ndarray, z_lo: float, z_hi: float) -> tuple[float, float] | None:
    """Instants of ``seg`` (absolute seconds) where z lies strictly inside ``(z_lo, z_hi)``."""
    t0, t1 = seg[3], seg[7]
    z0, z1 = seg[2], seg[6]
    if t1 <= t0 or z0 == z1:
        return (t0, t1) if z_lo < z0 < z_hi else None
    rate = (z1 - z0) / (t1 - t0)
    ra = t0 + (z_lo - z0) / rate if math.isfinite(z_lo) else -math.copysign(math.inf, rate)
    rb = t0 + (z_hi - z0) / rate if math.isfinite(z_hi) else math.copysign(math.inf, rate)
    a, b = max(t0, min(ra, rb)), min(t1, max(ra, rb))
    return (a, b) if a < b else None
