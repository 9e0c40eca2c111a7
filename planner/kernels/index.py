"""numba kernels of the space-time index: a hash of (cell x, cell y, time bucket, layer) keys.

The table lives in plain numpy arrays owned by :class:`planner.index.SpaceTimeIndex`:
open addressing with linear probing (``keys``/``heads``), and singly linked entry lists
(``entry_item``/``entry_next``) pointing at items (segments or area operations). Each item
has a bounding box ``xmin, xmax, ymin, ymax, zmin, zmax, tmin, tmax``. Removal marks items
dead; the Python side rebuilds the table when too many entries are dead. Keys include an
altitude layer (``layer_m`` thick): flights cruising at layers farther apart than the vertical
minimum never share a key, so a query walks only the traffic it could meet.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from planner.kernels.constants import KEY_MASK10 as _MASK10
from planner.kernels.constants import KEY_MASK16 as _MASK16
from planner.kernels.constants import KEY_MASK21 as _MASK21
from planner.kernels.constants import KEY_MIX as _MIX


@njit(cache=True)
def _key(cx, cy, tb, cz):
    """One non-negative int64 per (cell x, cell y, time bucket, altitude layer); distant
    cells may share a key (the bits wrap), which costs only time: queries check boxes."""
    return ((cx & _MASK16) << 47) | ((cy & _MASK16) << 31) | ((tb & _MASK21) << 10) | (cz & _MASK10)


@njit(cache=True)
def _slot(key, mask):
    h = key ^ (key >> 29)
    h = h * _MIX
    h = h ^ (h >> 32)
    return h & mask


@njit(cache=True)
def _ranges(box, cell_m, bucket_s, layer_m):
    return (
        math.floor(box[0] / cell_m),
        math.floor(box[1] / cell_m),
        math.floor(box[2] / cell_m),
        math.floor(box[3] / cell_m),
        math.floor(box[6] / bucket_s),
        math.floor(box[7] / bucket_s),
        math.floor(box[4] / layer_m),
        math.floor(box[5] / layer_m),
    )


@njit(cache=True)
def segment_boxes(xyzt, grow_h_m, grow_v_m):
    """Segments of a trajectory and their bounding boxes, grown by margins.

    Returns
    -------
    segs : float64 (n - 1, 8)
        ``x0, y0, z0, t0, x1, y1, z1, t1``.
    boxes : float64 (n - 1, 8)
        ``xmin, xmax, ymin, ymax, zmin, zmax, tmin, tmax``, x/y grown by ``grow_h_m`` and
        z by ``grow_v_m`` on each side.
    """
    n = xyzt.shape[0] - 1
    segs = np.empty((n, 8))
    boxes = np.empty((n, 8))
    for i in range(n):
        for c in range(4):
            segs[i, c] = xyzt[i, c]
            segs[i, 4 + c] = xyzt[i + 1, c]
        boxes[i, 0] = min(xyzt[i, 0], xyzt[i + 1, 0]) - grow_h_m
        boxes[i, 1] = max(xyzt[i, 0], xyzt[i + 1, 0]) + grow_h_m
        boxes[i, 2] = min(xyzt[i, 1], xyzt[i + 1, 1]) - grow_h_m
        boxes[i, 3] = max(xyzt[i, 1], xyzt[i + 1, 1]) + grow_h_m
        boxes[i, 4] = min(xyzt[i, 2], xyzt[i + 1, 2]) - grow_v_m
        boxes[i, 5] = max(xyzt[i, 2], xyzt[i + 1, 2]) + grow_v_m
        boxes[i, 6] = xyzt[i, 3]
        boxes[i, 7] = xyzt[i + 1, 3]
    return segs, boxes


@njit(cache=True)
def _probe(keys, key, mask):
    """The table slot holding ``key``, or the empty slot where it would go."""
    s = _slot(key, mask)
    while keys[s] != -1 and keys[s] != key:
        s = (s + 1) & mask
    return s


@njit(cache=True)
def index_key_count(boxes, cell_m, bucket_s, layer_m):
    """Number of (cell, bucket, layer) keys the boxes cover: the entries an insert will add."""
    total = 0
    for i in range(boxes.shape[0]):
        x0, x1, y0, y1, b0, b1, z0, z1 = _ranges(boxes[i], cell_m, bucket_s, layer_m)
        total += (x1 - x0 + 1) * (y1 - y0 + 1) * (b1 - b0 + 1) * (z1 - z0 + 1)
    return total


@njit(cache=True)
def outward_float32_row(box, t_origin_s, out):
    """``box`` (float64, 8 bounds, times counted from ``t_origin_s``) as float32 in ``out``,
    lower bounds rounded down and upper bounds up: never narrower than the box."""
    for c in range(8):
        v = box[c] - t_origin_s if c >= 6 else box[c]
        f = np.float32(v)
        if c % 2 == 0:
            if np.float64(f) > v:
                f = np.nextafter(f, np.float32(-np.inf))
        elif np.float64(f) < v:
            f = np.nextafter(f, np.float32(np.inf))
        out[c] = f


@njit(cache=True)
def index_insert(
    boxes,
    t_origin_s,
    item_ids,
    cell_m,
    bucket_s,
    layer_m,
    keys,
    heads,
    entry_item,
    entry_next,
    entry_box,
    counters,
):
    """Insert items under every key their box covers.

    Each entry keeps its box with times counted from ``t_origin_s``, rounded outwards to
    float32 (:func:`outward_float32_row`): half the bytes for a query to walk, and never
    narrower than the box. The caller guarantees room: ``entry_item`` has ``counters[0] +
    index_key_count(...)`` slots and the hash table stays at most half full (``counters[1]``
    keys in use).
    """
    mask = keys.shape[0] - 1
    box32 = np.empty(8, dtype=np.float32)
    for i in range(boxes.shape[0]):
        x0, x1, y0, y1, b0, b1, z0, z1 = _ranges(boxes[i], cell_m, bucket_s, layer_m)
        outward_float32_row(boxes[i], t_origin_s, box32)
        for cx in range(x0, x1 + 1):
            for cy in range(y0, y1 + 1):
                for tb in range(b0, b1 + 1):
                    for cz in range(z0, z1 + 1):
                        key = _key(cx, cy, tb, cz)
                        s = _probe(keys, key, mask)
                        if keys[s] == -1:
                            keys[s] = key
                            heads[s] = -1
                            counters[1] += 1
                        e = counters[0]
                        entry_item[e] = item_ids[i]
                        entry_box[e] = box32
                        entry_next[e] = heads[s]
                        heads[s] = e
                        counters[0] += 1


@njit(cache=True)
def index_query(
    qboxes,
    cell_m,
    bucket_s,
    layer_m,
    t_origin_s,
    keys,
    heads,
    entry_item,
    entry_next,
    entry_box,
    item_alive,
    stamp,
    stamp_value,
):
    """Alive items whose box overlaps one of the query boxes (each item once).

    Parameters
    ----------
    qboxes : float64 (q, 8)
        Query boxes ``xmin, xmax, ymin, ymax, zmin, zmax, tmin, tmax`` (already grown by
        the separation minima and the delay window).
    t_origin_s : float
        The time the entries' boxes count from (float32 keeps its precision near it).
    entry_box : float32 (e, 8)
        The box of each entry's item rounded outwards, kept with the entry so a walk reads
        memory in order; a box that only touches a query box after rounding costs a candidate
        more, never one less (the exact kernels test the float64 segments again).
    stamp : int64 array
        Per-item marks; items marked ``stamp_value`` are skipped (deduplication).

    Returns
    -------
    int64 array
        Item ids.
    """
    mask = keys.shape[0] - 1
    out = np.empty(64, dtype=np.int64)
    k = 0
    for i in range(qboxes.shape[0]):
        q = qboxes[i]
        x0, x1, y0, y1, b0, b1, z0, z1 = _ranges(q, cell_m, bucket_s, layer_m)
        qt0 = q[6] - t_origin_s
        qt1 = q[7] - t_origin_s
        for cx in range(x0, x1 + 1):
            for cy in range(y0, y1 + 1):
                for tb in range(b0, b1 + 1):
                    for cz in range(z0, z1 + 1):
                        s = _probe(keys, _key(cx, cy, tb, cz), mask)
                        e = heads[s] if keys[s] != -1 else -1
                        while e != -1:
                            bb = entry_box[e]
                            it = entry_item[e]
                            e = entry_next[e]
                            if bb[7] < qt0 or bb[6] > qt1 or bb[5] < q[4] or bb[4] > q[5]:
                                continue
                            if bb[1] < q[0] or bb[0] > q[1] or bb[3] < q[2] or bb[2] > q[3]:
                                continue
                            if stamp[it] == stamp_value or not item_alive[it]:
                                continue
                            stamp[it] = stamp_value
                            if k == out.shape[0]:
                                o2 = np.empty(2 * k, dtype=np.int64)
                                o2[:k] = out
                                out = o2
                            out[k] = it
                            k += 1
    return out[:k].copy()


@njit(cache=True)
def index_compact(
    keys, heads, entry_item, entry_next, entry_box, item_alive, new_item, new_next, new_box
):
    """Copy the alive entries key by key into ``new_*`` so each key's list is contiguous.

    The lists keep their order; ``heads`` is rewritten to point into the new arrays, and
    keys left without alive entries are kept with an empty list. Returns the entries written.
    """
    p = 0
    for s in range(keys.shape[0]):
        if keys[s] == -1:
            continue
        e = heads[s]
        heads[s] = -1
        last = -1
        while e != -1:
            it = entry_item[e]
            if item_alive[it]:
                new_item[p] = it
                new_box[p] = entry_box[e]
                new_next[p] = -1
                if last == -1:
                    heads[s] = p
                else:
                    new_next[last] = p
                last = p
                p += 1
            e = entry_next[e]
    return p
