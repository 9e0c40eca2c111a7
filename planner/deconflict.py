"""The earliest conflict-free departure of a flight: forbidden delays and the sweep.

A new flight (a :class:`~planner.trajectory.Trajectory4D` route or an
:class:`~planner.trajectory.AreaOp`) may be delayed by ``delay_s`` within a window. Each
accepted flight near it (found through :class:`~planner.index.SpaceTimeIndex`) forbids a
union of closed delay intervals, computed exactly by the kernels of :mod:`planner.kernels`;
so does each active zone volume (:class:`ZoneBlock`). :func:`earliest_slot` returns the
earliest delay on the grid ``earliest + k*quantum`` outside all of them (first come, first
served), and who was in the way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from planner.index import SpaceTimeIndex, swept_boxes
from planner.kernels import (
    SEPARATION_MARGIN_M,
    earliest_free_delay,
    route_route_intervals,
    route_volume_intervals,
    volume_route_intervals,
)
from planner.slot_search import FIRST_WINDOW_S, stepped_route_slot
from planner.trajectory import AreaOp, Trajectory4D, _rings

TIME_ROUNDING_ULPS = 16.0
"""Forbidden delay intervals are widened by this many ulps of the absolute times involved.

The kernels work in delay space (differences of absolute times), and the chosen delay is
then added to the flight's absolute times. Both steps round: a delay strictly above an
upper end ``E - S`` can still give ``S + delay == E`` in floating point (a survey starting at
the very instant another one ends, 12402.3 s, which is a conflict since windows are closed).
A few ulps (about 2e-10 s at a day's 1e5 s) absorb that without reopening anything the
1 µm separation margin closes (1 µm is 1e-8 s even at 100 m/s).
"""


@dataclass(frozen=True)
class ZoneBlock:
    """An active zone volume a flight must not enter: polygon (metres) x band x active times.

    Build with :meth:`from_polygon`. ``active_s`` rows are closed ``[start_s, end_s]``
    intervals in planner seconds (``[-inf, inf]`` for a permanent zone); the band is AGL
    metres with ``-inf``/``inf`` for unbounded.
    """

    zone_id: str
    polygon_xy: Polygon | MultiPolygon
    lower_m: float
    upper_m: float
    active_s: np.ndarray
    ring_xy: np.ndarray
    ring_start: np.ndarray
    volume_index: int = 0

    @classmethod
    def from_polygon(
        cls,
        zone_id: str,
        polygon_xy: Polygon | MultiPolygon,
        lower_m: float,
        upper_m: float,
        active_s: np.ndarray | Sequence[Sequence[float]],
        volume_index: int = 0,
    ) -> ZoneBlock:
        """A zone block from a projected polygon, its AGL band and its active intervals."""
        act = np.ascontiguousarray(np.asarray(active_s, dtype=np.float64).reshape(-1, 2))
        if np.any(act[:, 0] > act[:, 1]):
            raise ValueError(f"zone {zone_id}: active intervals need start_s <= end_s")
        if not lower_m <= upper_m:
            raise ValueError(f"zone {zone_id}: lower_m {lower_m} is above upper_m {upper_m}")
        ring_xy, ring_start = _rings(polygon_xy)
        return cls(
            zone_id,
            polygon_xy,
            float(lower_m),
            float(upper_m),
            act,
            ring_xy,
            ring_start,
            volume_index,
        )


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
        Delay windows searched (see :data:`FIRST_WINDOW_S`).
    """

    delay_s: float | None
    blockers: list[str] = field(default_factory=list)
    zone_blockers: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)
    n_candidates: int = 0
    n_pairs: int = 0
    n_intervals: int = 0
    rounds: int = 1


@dataclass
class ForbiddenDelays:
    """Closed forbidden delay intervals and who forbids them.

    ``owner`` holds index slots for flights (>= 0) and ``-1 - k`` for ``zone_blocks[k]``.
    """

    lo: np.ndarray
    hi: np.ndarray
    owner: np.ndarray
    n_candidates: int = 0
    n_pairs: int = 0


def _as_flight(flight: Trajectory4D | AreaOp | np.ndarray) -> Trajectory4D | AreaOp:
    if isinstance(flight, Trajectory4D | AreaOp):
        return flight
    return Trajectory4D(np.asarray(flight, dtype=np.float64))


def _check(earliest_delay_s: float, latest_delay_s: float, sep_h_m: float, sep_v_m: float) -> None:
    if not (np.isfinite(earliest_delay_s) and np.isfinite(latest_delay_s)):
        raise ValueError("earliest_delay_s and latest_delay_s must be finite")
    if earliest_delay_s > latest_delay_s:
        raise ValueError(
            f"earliest_delay_s {earliest_delay_s} is after latest_delay_s {latest_delay_s}"
        )
    for name, v in (("sep_h_m", sep_h_m), ("sep_v_m", sep_v_m)):
        if not (np.isfinite(v) and v > 2 * SEPARATION_MARGIN_M):
            raise ValueError(f"{name} must be a positive distance in metres (> 2 µm); got {v}")


def _time_slack_s(flight: Trajectory4D | AreaOp, delay_min_s: float, delay_max_s: float) -> float:
    """Rounding slack (seconds) for the absolute times a flight delayed in the window spans."""
    t = max(abs(flight.start_s), abs(flight.end_s)) + max(abs(delay_min_s), abs(delay_max_s), 1.0)
    return TIME_ROUNDING_ULPS * float(np.spacing(t))


def _band_gap_m(lo1: float, hi1: float, lo2: float, hi2: float) -> float:
    return max(lo1 - hi2, lo2 - hi1, 0.0)


def forbidden_delays(
    flight: Trajectory4D | AreaOp | np.ndarray,
    delay_min_s: float,
    delay_max_s: float,
    index: SpaceTimeIndex,
    zone_blocks: Sequence[ZoneBlock],
    sep_h_m: float,
    sep_v_m: float,
    *,
    exclude: Collection[str] = (),
) -> ForbiddenDelays:
    """Every closed delay interval (near the window) in which the flight would conflict.

    Parameters
    ----------
    flight : Trajectory4D, (n, 4) array or AreaOp
        The new flight, undelayed.
    delay_min_s, delay_max_s : float
        Delay window of interest; intervals that cannot touch it may be left out.
    index : SpaceTimeIndex
        Accepted flights.
    zone_blocks : sequence of ZoneBlock
        Active zone volumes the flight must not enter.
    sep_h_m, sep_v_m : float
        Separation minima (strict: exactly ``S`` apart is separated).
    exclude : collection of str
        Flight ids to ignore (e.g. the flight being re-planned).

    Returns
    -------
    ForbiddenDelays
    """
    flight = _as_flight(flight)
    _check(delay_min_s, delay_max_s, sep_h_m, sep_v_m)
    # plain floats: an int would make numba compile another specialisation
    delay_min_s, delay_max_s = float(delay_min_s), float(delay_max_s)
    sh = sep_h_m - SEPARATION_MARGIN_M
    sv = sep_v_m - SEPARATION_MARGIN_M
    # closed intervals, widened by the rounding of absolute times (see TIME_ROUNDING_ULPS);
    # the broad phase and the kernels' window pre-filter get the same slack
    slack = _time_slack_s(flight, delay_min_s, delay_max_s)
    qmin, qmax = delay_min_s - slack, delay_max_s + slack
    cand = index.candidates(swept_boxes(flight, qmin, qmax, sep_h_m, sep_v_m))
    los: list[np.ndarray] = []
    his: list[np.ndarray] = []
    owners: list[np.ndarray] = []

    def add(iv: np.ndarray, owner: np.ndarray | int) -> None:
        if iv.shape[0]:
            los.append(iv[:, 0])
            his.append(iv[:, 1])
            owners.append(np.broadcast_to(np.asarray(owner, dtype=np.int64), (iv.shape[0],)))

    if isinstance(flight, Trajectory4D):
        xyzt = flight.xyzt
        if cand.seg.shape[0]:
            lo, hi, ow = route_route_intervals(xyzt, cand.seg, cand.seg_owner, qmin, qmax, sh, sv)
            add(np.column_stack([lo, hi]), ow)
        for slot, area in cand.areas:
            window = np.array([[area.start_s, area.end_s]])
            iv = route_volume_intervals(
                xyzt, area.ring_xy, area.ring_start, area.lower_m, area.upper_m, window, sh, sv
            )
            add(iv, slot)
        for k, z in enumerate(zone_blocks):
            iv = route_volume_intervals(
                xyzt, z.ring_xy, z.ring_start, z.lower_m, z.upper_m, z.active_s, 0.0, 0.0
            )
            add(iv, -1 - k)
    else:
        if cand.seg.shape[0]:
            iv, ow = volume_route_intervals(
                cand.seg,
                cand.seg_owner,
                flight.ring_xy,
                flight.ring_start,
                flight.lower_m,
                flight.upper_m,
                flight.start_s,
                flight.end_s,
                sh,
                sv,
            )
            add(iv, ow)
        for slot, area in cand.areas:
            if _band_gap_m(flight.lower_m, flight.upper_m, area.lower_m, area.upper_m) > sv:
                continue
            if shapely.distance(flight.polygon_xy, area.polygon_xy) > sh:
                continue
            add(np.array([[area.start_s - flight.end_s, area.end_s - flight.start_s]]), slot)
        for k, z in enumerate(zone_blocks):
            if _band_gap_m(flight.lower_m, flight.upper_m, z.lower_m, z.upper_m) > 0.0:
                continue
            if not shapely.intersects(flight.polygon_xy, z.polygon_xy):
                continue
            iv = np.column_stack(
                [z.active_s[:, 0] - flight.end_s, z.active_s[:, 1] - flight.start_s]
            )
            add(iv, -1 - k)

    excluded = {index.slot(f) for f in exclude if f in index}
    if los:
        lo = np.concatenate(los)
        hi = np.concatenate(his)
        owner = np.concatenate(owners)
        if excluded:
            keep = ~np.isin(owner, list(excluded))
            lo, hi, owner = lo[keep], hi[keep], owner[keep]
        lo = lo - slack
        hi = hi + slack
    else:
        lo = hi = np.empty(0)
        owner = np.empty(0, dtype=np.int64)
    n_cand = int(cand.seg.shape[0] + len(cand.areas))
    n_pairs = int(cand.seg.shape[0]) * (
        flight.xyzt.shape[0] - 1 if isinstance(flight, Trajectory4D) else 1
    )
    return ForbiddenDelays(
        np.ascontiguousarray(lo),
        np.ascontiguousarray(hi),
        np.ascontiguousarray(owner),
        n_cand,
        n_pairs,
    )


def _names(
    owner: np.ndarray, index: SpaceTimeIndex, zone_blocks: Sequence[ZoneBlock]
) -> tuple[list[str], list[str]]:
    # flights in filing order, whatever order the index found them in
    slots = sorted({o for o in owner.tolist() if o >= 0}, key=lambda o: index.filed_seq[o])
    flights = [index.flight_id(o) for o in slots]
    zones: list[str] = []
    for o in dict.fromkeys(owner.tolist()):
        if o < 0:
            zid = zone_blocks[-1 - o].zone_id
            if zid not in zones:
                zones.append(zid)
    return flights, zones


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
    flight = _as_flight(xyzt)
    if (
        isinstance(flight, Trajectory4D)
        and latest_delay_s - earliest_delay_s > FIRST_WINDOW_S
        and not one_shot
    ):
        _check(earliest_delay_s, latest_delay_s, sep_h_m, sep_v_m)
        e, latest = float(earliest_delay_s), float(latest_delay_s)
        slack_s = _time_slack_s(flight, e, latest)
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
        blockers, zones = _names(owner[in_way], index, zone_blocks)
        return SlotResult(None, blockers, zones, [], *stats)
    in_way = hard & (hi >= earliest_delay_s) & (lo < d)
    blockers, zones = _names(owner[in_way], index, zone_blocks)
    over = ~hard & (lo <= d) & (hi >= d)
    overridden, _ = _names(owner[over], index, zone_blocks)
    return SlotResult(d, blockers, zones, overridden, *stats)


def conflicts_at(
    flight: Trajectory4D | AreaOp | np.ndarray,
    delay_s: float,
    index: SpaceTimeIndex,
    zone_blocks: Sequence[ZoneBlock],
    sep_h_m: float,
    sep_v_m: float,
    *,
    exclude: Collection[str] = (),
) -> tuple[list[str], list[str]]:
    """Flights and zones a flight conflicts with when delayed by exactly ``delay_s``.

    Returns
    -------
    (flight ids, zone ids)
    """
    fd = forbidden_delays(
        flight, delay_s, delay_s, index, zone_blocks, sep_h_m, sep_v_m, exclude=exclude
    )
    hit = (fd.lo <= delay_s) & (fd.hi >= delay_s)
    return _names(fd.owner[hit], index, zone_blocks)


def warmup() -> None:
    """Compile (or load from the numba cache) every kernel once, so first decisions are fast
    (the named steps are :data:`planner.warm.WARMUP_STEPS`)."""
    from planner.warm import warm_all  # planner.warm builds on this module

    warm_all()
