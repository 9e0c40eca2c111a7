"""numba kernel of the stepped slot search: index query, exact intervals and sweep in one call.

:func:`route_slot_search` is what :func:`planner.slot_search.stepped_route_slot` runs for a
route flight: it searches growing delay windows (see that module for why the answer is the
one-shot answer), each step querying the space-time index (:func:`index_query`) for the
accepted segments the flight could meet in the step, computing their forbidden intervals
(:func:`route_route_intervals_since` from no earlier window, over the *whole* window, so each
item is handled once) and sweeping (:func:`earliest_free_delay`). No Python between the steps.

Its slow twin in the tests is the composition of the Python-level pieces it fuses (index
query, interval kernel, sweep over the whole window), itself checked against brute force.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from planner.kernels.constants import FOUND_AREA
from planner.kernels.index import index_query, segment_boxes
from planner.kernels.route_route import route_route_intervals_since
from planner.kernels.sweep import earliest_free_delay


@njit(cache=True)
def route_slot_search(
    xyzt,
    grow_h_m,
    grow_v_m,
    earliest_s,
    latest_s,
    quantum_s,
    slack_s,
    first_window_s,
    growth,
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
    item_kind,
    item_seg,
    item_owner,
    stamp,
    stamp_value,
    priority,
    hard_from,
    excluded,
    fixed_lo,
    fixed_hi,
    fixed_owner,
    sep_h_m,
    sep_v_m,
):
    """The earliest free delay of a route flight, searching growing windows.

    Parameters
    ----------
    xyzt : float64 (n, 4)
        The new flight, undelayed.
    grow_h_m, grow_v_m : float
        The separation minima: the broad phase grows the flight's boxes by them.
    earliest_s, latest_s, quantum_s : float
        Window and grid of delays (as :func:`earliest_free_delay`).
    slack_s : float
        Rounding slack of the whole window (``TIME_ROUNDING_ULPS``): broad phase and
        intervals are widened by it, as in the one-shot search.
    first_window_s, growth : float
        Width of the first step, and the factor each next one is wider.
    cell_m ... stamp_value
        The index table (:class:`planner.index.SpaceTimeIndex`); ``stamp_value`` is fresh.
    priority : int64 array
        Priority per flight slot; flights with ``priority < hard_from`` do not block.
    excluded : int64 array
        Flight slots to ignore.
    fixed_lo, fixed_hi, fixed_owner : arrays
        Intervals known beforehand (zone blocks), already widened by ``slack_s``; hard.
    sep_h_m, sep_v_m : float
        Separation minima already shrunk by the margin.

    Returns
    -------
    delay : float
        NaN when no delay fits.
    lo, hi : float64 arrays
        Every interval found (widened by ``slack_s``): all that touch ``[earliest_s, delay]``,
        or the whole window when no delay fits.
    owner : int64 array
        Flight slot (or the fixed owner) behind each.
    hard : bool array
        Whether each blocks (soft ones belong to lower-priority flights).
    stats : int64 array of 5
        Candidates, segment pairs that pass the prefilter and reach the closed form,
        intervals, steps, flags (:data:`FOUND_AREA`).
    """
    _, base_boxes = segment_boxes(xyzt, grow_h_m, grow_v_m)
    nq = base_boxes.shape[0]
    full_min = earliest_s - slack_s
    full_max = latest_s + slack_s
    cap = max(64, 2 * fixed_lo.shape[0])
    lo = np.empty(cap)
    hi = np.empty(cap)
    owner = np.empty(cap, dtype=np.int64)
    hard = np.empty(cap, dtype=np.bool_)
    k = 0
    for i in range(fixed_lo.shape[0]):
        lo[k] = fixed_lo[i]
        hi[k] = fixed_hi[i]
        owner[k] = fixed_owner[i]
        hard[k] = True
        k += 1
    stats = np.zeros(5, dtype=np.int64)
    qboxes = np.empty((nq, 8))
    w_lo = earliest_s
    width = first_window_s
    finishing = False
    d = np.nan
    while True:
        stats[3] += 1
        w_hi = min(latest_s, w_lo + width)
        for j in range(nq):
            for c in range(6):
                qboxes[j, c] = base_boxes[j, c]
            qboxes[j, 6] = base_boxes[j, 6] + (w_lo - slack_s)
            qboxes[j, 7] = base_boxes[j, 7] + (w_hi + slack_s)
        items = index_query(
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
        )
        m = 0
        cand = np.empty((items.shape[0], 8))
        cand_owner = np.empty(items.shape[0], dtype=np.int64)
        for t in range(items.shape[0]):
            it = items[t]
            if item_kind[it] != 0:
                stats[4] |= FOUND_AREA
                continue
            o = item_owner[it]
            skip = False
            for x in range(excluded.shape[0]):
                if excluded[x] == o:
                    skip = True
            if skip:
                continue
            cand[m] = item_seg[it]
            cand_owner[m] = o
            m += 1
        stats[0] += items.shape[0]
        if stats[4] != 0:
            break
        if m > 0:
            ilo, ihi, iow, n_exact = route_route_intervals_since(
                xyzt, cand[:m], cand_owner[:m], full_min, -np.inf, full_max, sep_h_m, sep_v_m
            )
            stats[1] += n_exact
            need = k + ilo.shape[0]
            if need > cap:
                cap = max(2 * cap, need)
                lo2 = np.empty(cap)
                hi2 = np.empty(cap)
                ow2 = np.empty(cap, dtype=np.int64)
                hd2 = np.empty(cap, dtype=np.bool_)
                lo2[:k] = lo[:k]
                hi2[:k] = hi[:k]
                ow2[:k] = owner[:k]
                hd2[:k] = hard[:k]
                lo, hi, owner, hard = lo2, hi2, ow2, hd2
            for t in range(ilo.shape[0]):
                lo[k] = ilo[t] - slack_s
                hi[k] = ihi[t] + slack_s
                owner[k] = iow[t]
                hard[k] = priority[iow[t]] >= hard_from
                k += 1
        nh = 0
        for t in range(k):
            nh += hard[t]
        hlo = np.empty(nh)
        hhi = np.empty(nh)
        p = 0
        for t in range(k):
            if hard[t]:
                hlo[p] = lo[t]
                hhi[p] = hi[t]
                p += 1
        d = earliest_free_delay(hlo, hhi, earliest_s, latest_s, quantum_s)
        if finishing or w_hi >= latest_s or d <= w_hi:
            break
        w_lo = w_hi
        if d != d:
            # no slot: one last step over the rest of the window, so that every flight in
            # the way is named
            finishing = True
            width = latest_s - w_lo
        else:
            width = width * growth
    stats[2] = k
    return d, lo[:k].copy(), hi[:k].copy(), owner[:k].copy(), hard[:k].copy(), stats
