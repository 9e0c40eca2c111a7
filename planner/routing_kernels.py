"""numba kernel of corridor routing: a time-dependent Dijkstra over the compiled (CSR) network.

A search state is (node, altitude slot). Leaving a node on edge ``e`` first climbs or descends
vertically at the node to the edge's layer, then flies the edge in ``travel_s[e]`` seconds; the
edge may not be used if the flight would be on it during one of its blocked intervals
(closed intervals, planner seconds). Waiting is not allowed: each label is the earliest arrival.
The Python side (:mod:`planner.routing`) builds the arrays and reads the predecessors back.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _heap_push(keys, vals, size, key, val):
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        p = (i - 1) // 2
        if keys[p] <= keys[i]:
            break
        keys[p], keys[i] = keys[i], keys[p]
        vals[p], vals[i] = vals[i], vals[p]
        i = p
    return size + 1


@njit(cache=True)
def _heap_pop(keys, vals, size):
    key = keys[0]
    val = vals[0]
    size -= 1
    keys[0] = keys[size]
    vals[0] = vals[size]
    i = 0
    while True:
        lft = 2 * i + 1
        if lft >= size:
            break
        c = lft
        if lft + 1 < size and keys[lft + 1] < keys[lft]:
            c = lft + 1
        if keys[i] <= keys[c]:
            break
        keys[c], keys[i] = keys[i], keys[c]
        vals[c], vals[i] = vals[i], vals[c]
        i = c
    return key, val, size


@njit(cache=True)
def td_dijkstra(
    indptr,
    head,
    travel_s,
    edge_slot,
    block_ptr,
    block_lo_s,
    block_hi_s,
    slot_alt_m,
    vertical_rate_mps,
    init_t_s,
    egress_s,
):
    """Earliest arrival over (node, slot) states with blocked edge intervals.

    Parameters
    ----------
    indptr, head : int64 arrays
        CSR adjacency: out-edges of node ``u`` are ``indptr[u]:indptr[u+1]``, edge ``e`` ends
        at ``head[e]``.
    travel_s : float64 array
        Time to fly each edge.
    edge_slot : int64 array
        Altitude slot each edge is flown at (-1: the edge cannot be used).
    block_ptr, block_lo_s, block_hi_s : arrays
        Blocked intervals of edge ``e``: ``block_lo_s[j], block_hi_s[j]`` for
        ``j in block_ptr[e]:block_ptr[e+1]``.
    slot_alt_m : float64 array
        Altitude of each slot.
    vertical_rate_mps : float
        Climb/descent rate for layer changes at nodes.
    init_t_s : float64 array, shape (n_nodes * n_slots,)
        Time the flight reaches each state from the origin (``inf``: not a start state).
    egress_s : float64 array, shape (n_nodes * n_slots,)
        Time from each state to the destination (``inf``: not an end state).

    Returns
    -------
    best_t_s, pred_edge, pred_state : arrays over states
        Earliest arrival, the edge and state it came from (-1 at start states).
    end_state : int
        The state minimising ``best_t_s + egress_s`` (-1 when the destination is unreachable).
    """
    n_slots = slot_alt_m.size
    n_states = init_t_s.size
    best = init_t_s.copy()
    pred_edge = np.full(n_states, -1, dtype=np.int64)
    pred_state = np.full(n_states, -1, dtype=np.int64)
    done = np.zeros(n_states, dtype=np.bool_)
    cap = n_states + head.size * n_slots + 1
    keys = np.empty(cap, dtype=np.float64)
    vals = np.empty(cap, dtype=np.int64)
    size = 0
    best_end = np.inf
    end_state = -1
    for s in range(n_states):
        if best[s] < np.inf:
            size = _heap_push(keys, vals, size, best[s], s)
            if best[s] + egress_s[s] < best_end:
                best_end = best[s] + egress_s[s]
                end_state = s
    while size > 0:
        t, s, size = _heap_pop(keys, vals, size)
        if done[s] or t > best[s]:
            continue
        if t >= best_end:
            break
        done[s] = True
        u = s // n_slots
        alt = slot_alt_m[s % n_slots]
        for e in range(indptr[u], indptr[u + 1]):
            k = edge_slot[e]
            if k < 0:
                continue
            t_dep = t + abs(slot_alt_m[k] - alt) / vertical_rate_mps
            t_arr = t_dep + travel_s[e]
            blocked = False
            for j in range(block_ptr[e], block_ptr[e + 1]):
                if block_lo_s[j] <= t_arr and block_hi_s[j] >= t_dep:
                    blocked = True
                    break
            if blocked:
                continue
            s2 = head[e] * n_slots + k
            if t_arr < best[s2] and not done[s2]:
                best[s2] = t_arr
                pred_edge[s2] = e
                pred_state[s2] = s
                size = _heap_push(keys, vals, size, t_arr, s2)
                if t_arr + egress_s[s2] < best_end:
                    best_end = t_arr + egress_s[s2]
                    end_state = s2
    return best, pred_edge, pred_state, end_state
