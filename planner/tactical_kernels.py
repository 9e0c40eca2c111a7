"""numba kernels of tactical conflict detection: straight-line state prediction on a grid.

Every kernel takes contiguous float64 arrays (and a bool validity mask) and scalars; the
Python face people call is :mod:`planner.tactical`. The slow twin, in exact rational
arithmetic, is ``tests/naive_tactical.py``.

The maths, for one pair of tracks with relative position ``(dx, dy, dz)`` and relative
velocity ``(wx, wy, wz)`` (track ``j`` minus track ``i``), predicted in straight lines over
the look-ahead ``[0, T]``:

- vertical: ``|dz + wz t| < S_v`` holds on one open interval of ``t`` (all ``t`` when
  ``wz == 0`` and ``|dz| < S_v``, none when ``wz == 0`` and ``|dz| >= S_v``);
- horizontal: ``|d + w t|^2 - S_h^2 = a t^2 + 2 b t + c < 0`` with ``a = |w|^2``,
  ``b = d.w``, ``c = |d|^2 - S_h^2`` holds on the open interval between the roots when the
  reduced discriminant ``b^2 - a c`` is positive (all ``t`` when ``a == 0`` and ``c < 0``);
- loss of separation is predicted when the two open intervals and ``[0, T]`` share a point:
  with ``lo`` the largest lower end and ``hi`` the smallest upper end, exactly when
  ``lo < hi``; the time to loss of separation is ``lo`` (0 when already lost).

Closest approach is horizontal, as in BlueSky and ACAS: the ``t`` in ``[0, T]`` nearest to
``-b / a``; when the horizontal distance does not change (``a == 0``) it is the vertical
closest approach instead; the horizontal and vertical distances are taken at that instant.

No time stepping: the decisions are closed forms. With coordinates on a binary grid (such
as multiples of 1/8 m and 1/16 m/s within a city) the discriminant is computed exactly, so
tangent encounters (closest approach exactly ``S_h``), layers exactly ``S_v`` apart and
parallel or relatively motionless tracks are decided exactly as the strict ``<`` says;
only an entry time of one condition that coincides with an exit time of the other to
within rounding can go either way.

Broad phase (the only approximation, and a conservative one): each track's box swept over
``[0, T]``, widened by ``S_h / 2`` (plus :data:`BROAD_SLACK_M`), is entered into every cell
of a uniform grid it covers; cells are identified by an int64 key and grouped by sorting,
so memory is O(entries), not O(area). Two tracks can only lose separation if their boxes
overlap; a pair is examined once, in the cell holding the lower-left corner of the
overlap, and within a cell only pairs whose boxes overlap in ``x`` are visited (entries
are sorted by their box's left edge). A track covering more than ``max_cells`` cells (a fast aircraft, a long look-ahead)
is not entered but checked against every other track, which keeps memory O(N).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

BROAD_SLACK_M = 1e-3
"""Swept boxes are widened by this much beyond ``S_h / 2`` and ``S_v / 2`` (metres), so that
rounding in ``x + vx * T`` can never keep a pair from the exact test."""

_INF = math.inf


@njit(cache=True)
def pair_conflict(dx, dy, dz, wx, wy, wz, sep_h_m, sep_v_m, lookahead_s):
    """Predicted loss of separation of one pair: ``(lost, t_los, t_cpa, h_cpa, v_cpa)``.

    ``(dx, dy, dz)`` and ``(wx, wy, wz)`` are the relative position (m) and velocity (m/s)
    of the second track seen from the first. ``lost`` is whether horizontal ``< sep_h_m`` and
    vertical ``< sep_v_m`` hold together at some instant of ``[0, lookahead_s]``;
    ``t_los`` is the first such instant (NaN when none); ``t_cpa`` the closest approach in
    the look-ahead with the horizontal and vertical distances there.
    """
    # closest approach (reported for every pair examined)
    a = wx * wx + wy * wy
    b = dx * wx + dy * wy
    if a > 0.0:
        t_cpa = -b / a
    elif wz != 0.0:
        t_cpa = -dz / wz
    else:
        t_cpa = 0.0
    t_cpa = min(max(t_cpa, 0.0), lookahead_s)
    h_cpa = math.hypot(dx + wx * t_cpa, dy + wy * t_cpa)
    v_cpa = abs(dz + wz * t_cpa)

    # vertical: open interval where |dz + wz t| < S_v, clipped to [0, T]
    if wz == 0.0:
        if not abs(dz) < sep_v_m:
            return False, np.nan, t_cpa, h_cpa, v_cpa
        lo = 0.0
        hi = lookahead_s
    else:
        t1 = (-sep_v_m - dz) / wz
        t2 = (sep_v_m - dz) / wz
        lo = max(min(t1, t2), 0.0)
        hi = min(max(t1, t2), lookahead_s)
    if not lo < hi:
        return False, np.nan, t_cpa, h_cpa, v_cpa

    # horizontal: open interval between the roots of a t^2 + 2 b t + c
    c = dx * dx + dy * dy - sep_h_m * sep_h_m
    if a == 0.0:
        if not c < 0.0:
            return False, np.nan, t_cpa, h_cpa, v_cpa
    else:
        disc = b * b - a * c
        if not disc > 0.0:
            return False, np.nan, t_cpa, h_cpa, v_cpa
        # stable roots: q = -(b + sign(b) sqrt(disc)) is never 0 here; roots q / a and c / q
        sq = math.sqrt(disc)
        q = -(b + sq) if b >= 0.0 else -(b - sq)
        r1 = q / a
        r2 = c / q
        lo = max(lo, min(r1, r2))
        hi = min(hi, max(r1, r2))
    if not lo < hi:
        return False, np.nan, t_cpa, h_cpa, v_cpa
    return True, lo, t_cpa, h_cpa, v_cpa


@njit(cache=True)
def _grow(buf, n):
    out = np.empty((2 * buf.shape[0],) + buf.shape[1:], buf.dtype)
    out[:n] = buf[:n]
    return out


@njit(cache=True)
def _overlap(i, j, box):
    """Whether the swept boxes (rows ``x0, x1, y0, y1, z0, z1`` of ``box``) of i and j overlap."""
    for lo, hi in ((0, 1), (2, 3), (4, 5)):
        if box[i, hi] <= box[j, lo] or box[j, hi] <= box[i, lo]:
            return False
    return True


@njit(cache=True)
def _examine(i, j, state, sep_h_m, sep_v_m, lookahead_s, out_ij, out_f, m):
    """Exact test of pair ``i < j`` (rows ``x, y, z, vx, vy, vz`` of ``state``); a conflict is
    appended to the output buffers, which are returned (grown when full) with the new count."""
    lost, t_los, t_cpa, h_cpa, v_cpa = pair_conflict(
        state[j, 0] - state[i, 0],
        state[j, 1] - state[i, 1],
        state[j, 2] - state[i, 2],
        state[j, 3] - state[i, 3],
        state[j, 4] - state[i, 4],
        state[j, 5] - state[i, 5],
        sep_h_m,
        sep_v_m,
        lookahead_s,
    )
    if lost:
        if m == out_ij.shape[0]:
            out_ij = _grow(out_ij, m)
            out_f = _grow(out_f, m)
        out_ij[m, 0] = i
        out_ij[m, 1] = j
        out_f[m, 0] = t_los
        out_f[m, 1] = t_cpa
        out_f[m, 2] = h_cpa
        out_f[m, 3] = v_cpa
        m += 1
    return out_ij, out_f, m


@njit(cache=True)
def detect_conflicts(state, valid, sep_h_m, sep_v_m, lookahead_s, cell_m, max_cells):
    """Every pair of valid tracks predicted to lose separation within the look-ahead.

    ``state`` is an ``(N, 6)`` float64 array of rows ``x, y, z`` (m), ``vx, vy, vz`` (m/s);
    ``valid`` (bool, N) masks out the rest. ``cell_m`` is the grid's cell size and
    ``max_cells`` the largest number of cells one track is entered into. Returns
    ``(pairs, values)``: an ``(M, 2)`` int64 array of conflicting pairs ``i < j`` in no
    particular order, and an ``(M, 4)`` array of ``t_los, t_cpa, h_cpa, v_cpa``.
    """
    n = state.shape[0]
    half = (
        0.5 * sep_h_m + BROAD_SLACK_M,
        0.5 * sep_h_m + BROAD_SLACK_M,
        0.5 * sep_v_m + BROAD_SLACK_M,
    )
    box = np.empty((n, 6))
    xmin = _INF
    ymin = _INF
    for i in range(n):
        if not valid[i]:
            continue
        for d in range(3):
            p0 = state[i, d]
            p1 = p0 + state[i, 3 + d] * lookahead_s
            box[i, 2 * d] = min(p0, p1) - half[d]
            box[i, 2 * d + 1] = max(p0, p1) + half[d]
        xmin = min(xmin, box[i, 0])
        ymin = min(ymin, box[i, 2])

    # cell ranges (columns cx0, cx1, cy0, cy1); oversized tracks are checked against
    # everyone instead of being entered
    cell = np.zeros((n, 4), np.int64)
    oversized = np.zeros(n, np.bool_)
    n_entries = 0
    ny = np.int64(1)
    for i in range(n):
        if not valid[i]:
            continue
        cell[i, 0] = np.int64(math.floor((box[i, 0] - xmin) / cell_m))
        cell[i, 1] = np.int64(math.floor((box[i, 1] - xmin) / cell_m))
        cell[i, 2] = np.int64(math.floor((box[i, 2] - ymin) / cell_m))
        cell[i, 3] = np.int64(math.floor((box[i, 3] - ymin) / cell_m))
        cells = (cell[i, 1] - cell[i, 0] + 1) * (cell[i, 3] - cell[i, 2] + 1)
        if cells > max_cells:
            oversized[i] = True
        else:
            n_entries += cells
            ny = max(ny, cell[i, 3] + 1)

    keys = np.empty(n_entries, np.int64)
    owner = np.empty(n_entries, np.int64)
    k = 0
    for i in range(n):
        if not valid[i] or oversized[i]:
            continue
        for cx in range(cell[i, 0], cell[i, 1] + 1):
            for cy in range(cell[i, 2], cell[i, 3] + 1):
                keys[k] = cx * ny + cy
                owner[k] = i
                k += 1
    # grouped by cell, each cell's entries by the left edge of their box (sweep and prune)
    by_x = np.argsort(box[owner, 0])
    keys = keys[by_x]
    owner = owner[by_x]
    order = np.argsort(keys, kind="mergesort")
    keys = keys[order]
    owner = owner[order]

    out_ij = np.empty((max(16, n), 2), np.int64)
    out_f = np.empty((max(16, n), 4))
    m = 0
    s = 0
    while s < n_entries:
        e = s + 1
        while e < n_entries and keys[e] == keys[s]:
            e += 1
        cell_x = keys[s] // ny
        cell_y = keys[s] - cell_x * ny
        for p in range(s, e):
            right = box[owner[p], 1]
            for q in range(p + 1, e):
                if box[owner[q], 0] >= right:
                    break  # this and the later boxes start right of p's box
                i = min(owner[p], owner[q])
                j = max(owner[p], owner[q])
                # examined once: in the cell holding the lower-left corner of the overlap
                if max(cell[i, 0], cell[j, 0]) != cell_x or max(cell[i, 2], cell[j, 2]) != cell_y:
                    continue
                if _overlap(i, j, box):
                    out_ij, out_f, m = _examine(
                        i, j, state, sep_h_m, sep_v_m, lookahead_s, out_ij, out_f, m
                    )
        s = e

    for a in range(n):
        if not oversized[a]:
            continue
        for b in range(n):
            if b == a or not valid[b] or (oversized[b] and b < a):
                continue
            i = min(a, b)
            j = max(a, b)
            if _overlap(i, j, box):
                out_ij, out_f, m = _examine(
                    i, j, state, sep_h_m, sep_v_m, lookahead_s, out_ij, out_f, m
                )
    return out_ij[:m].copy(), out_f[:m].copy()
