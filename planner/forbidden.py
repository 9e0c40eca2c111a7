"""Forbidden delays: every delay at which a flight would conflict, and who forbids it.

A new flight (a :class:`~planner.trajectory.Trajectory4D` route or an
:class:`~planner.trajectory.AreaOp`) may be delayed by ``delay_s``. Each accepted flight near
it (found through :class:`~planner.index.SpaceTimeIndex`) forbids a union of closed delay
intervals, computed exactly by the kernels of :mod:`planner.kernels`; so does each active
zone volume (:class:`ZoneBlock`). :func:`forbidden_delays` gathers them,
:func:`conflicts_at` names who is in the way at one delay, and :func:`owner_names` turns
interval owners into flight and zone ids. Choosing the earliest free delay from them is
:mod:`planner.deconflict`'s job.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from planner.index import SpaceTimeIndex, swept_boxes
from planner.kernels import (
    SEPARATION_MARGIN_M,
    route_route_intervals,
    route_volume_intervals,
    volume_route_intervals,
)
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
class ForbiddenDelays:
    """Closed forbidden delay intervals and who forbids them.

    ``owner`` holds index slots for flights (>= 0) and ``-1 - k`` for ``zone_blocks[k]``.
    """

    lo: np.ndarray
    hi: np.ndarray
    owner: np.ndarray
    n_candidates: int = 0
    n_pairs: int = 0


def as_flight(flight: Trajectory4D | AreaOp | np.ndarray) -> Trajectory4D | AreaOp:
    """The flight as a :class:`Trajectory4D` or :class:`AreaOp` (an (n, 4) array becomes a route)."""
    if isinstance(flight, Trajectory4D | AreaOp):
        return flight
    return Trajectory4D(np.asarray(flight, dtype=np.float64))


def check_window(
    earliest_delay_s: float, latest_delay_s: float, sep_h_m: float, sep_v_m: float
) -> None:
    """Raise :class:`ValueError` for a delay window or separation minima the search cannot use."""
    if not (np.isfinite(earliest_delay_s) and np.isfinite(latest_delay_s)):
        raise ValueError("earliest_delay_s and latest_delay_s must be finite")
    if earliest_delay_s > latest_delay_s:
        raise ValueError(
            f"earliest_delay_s {earliest_delay_s} is after latest_delay_s {latest_delay_s}"
        )
    for name, v in (("sep_h_m", sep_h_m), ("sep_v_m", sep_v_m)):
        if not (np.isfinite(v) and v > 2 * SEPARATION_MARGIN_M):
            raise ValueError(f"{name} must be a positive distance in metres (> 2 µm); got {v}")


def time_slack_s(flight: Trajectory4D | AreaOp, delay_min_s: float, delay_max_s: float) -> float:
    """Rounding slack (seconds) for the absolute times a flight delayed in the window spans."""
    t = max(abs(flight.start_s), abs(flight.end_s)) + max(abs(delay_min_s), abs(delay_max_s), 1.0)
    return TIME_ROUNDING_ULPS * float(np.spacing(t))


def _band_gap_m(lo1: float, hi1: float, lo2: float, hi2: float) -> float:
    return max(lo1 - hi2, lo2 - hi1, 0.0)


def join_pieces(
    los: list[np.ndarray],
    his: list[np.ndarray],
    owners: list[np.ndarray],
    excluded: Sequence[int],
    slack_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forbidden interval pieces as ``lo, hi, owner`` arrays: the owners in ``excluded`` (index
    slots) dropped, every interval widened by ``slack_s`` on both sides.

    >>> lo, hi, ow = join_pieces([np.array([1.0, 5.0])], [np.array([2.0, 6.0])],
    ...                          [np.array([0, 3])], [3], 0.5)
    >>> lo.tolist(), hi.tolist(), ow.tolist()
    ([0.5], [2.5], [0])
    """
    if not los:
        return np.empty(0), np.empty(0), np.empty(0, dtype=np.int64)
    lo = np.concatenate(los)
    hi = np.concatenate(his)
    owner = np.concatenate(owners)
    if excluded:
        keep = ~np.isin(owner, excluded)
        lo, hi, owner = lo[keep], hi[keep], owner[keep]
    return lo - slack_s, hi + slack_s, owner


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
    flight = as_flight(flight)
    check_window(delay_min_s, delay_max_s, sep_h_m, sep_v_m)
    # plain floats: an int would make numba compile another specialisation
    delay_min_s, delay_max_s = float(delay_min_s), float(delay_max_s)
    sh = sep_h_m - SEPARATION_MARGIN_M
    sv = sep_v_m - SEPARATION_MARGIN_M
    # closed intervals, widened by the rounding of absolute times (see TIME_ROUNDING_ULPS);
    # the broad phase and the kernels' window pre-filter get the same slack
    slack = time_slack_s(flight, delay_min_s, delay_max_s)
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

    excluded = [index.slot(f) for f in exclude if f in index]
    lo, hi, owner = join_pieces(los, his, owners, excluded, slack)
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


_FEW_OWNERS = 64
"""Up to this many interval owners are named in plain Python (numpy's set operations cost
more than they save on a few)."""


def owner_names(
    owner: np.ndarray, index: SpaceTimeIndex, zone_blocks: Sequence[ZoneBlock]
) -> tuple[list[str], list[str]]:
    """Flight ids (in filing order) and zone ids (first seen first) of interval owners."""
    if owner.shape[0] <= _FEW_OWNERS:
        # flights in filing order, whatever order the index found them in
        slots = sorted({o for o in owner.tolist() if o >= 0}, key=lambda o: index.filed_seq[o])
        blocks = [o for o in dict.fromkeys(owner.tolist()) if o < 0]
        flights = [index.flight_id(o) for o in slots]
    else:
        # the same with numpy (filing counters are unique, so both orders are total); distinct
        # slots by sorting, which costs half of np.unique's hashing on these sizes
        owner = np.asarray(owner, dtype=np.int64)
        pos = np.sort(owner[owner >= 0])
        found = pos[np.concatenate(([True], pos[1:] != pos[:-1]))] if pos.size else pos
        flights = index.flight_ids(found[np.argsort(index.filed_seq[found], kind="stable")])
        blocks = list(dict.fromkeys(owner[owner < 0].tolist()))
    zones: list[str] = []
    for o in blocks:  # zone blocks, first seen first
        zid = zone_blocks[-1 - o].zone_id
        if zid not in zones:
            zones.append(zid)
    return flights, zones


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
    return owner_names(fd.owner[hit], index, zone_blocks)
