"""The earliest slot of a route flight, searched in growing delay windows (stop early).

:func:`planner.deconflict.earliest_slot` over a whole departure window asks the index for
every accepted segment the flight could meet at *any* delay of the window and computes
every forbidden interval, although the answer usually lies near the start: most of that
work cannot change it. Here the window is searched in steps ``[e, e + w)``, ``[e + w,
e + 5w)``, ...: each step adds the intervals of the pairs that can conflict in it, and the
sweep over everything found so far gives a candidate delay ``d``.

Why this is exact: intervals are computed by the same kernel from the same pairs, so each
one is bit-identical to the one-shot computation; only *which* intervals exist differs.
After the steps up to ``w_hi``, every interval that touches ``[earliest, w_hi]`` has been
found (a pair that conflicts at some delay in a step passes that step's broad phase).
The sweep's ``d`` is the first grid point (``earliest + k*quantum``, the same float for the
same ``k``) not covered by the found intervals; if ``d <= w_hi``, any interval covering it
would touch ``[earliest, w_hi]`` and would have been found, so ``d`` is free, and every grid
point before it is covered by found intervals, hence by all: ``d`` is the one-shot answer.
Otherwise the next step starts where this one ended.

Zone blocks and accepted area operations do not depend on the window: their intervals are
computed once. When no slot fits, the rest of the window is searched in one last step so
that every flight in the way is found (a rejection names them all). Lower-priority flights
overridden at the chosen delay have intervals containing it, so they are found too; names
come in filing order (:func:`planner.deconflict.earliest_slot`), whichever search found them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from planner.forbidden import join_pieces
from planner.index import SpaceTimeIndex
from planner.index_query import swept_boxes
from planner.kernels import (
    SEPARATION_MARGIN_M,
    earliest_free_delay,
    route_route_intervals,
    route_volume_intervals,
)
from planner.kernels.slot import FOUND_AREA, route_slot_search
from planner.trajectory import Trajectory4D

_NO_PRIORITY = -(2**62)
_EMPTY = np.empty(0)
_EMPTY_OWNER = np.empty(0, dtype=np.int64)

STEPPED_ABOVE_S = 30.0
"""Delay windows wider than this are searched in steps (narrower ones at once)."""

FIRST_WINDOW_S = 150.0
"""Width of the first delay window searched; each next one is :data:`WINDOW_GROWTH` times wider.

Each step walks the index for the whole length of the flight's segments, so a step costs
much the same whether it adds 30 s or 150 s of delays: in the dense hour (88 % delayed, mean
206 s) 150 s answers 60 % of the decisions in one step (30 s: 33 %) and decides 13 % faster,
for 0.02 ms more at the easy day's p50 (README, bench/planner.py)."""

WINDOW_GROWTH = 4.0


def stepped_route_slot(
    flight: Trajectory4D,
    earliest_delay_s: float,
    latest_delay_s: float,
    index: SpaceTimeIndex,
    zone_blocks: Sequence,
    sep_h_m: float,
    sep_v_m: float,
    quantum_s: float,
    slack_s: float,
    ignore_priority_below: int | None,
    exclude: Collection[str],
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """Search growing windows (see the module); the delay is NaN when none fits.

    Returns
    -------
    (delay_s, lo, hi, owner, hard, (n_candidates, n_pairs, n_intervals, rounds))
        The delay and every interval found (widened by ``slack_s``, the one-shot slack for
        the whole window), with which are hard (not overridable).
    """
    e, latest = float(earliest_delay_s), float(latest_delay_s)
    xyzt = flight.xyzt
    fixed_lo, fixed_hi, fixed_owner = _zone_intervals(xyzt, zone_blocks)
    excluded = np.array([index.slot(f) for f in exclude if f in index], dtype=np.int64)
    d, lo, hi, owner, hard, stats = route_slot_search(  # type: ignore[call-arg]  # numba Dispatcher stub
        xyzt,
        float(sep_h_m),
        float(sep_v_m),
        e,
        latest,
        float(quantum_s),
        slack_s,
        FIRST_WINDOW_S,
        WINDOW_GROWTH,
        *index.table(),
        index.priority,
        _NO_PRIORITY if ignore_priority_below is None else int(ignore_priority_below),
        excluded,
        np.concatenate(fixed_lo) - slack_s if fixed_lo else _EMPTY,
        np.concatenate(fixed_hi) + slack_s if fixed_hi else _EMPTY,
        np.concatenate(fixed_owner) if fixed_owner else _EMPTY_OWNER,
        sep_h_m - SEPARATION_MARGIN_M,
        sep_v_m - SEPARATION_MARGIN_M,
    )
    if stats[4] & FOUND_AREA:
        return stepped_route_slot_python(
            flight,
            e,
            latest,
            index,
            zone_blocks,
            sep_h_m,
            sep_v_m,
            quantum_s,
            slack_s,
            ignore_priority_below,
            exclude,
        )
    return d, lo, hi, owner, hard, (int(stats[0]), int(stats[1]), int(stats[2]), int(stats[3]))


def stepped_route_slot_python(
    flight: Trajectory4D,
    earliest_delay_s: float,
    latest_delay_s: float,
    index: SpaceTimeIndex,
    zone_blocks: Sequence,
    sep_h_m: float,
    sep_v_m: float,
    quantum_s: float,
    slack_s: float,
    ignore_priority_below: int | None,
    exclude: Collection[str],
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """:func:`stepped_route_slot` step by step in Python (what it falls back to when an
    accepted area operation is in the way); same arguments, same answer."""
    e, latest = float(earliest_delay_s), float(latest_delay_s)
    sh = sep_h_m - SEPARATION_MARGIN_M
    sv = sep_v_m - SEPARATION_MARGIN_M
    xyzt = flight.xyzt
    n_new = xyzt.shape[0] - 1
    excluded = [index.slot(f) for f in exclude if f in index]
    los, his, owners = _zone_intervals(xyzt, zone_blocks)
    base = swept_boxes(flight, 0.0, 0.0, sep_h_m, sep_v_m)
    seen_areas: set[int] = set()
    n_cand = n_pairs = rounds = 0
    w_lo, width, finishing = e, FIRST_WINDOW_S, False
    while True:
        rounds += 1
        w_hi = min(latest, w_lo + width)
        qmin, qmax = w_lo - slack_s, w_hi + slack_s
        boxes = base.copy()
        boxes[:, 6] += qmin
        boxes[:, 7] += qmax
        cand = index.candidates(boxes)
        n_cand += int(cand.seg.shape[0]) + len(cand.areas)
        if cand.seg.shape[0]:
            n_pairs += n_new * int(cand.seg.shape[0])
            lo, hi, ow = route_route_intervals(xyzt, cand.seg, cand.seg_owner, qmin, qmax, sh, sv)
            if lo.shape[0]:
                los.append(lo)
                his.append(hi)
                owners.append(ow)
        for slot, area in cand.areas:
            if slot in seen_areas:
                continue
            seen_areas.add(slot)
            window = np.array([[area.start_s, area.end_s]])
            iv = route_volume_intervals(
                xyzt, area.ring_xy, area.ring_start, area.lower_m, area.upper_m, window, sh, sv
            )
            if iv.shape[0]:
                los.append(iv[:, 0])
                his.append(iv[:, 1])
                owners.append(np.full(iv.shape[0], slot, dtype=np.int64))
        lo, hi, owner = join_pieces(los, his, owners, excluded, slack_s)
        hard = np.ones(owner.shape[0], dtype=bool)
        if ignore_priority_below is not None and owner.size:
            flights = owner >= 0
            hard[flights] = index.priority[owner[flights]] >= ignore_priority_below
        d = float(earliest_free_delay(lo[hard], hi[hard], e, latest, float(quantum_s)))
        if finishing or w_hi >= latest or d <= w_hi:
            return d, lo, hi, owner, hard, (n_cand, n_pairs, int(lo.shape[0]), rounds)
        w_lo = w_hi
        if d != d:  # no slot: search the rest at once, so every flight in the way is named
            finishing, width = True, latest - w_lo
        else:
            width *= WINDOW_GROWTH


def _zone_intervals(
    xyzt: np.ndarray, zone_blocks: Sequence
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Forbidden delays of the route against each zone block (owner ``-1 - k`` for block
    ``k``): they do not depend on the window, so both searches compute them once."""
    los: list[np.ndarray] = []
    his: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for k, z in enumerate(zone_blocks):
        iv = route_volume_intervals(
            xyzt, z.ring_xy, z.ring_start, z.lower_m, z.upper_m, z.active_s, 0.0, 0.0
        )
        if iv.shape[0]:
            los.append(iv[:, 0])
            his.append(iv[:, 1])
            owners.append(np.full(iv.shape[0], -1 - k, dtype=np.int64))
    return los, his, owners
