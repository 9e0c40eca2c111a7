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


@njit(cache=True)
def _pair_push(keys, order, vals, size, key, tick, val):
    """Push on a min-heap ordered by ``(key, tick)`` (ticks are unique: a total order)."""
    i = size
    keys[i] = key
    order[i] = tick
    vals[i] = val
    while i > 0:
        p = (i - 1) // 2
        if keys[p] < keys[i] or (keys[p] == keys[i] and order[p] < order[i]):
            break
        keys[p], keys[i] = keys[i], keys[p]
        order[p], order[i] = order[i], order[p]
        vals[p], vals[i] = vals[i], vals[p]
        i = p
    return size + 1


@njit(cache=True)
def _pair_pop(keys, order, vals, size):
    key = keys[0]
    val = vals[0]
    size -= 1
    keys[0] = keys[size]
    order[0] = order[size]
    vals[0] = vals[size]
    i = 0
    while True:
        lft = 2 * i + 1
        if lft >= size:
            break
        c = lft
        r = lft + 1
        if r < size and (keys[r] < keys[lft] or (keys[r] == keys[lft] and order[r] < order[lft])):
            c = r
        if keys[i] < keys[c] or (keys[i] == keys[c] and order[i] < order[c]):
            break
        keys[c], keys[i] = keys[i], keys[c]
        order[c], order[i] = order[i], order[c]
        vals[c], vals[i] = vals[i], vals[c]
        i = c
    return key, val, size


@njit(cache=True)
def bidirectional_dijkstra(
    succ_ptr,
    succ_node,
    succ_edge,
    pred_ptr,
    pred_node,
    pred_edge,
    weight_s,
    usable,
    source,
    target,
    ignore_node,
    ignore_edge,
):
    """networkx's ``_bidirectional_dijkstra`` (the spur search of ``shortest_simple_paths``,
    networkx 3.x) over arrays, step for step: the same expansion order, heap tie-breaking
    (distance, then one push counter shared by both directions), relaxations and meeting
    rule, hence the very path networkx returns, ties included.

    Parameters
    ----------
    succ_ptr, succ_node, succ_edge : int64 arrays
        Out-neighbours of node ``v`` in the graph's own iteration order
        (``G.successors(v)``): ``succ_node[j]`` over edge ``succ_edge[j]`` for
        ``j in succ_ptr[v]:succ_ptr[v+1]``.
    pred_ptr, pred_node, pred_edge : int64 arrays
        In-neighbours likewise, in ``G.predecessors(v)`` order.
    weight_s : float64 array
        Edge weights (non-negative).
    usable : bool array
        False for edges the weight function hides (returns ``None`` for).
    source, target : int
    ignore_node, ignore_edge : bool arrays
        Nodes and edges to leave out.

    Returns
    -------
    found : bool
    length : float
    path : int64 array of nodes from ``source`` to ``target`` (empty when not found)
    """
    n = succ_ptr.size - 1
    empty = np.zeros(0, dtype=np.int64)
    if ignore_node[source] or ignore_node[target]:
        return False, 0.0, empty
    if source == target:
        one = np.zeros(1, dtype=np.int64)
        one[0] = source
        return True, 0.0, one
    m = weight_s.size
    done = np.zeros((2, n), dtype=np.bool_)
    dist = np.zeros((2, n), dtype=np.float64)
    has_seen = np.zeros((2, n), dtype=np.bool_)
    seen = np.zeros((2, n), dtype=np.float64)
    pred = np.full((2, n), -1, dtype=np.int64)
    cap = m + 2
    keys = np.empty((2, cap), dtype=np.float64)
    order = np.empty((2, cap), dtype=np.int64)
    vals = np.empty((2, cap), dtype=np.int64)
    sizes = np.zeros(2, dtype=np.int64)
    tick = 0
    sizes[0] = _pair_push(keys[0], order[0], vals[0], sizes[0], 0.0, tick, source)
    tick += 1
    sizes[1] = _pair_push(keys[1], order[1], vals[1], sizes[1], 0.0, tick, target)
    tick += 1
    has_seen[0, source] = True
    has_seen[1, target] = True
    final_dist = 0.0
    final_path = empty
    have_final = False
    fwd = np.empty(n, dtype=np.int64)
    d = 1
    while sizes[0] > 0 and sizes[1] > 0:
        d = 1 - d
        dv, v, sz = _pair_pop(keys[d], order[d], vals[d], sizes[d])
        sizes[d] = sz
        if done[d, v]:
            continue
        done[d, v] = True
        dist[d, v] = dv
        if done[1 - d, v]:
            return True, final_dist, final_path
        if d == 0:
            lo, hi = succ_ptr[v], succ_ptr[v + 1]
        else:
            lo, hi = pred_ptr[v], pred_ptr[v + 1]
        for j in range(lo, hi):
            if d == 0:
                w = succ_node[j]
                e = succ_edge[j]
            else:
                w = pred_node[j]
                e = pred_edge[j]
            if ignore_node[w] or ignore_edge[e] or not usable[e]:
                continue
            vw = dist[d, v] + weight_s[e]
            if done[d, w]:
                continue
            if not has_seen[d, w] or vw < seen[d, w]:
                seen[d, w] = vw
                has_seen[d, w] = True
                sizes[d] = _pair_push(keys[d], order[d], vals[d], sizes[d], vw, tick, w)
                tick += 1
                pred[d, w] = v
                if has_seen[0, w] and has_seen[1, w]:
                    total = seen[0, w] + seen[1, w]
                    if not have_final or final_dist > total:
                        final_dist = total
                        have_final = True
                        # forward part: source .. w, then the backward part after w
                        k = 0
                        x = w
                        while x >= 0:
                            fwd[k] = x
                            k += 1
                            x = pred[0, x] if x != source else -1
                        r = 0
                        x = pred[1, w] if w != target else -1
                        while x >= 0:
                            r += 1
                            x = pred[1, x] if x != target else -1
                        final_path = np.empty(k + r, dtype=np.int64)
                        for i in range(k):
                            final_path[i] = fwd[k - 1 - i]
                        x = pred[1, w] if w != target else -1
                        i = k
                        while x >= 0:
                            final_path[i] = x
                            i += 1
                            x = pred[1, x] if x != target else -1
    return False, 0.0, empty
