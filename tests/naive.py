"""Slow, obviously-correct twins of the planner kernels, in plain Python and numpy.

- :func:`segments_conflict` — exact check of two linear segments at a given delay: the
  common time window, the (open) times the vertical gap is < S_v (a linear inequality)
  and the (open) times the horizontal distance is < S_h (a quadratic), intersected.
- :func:`trajectories_conflict` — that check over every segment pair of two piecewise-linear
  trajectories (the independent checker of approved slots).
- :func:`pair_delay_interval` — the forbidden delays of a segment pair by dense scanning of
  the delay axis and bisection of the ends.
- :func:`route_route_intervals_unfiltered` — every segment pair of two routes, no broad phase.
- :func:`earliest_delay_bruteforce` — try every delay on the grid in order.
- :func:`sampled_*` — dense time-sampling checks for zones and area operations (shapely).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point


def _open_linear(p: float, v: float, bound: float) -> tuple[float, float] | None:
    """Open set of t where |p + v t| < bound, as (lo, hi) (may be infinite) or None."""
    if v == 0.0:
        return (-math.inf, math.inf) if abs(p) < bound else None
    t1 = (-bound - p) / v
    t2 = (bound - p) / v
    return (min(t1, t2), max(t1, t2))


def _open_quadratic(
    px: float, py: float, vx: float, vy: float, bound: float
) -> tuple[float, float] | None:
    """Open set of t where |(px, py) + (vx, vy) t| < bound."""
    a = vx * vx + vy * vy
    c = px * px + py * py - bound * bound
    if a == 0.0:
        return (-math.inf, math.inf) if c < 0 else None
    b = 2.0 * (px * vx + py * vy)
    disc = b * b - 4 * a * c
    if disc <= 0:
        return None
    s = math.sqrt(disc)
    return ((-b - s) / (2 * a), (-b + s) / (2 * a))


def _velocity(seg: np.ndarray) -> tuple[float, float, float]:
    dt = seg[7] - seg[3]
    if dt <= 0:
        return 0.0, 0.0, 0.0
    return (seg[4] - seg[0]) / dt, (seg[5] - seg[1]) / dt, (seg[6] - seg[2]) / dt


def segments_conflict(
    a: np.ndarray, b: np.ndarray, delay_s: float, sep_h_m: float, sep_v_m: float
) -> bool:
    """Whether segment ``a`` delayed by ``delay_s`` and segment ``b`` are ever closer than
    ``sep_h_m`` horizontally and ``sep_v_m`` vertically at the same instant (strict)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    ta0, ta1 = a[3] + delay_s, a[7] + delay_s
    w0, w1 = max(ta0, b[3]), min(ta1, b[7])
    if w0 > w1:
        return False
    va = _velocity(a)
    vb = _velocity(b)
    # relative position at time t: (a0 + va (t - ta0)) - (b0 + vb (t - tb0)) = p + v t
    p = [a[i] - va[i] * ta0 - b[i] + vb[i] * b[3] for i in range(3)]
    v = [va[i] - vb[i] for i in range(3)]
    vert = _open_linear(p[2], v[2], sep_v_m)
    hor = _open_quadratic(p[0], p[1], v[0], v[1], sep_h_m)
    if vert is None or hor is None:
        return False
    lo = max(vert[0], hor[0])
    hi = min(vert[1], hor[1])
    if not lo < hi:
        return False
    return w0 < hi and w1 > lo


def trajectories_conflict(
    xyzt_a: np.ndarray, xyzt_b: np.ndarray, sep_h_m: float, sep_v_m: float
) -> bool:
    """Exact pairwise check of two piecewise-linear trajectories (rows x, y, z, t)."""
    for i in range(len(xyzt_a) - 1):
        a = np.concatenate([xyzt_a[i], xyzt_a[i + 1]])
        for j in range(len(xyzt_b) - 1):
            b = np.concatenate([xyzt_b[j], xyzt_b[j + 1]])
            if segments_conflict(a, b, 0.0, sep_h_m, sep_v_m):
                return True
    return False


def pair_delay_interval(
    a: np.ndarray, b: np.ndarray, sep_h_m: float, sep_v_m: float, n: int = 4001
) -> tuple[float, float] | None:
    """Forbidden delays of a segment pair: dense scan of the delay axis, then bisection.

    Relies only on the set being an interval (each delay is checked exactly by
    :func:`segments_conflict`). Returns None when no scanned delay conflicts.
    """
    d_min = b[3] - a[7]
    d_max = b[7] - a[3]
    grid = np.linspace(d_min, d_max, n)
    hits = [segments_conflict(a, b, d, sep_h_m, sep_v_m) for d in grid]
    if not any(hits):
        return None
    first = hits.index(True)
    last = n - 1 - hits[::-1].index(True)

    def bisect(inside: float, outside: float) -> float:
        for _ in range(60):
            mid = 0.5 * (inside + outside)
            if segments_conflict(a, b, mid, sep_h_m, sep_v_m):
                inside = mid
            else:
                outside = mid
        return 0.5 * (inside + outside)

    lo = grid[first] if first == 0 else bisect(grid[first], grid[first - 1])
    hi = grid[last] if last == n - 1 else bisect(grid[last], grid[last + 1])
    return lo, hi


def route_route_intervals_unfiltered(
    new_xyzt: np.ndarray,
    cand_seg: np.ndarray,
    cand_owner: np.ndarray,
    sep_h_m: float,
    sep_v_m: float,
    pair_interval,
) -> list[tuple[int, int, float, float, int]]:
    """Every (new segment, candidate) pair through ``pair_interval``, no prefilter at all.

    ``pair_interval(a, b, sep_h_m, sep_v_m)`` returns ``(lo, hi)`` or None (pass the kernel's
    closed form to compare prefilters, or :func:`pair_delay_interval`). Returns
    ``(i, j, lo, hi, owner)`` in the kernel's order: new segment outer, candidate inner.
    """
    out = []
    for i in range(new_xyzt.shape[0] - 1):
        a = np.concatenate([new_xyzt[i], new_xyzt[i + 1]])
        for j in range(cand_seg.shape[0]):
            iv = pair_interval(a, cand_seg[j], sep_h_m, sep_v_m)
            if iv is not None:
                out.append((i, j, iv[0], iv[1], int(cand_owner[j])))
    return out


def earliest_delay_bruteforce(
    xyzt: np.ndarray,
    accepted: list[np.ndarray],
    earliest_s: float,
    latest_s: float,
    quantum_s: float,
    sep_h_m: float,
    sep_v_m: float,
) -> float | None:
    """The first delay ``earliest + k*quantum`` whose shifted flight conflicts with nobody."""
    k = 0
    while True:
        d = earliest_s + k * quantum_s
        if d > latest_s:
            return None
        shifted = xyzt.copy()
        shifted[:, 3] += d
        if not any(trajectories_conflict(shifted, other, sep_h_m, sep_v_m) for other in accepted):
            return d
        k += 1


def _positions(xyzt: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Positions (x, y, z) at times ``t`` (NaN outside the trajectory)."""
    out = np.column_stack([np.interp(t, xyzt[:, 3], xyzt[:, c]) for c in range(3)])
    out[(t < xyzt[0, 3]) | (t > xyzt[-1, 3])] = np.nan
    return out


def sampled_in_volume(
    xyzt: np.ndarray,
    polygon_xy,
    lower_m: float,
    upper_m: float,
    active_s: np.ndarray,
    step_s: float,
) -> bool:
    """Dense time sampling: is the trajectory ever inside the polygon and band while active?"""
    t = np.arange(xyzt[0, 3], xyzt[-1, 3] + step_s, step_s)
    t = np.clip(t, xyzt[0, 3], xyzt[-1, 3])
    p = _positions(xyzt, t)
    active = np.zeros(len(t), dtype=bool)
    for s, e in np.asarray(active_s).reshape(-1, 2):
        active |= (t >= s) & (t <= e)
    inband = (p[:, 2] >= lower_m) & (p[:, 2] <= upper_m)
    idx = np.flatnonzero(active & inband)
    if not len(idx):
        return False
    return bool(np.any(shapely.covers(polygon_xy, shapely.points(p[idx, 0], p[idx, 1]))))


def sampled_near_area(
    xyzt: np.ndarray,
    polygon_xy,
    lower_m: float,
    upper_m: float,
    start_s: float,
    end_s: float,
    sep_h_m: float,
    sep_v_m: float,
    step_s: float,
) -> bool:
    """Dense time sampling: does the trajectory come within the minima of an area operation?"""
    t0 = max(xyzt[0, 3], start_s)
    t1 = min(xyzt[-1, 3], end_s)
    if t0 > t1:
        return False
    t = np.append(np.arange(t0, t1, step_s), t1)
    p = _positions(xyzt, t)
    vert = np.maximum(np.maximum(lower_m - p[:, 2], p[:, 2] - upper_m), 0.0) < sep_v_m
    idx = np.flatnonzero(vert)
    if not len(idx):
        return False
    d = shapely.distance(polygon_xy, shapely.points(p[idx, 0], p[idx, 1]))
    return bool(np.any(d < sep_h_m))


def point_in_polygon(polygon_xy, x: float, y: float) -> bool:
    return bool(polygon_xy.covers(Point(x, y)))
