"""The earliest conflict-free departure of a flight: the sweep over forbidden delays.

A new flight (a :class:`~planner.trajectory.Trajectory4D` route or an
:class:`~planner.trajectory.AreaOp`) may be delayed by ``delay_s`` within a window. Accepted
flights and active zone volumes forbid closed delay intervals (:mod:`planner.forbidden`);
:func:`earliest_slot` returns the earliest delay on the grid ``earliest + k*quantum`` outside
all of them (first come, first served), and who was in the way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.forbidden import (
    ZoneBlock,
    as_flight,
    check_window,
    forbidden_delays,
    owner_names,
    time_slack_s,
)
from planner.index import SpaceTimeIndex
from planner.kernels import earliest_free_delay
from planner.slot_search import STEPPED_ABOVE_S, stepped_route_slot
from planner.trajectory import AreaOp, Trajectory4D


@dataclass
class SlotResult:
    """The outcome of :func:`earliest_slot`.

    Attributes
    ----------
    delay_s : float or None
        The earliest conflict-free delay, ``None`` if none fits the window.
    blockers : list of str
        Flights whose conflicts pushed the delay past ``earliest`` (all flights in the way
        across the window when ``delay_s`` is None), in the order they were filed.
    zone_blockers : list of str
        Zones that did the same.
    overridden : list of str
        Lower-priority flights (below ``ignore_priority_below``) that conflict with the
        chosen slot: the caller must re-plan or revoke them.
    n_candidates : int
        Accepted segments and area operations the index returned (for diagnostics).
    n_pairs : int
        Segment pairs (new x candidate) handed to the exact kernel.
    n_intervals : int
        Forbidden intervals found (pairs that produced one, zone and area pieces).
    rounds : int
        Delay windows searched (see :data:`planner.slot_search.FIRST_WINDOW_S`).
    """

    delay_s: float | None
    blockers: list[str] = field(default_factory=list)
    zone_blockers: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)
    n_candidates: int = 0
    n_pairs: int = 0
    n_intervals: int = 0
    rounds: int = 1


def earliest_slot(
    xyzt: Trajectory4D | AreaOp | np.ndarray,
    earliest_delay_s: float,
    latest_delay_s: float,
    index: SpaceTimeIndex,
    zone_blocks: Sequence[ZoneBlock],
    sep_h_m: float,
    sep_v_m: float,
    quantum_s: float = 0.1,
    ignore_priority_below: int | None = None,
    *,
    exclude: Collection[str] = (),
    one_shot: bool = False,
    stop_above_s: float | None = None,
    name_blockers: bool = True,
) -> SlotResult:
    """The earliest delay that keeps a flight clear of accepted flights and active zones.

    Parameters
    ----------
    xyzt : Trajectory4D, float64 (n, 4) array or AreaOp
        The new flight, undelayed (metres, planner seconds).
    earliest_delay_s, latest_delay_s : float
        Acceptable delays.
    index : SpaceTimeIndex
        Accepted flights.
    zone_blocks : sequence of ZoneBlock
        Active zone volumes it must not enter (the decision layer builds them).
    sep_h_m, sep_v_m : float
        Separation minima; conflicts need horizontal ``< sep_h_m`` and vertical ``< sep_v_m``.
    quantum_s : float
        Delays are ``earliest_delay_s + k * quantum_s``.
    ignore_priority_below : int or None
        Flights with a lower priority do not block (a higher-priority request); those in
        conflict with the chosen slot are listed in ``overridden``.
    exclude : collection of str
        Flight ids to ignore entirely.
    one_shot : bool
        Compute every forbidden interval of the whole window at once instead of searching
        growing windows (:mod:`planner.slot_search`); the same delay either way. The
        reference the stepped search is tested and benchmarked against.
    stop_above_s : float or None
        A delay above which the caller has no use for a slot (a better alternative is known):
        the stepped search stops there, and a slot later than it is reported as none (its
        blockers then name the flights in the way up to it). A slot at or below it is the
        same delay, with the same overridden flights, as without it: the rounding slack
        still follows the whole window.
    name_blockers : bool
        False leaves ``blockers`` and ``zone_blockers`` empty when a slot is found (for
        callers that read them only when nothing fits: naming hundreds of flights in a busy
        hour costs more than the sweep).

    Returns
    -------
    SlotResult

    Examples
    --------
    >>> import numpy as np
    >>> idx = SpaceTimeIndex()
    >>> idx.insert("A", 0, np.array([[0, 0, 60, 0], [1000, 0, 60, 100.0]]))
    >>> r = earliest_slot(np.array([[0, 0, 60, 0], [1000, 0, 60, 100.0]]), 0, 600, idx, [], 50, 20)
    >>> round(r.delay_s, 1), r.blockers
    (5.0, ['A'])
    """
    if not (np.isfinite(quantum_s) and quantum_s > 0):
        raise ValueError(f"quantum_s must be positive; got {quantum_s}")
    flight = as_flight(xyzt)
    if (
        isinstance(flight, Trajectory4D)
        and latest_delay_s - earliest_delay_s > STEPPED_ABOVE_S
        and not one_shot
    ):
        check_window(earliest_delay_s, latest_delay_s, sep_h_m, sep_v_m)
        e, latest = float(earliest_delay_s), float(latest_delay_s)
        slack_s = time_slack_s(flight, e, latest)
        if stop_above_s is not None:
            if not stop_above_s >= e:
                return SlotResult(None, [], [], [], 0, 0, 0, 0)
            latest = min(latest, float(stop_above_s))
        stepped = stepped_route_slot(
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
        d, lo, hi, owner, hard, (n_cand, n_pairs, n_iv, rounds) = stepped
    else:
        fd = forbidden_delays(
            flight,
            earliest_delay_s,
            latest_delay_s,
            index,
            zone_blocks,
            sep_h_m,
            sep_v_m,
            exclude=exclude,
        )
        lo, hi, owner = fd.lo, fd.hi, fd.owner
        hard = np.ones(owner.shape[0], dtype=bool)
        if ignore_priority_below is not None and owner.size:
            flights = owner >= 0
            hard[flights] = index.priority[owner[flights]] >= ignore_priority_below
        d = float(
            earliest_free_delay(
                lo[hard], hi[hard], float(earliest_delay_s), float(latest_delay_s), float(quantum_s)
            )
        )
        n_cand, n_pairs, n_iv, rounds = fd.n_candidates, fd.n_pairs, int(lo.shape[0]), 1
    stats = (n_cand, n_pairs, n_iv, rounds)
    if d != d:
        in_way = hard & (hi >= earliest_delay_s) & (lo <= latest_delay_s)
        blockers, zones = owner_names(owner[in_way], index, zone_blocks)
        return SlotResult(None, blockers, zones, [], *stats)
    in_way = hard & (hi >= earliest_delay_s) & (lo < d)
    blockers, zones = owner_names(owner[in_way], index, zone_blocks) if name_blockers else ([], [])
    over = ~hard & (lo <= d) & (hi >= d)
    overridden, _ = owner_names(owner[over], index, zone_blocks)
    return SlotResult(d, blockers, zones, overridden, *stats)


def warmup() -> None:
    """Compile (or load from the numba cache) every kernel once, so first decisions are fast
    (the named steps are :data:`planner.warm.WARMUP_STEPS`)."""
    from planner.warm import warm_all  # planner.warm builds on this module

    warm_all()
