"""Tactical conflict detection: which live tracks are predicted to lose separation soon.

Strategic planning keeps approved plans apart; this looks at what is actually flying. Every
track (a drone's telemetry, a crewed helicopter from surveillance, an uncooperative drone)
is a state: position ``x, y, z`` in metres (a metric projection, altitude above the same
reference for all) and velocity ``vx, vy, vz`` in m/s, all at one instant. Each is predicted
in a straight line over a look-ahead (60 s by default); a pair is in conflict when it is
predicted to be closer than ``sep_h_m`` horizontally *and* ``sep_v_m`` vertically at the same
instant. The closed forms and the grid are in :mod:`planner.tactical_kernels`.

This module validates, picks the grid's cell size, calls the kernel and names the pairs;
:class:`EncounterTracker` turns the conflicts of successive cycles into alerts raised once
per encounter and cleared when it is resolved. No lon/lat and no datetimes here: convert at
the edge.

>>> states = np.array([[0.0, 0.0, 60.0, 10.0, 0.0, 0.0], [1000.0, 0.0, 60.0, -10.0, 0.0, 0.0]])
>>> [(c.track_a, c.track_b, c.t_los_s) for c in detect(["A", "B"], states)]
[('A', 'B', 47.5)]
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from planner.tactical_kernels import detect_conflicts

DEFAULT_LOOKAHEAD_S = 60.0
DEFAULT_SEP_H_M = 50.0
DEFAULT_SEP_V_M = 20.0
MAX_SPEED_MPS = 600.0
"""Faster horizontal or vertical speeds than this are sensor errors, not aircraft (m/s); the
service accepts reports up to 400 m/s, well inside it."""
MAX_CELLS_PER_TRACK = 64
"""A track whose swept box covers more grid cells than this is checked against every track
instead (an aircraft much faster than the rest): memory stays O(N)."""
CELL_SPEED_QUANTILE = 0.9
"""The grid's cell is the swept extent of a track at this quantile of horizontal speed."""


@dataclass(frozen=True)
class TacticalConflict:
    """A predicted loss of separation between two tracks (``track_a < track_b``).

    Times are seconds after the states' instant: ``t_los_s`` when separation is first lost
    (0 when it already is), ``t_cpa_s`` the horizontal closest approach in the look-ahead,
    with the horizontal and vertical distances there.
    """

    track_a: str
    track_b: str
    t_los_s: float
    t_cpa_s: float
    h_cpa_m: float
    v_cpa_m: float

    @property
    def pair(self) -> tuple[str, str]:
        """The two track ids."""
        return (self.track_a, self.track_b)


def velocity_from_track(
    speed_mps: np.ndarray | float,
    track_deg: np.ndarray | float,
    vertical_speed_mps: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """East, north and up velocity (m/s) from ground speed, track (degrees clockwise from
    north) and vertical speed.

    >>> [round(float(v), 6) for v in velocity_from_track(10.0, 90.0, -1.0)]
    [10.0, 0.0, -1.0]
    """
    speed = np.asarray(speed_mps, dtype=float)
    track = np.radians(np.asarray(track_deg, dtype=float))
    return speed * np.sin(track), speed * np.cos(track), np.asarray(vertical_speed_mps, float)


def propagate(states: np.ndarray, age_s: np.ndarray | float) -> np.ndarray:
    """States moved ahead in straight lines by ``age_s`` seconds (per track or one value):
    brings reports of different instants to a common one.

    >>> propagate(np.array([[0.0, 0.0, 50.0, 5.0, 0.0, 1.0]]), 2.0).tolist()
    [[10.0, 0.0, 52.0, 5.0, 0.0, 1.0]]
    """
    states = np.asarray(states, dtype=float)
    out = states.copy()
    age = np.asarray(age_s, dtype=float).reshape(-1, 1)
    out[:, :3] += states[:, 3:6] * age
    return out


def cell_size_m(
    states: np.ndarray, valid: np.ndarray, *, sep_h_m: float, lookahead_s: float
) -> float:
    """The grid cell for these tracks: what a track at the 90th percentile of horizontal
    speed sweeps in the look-ahead, plus ``sep_h_m`` (at least ``sep_h_m``, and 1 m).

    Most tracks then cover at most 2 x 2 cells, and the pairs a cell holds are mostly pairs
    that could meet.
    """
    speed = np.hypot(states[valid, 3], states[valid, 4])
    typical = float(np.quantile(speed, CELL_SPEED_QUANTILE)) if speed.size else 0.0
    return max(sep_h_m + typical * lookahead_s, sep_h_m, 1.0)


def _check_parameters(sep_h_m: float, sep_v_m: float, lookahead_s: float) -> None:
    for name, value in (("sep_h_m", sep_h_m), ("sep_v_m", sep_v_m), ("lookahead_s", lookahead_s)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number of metres/seconds, got {value!r}")


def detect_pairs(
    states: np.ndarray,
    valid: np.ndarray | None = None,
    *,
    sep_h_m: float = DEFAULT_SEP_H_M,
    sep_v_m: float = DEFAULT_SEP_V_M,
    lookahead_s: float = DEFAULT_LOOKAHEAD_S,
    cell_m: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The conflicting pairs of an ``(N, 6)`` array of states ``x, y, z, vx, vy, vz``.

    Returns ``(pairs, values)``: ``(M, 2)`` row indices ``i < j`` sorted by time to loss of
    separation then indices, and ``(M, 4)`` columns ``t_los_s, t_cpa_s, h_cpa_m, v_cpa_m``.
    ``valid`` (bool, N) leaves tracks out (landed, stale). Raises ``ValueError`` naming the
    first bad track (a NaN, a speed above :data:`MAX_SPEED_MPS`) or parameter.
    """
    _check_parameters(sep_h_m, sep_v_m, lookahead_s)
    states = np.ascontiguousarray(states, dtype=np.float64)
    if states.ndim != 2 or states.shape[1] != 6:
        raise ValueError(
            f"states must have 6 columns x, y, z, vx, vy, vz; got shape {states.shape}"
        )
    n = states.shape[0]
    if valid is None:
        valid = np.ones(n, dtype=np.bool_)
    valid = np.ascontiguousarray(valid, dtype=np.bool_)
    if valid.shape != (n,):
        raise ValueError(f"valid must have one flag per track ({n}), got shape {valid.shape}")
    finite = np.isfinite(states).all(axis=1)
    if not finite[valid].all():
        bad = int(np.flatnonzero(valid & ~finite)[0])
        raise ValueError(
            f"track {bad} has a non-finite position or velocity: {states[bad].tolist()}"
        )
    speed = np.maximum(np.hypot(states[:, 3], states[:, 4]), np.abs(states[:, 5]))
    too_fast = valid & (speed > MAX_SPEED_MPS)
    if too_fast.any():
        bad = int(np.flatnonzero(too_fast)[0])
        raise ValueError(
            f"track {bad} moves at {speed[bad]:.1f} m/s, above {MAX_SPEED_MPS:.0f} m/s: "
            "a sensor error, not an aircraft"
        )
    if cell_m is None:
        cell_m = cell_size_m(states, valid, sep_h_m=sep_h_m, lookahead_s=lookahead_s)
    elif not (math.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m must be a positive number of metres, got {cell_m!r}")
    pairs, values = detect_conflicts(
        states, valid, float(sep_h_m), float(sep_v_m), float(lookahead_s), float(cell_m),
        MAX_CELLS_PER_TRACK,
    )  # fmt: skip
    order = np.lexsort((pairs[:, 1], pairs[:, 0], values[:, 0]))
    return pairs[order], values[order]


def detect(
    ids: Sequence[str],
    states: np.ndarray,
    valid: np.ndarray | None = None,
    *,
    sep_h_m: float = DEFAULT_SEP_H_M,
    sep_v_m: float = DEFAULT_SEP_V_M,
    lookahead_s: float = DEFAULT_LOOKAHEAD_S,
) -> list[TacticalConflict]:
    """The predicted conflicts of named tracks, soonest first (see :func:`detect_pairs`)."""
    if len(ids) != len(states):
        raise ValueError(f"{len(ids)} ids for {len(states)} track states")
    if len(set(ids)) != len(ids):
        raise ValueError("track ids must be unique")
    pairs, values = detect_pairs(
        states, valid, sep_h_m=sep_h_m, sep_v_m=sep_v_m, lookahead_s=lookahead_s
    )
    out = []
    for (i, j), (t_los, t_cpa, h_cpa, v_cpa) in zip(pairs.tolist(), values.tolist(), strict=True):
        a, b = sorted((ids[i], ids[j]))
        out.append(TacticalConflict(a, b, t_los, t_cpa, h_cpa, v_cpa))
    return out


# --------------------------------------------------------------------------- encounters


@dataclass(frozen=True)
class EncounterEvent:
    """An alert to send: an encounter ``raised`` (with the conflict that raised it) or
    ``cleared`` (``resolved``: not predicted any more; ``track_lost``: a track is gone), at
    ``at_s`` (the caller's clock). ``encounter_id`` is the same for both ends of one encounter.
    """

    kind: Literal["raised", "cleared"]
    encounter_id: int
    pair: tuple[str, str]
    at_s: float
    conflict: TacticalConflict
    reason: Literal["predicted", "resolved", "track_lost"]


@dataclass
class Encounter:
    """An open encounter: when it was raised and last predicted, and its latest conflict."""

    encounter_id: int
    raised_at_s: float
    last_seen_s: float
    latest: TacticalConflict


class EncounterTracker:
    """Raises a conflict once per encounter and clears it when it is resolved.

    Feed :meth:`update` the conflicts of each detection cycle. A pair not already open is
    raised; an open pair is refreshed silently; an open pair that has not been predicted for
    ``clear_after_s`` seconds (so that a pair flickering on the boundary does not raise again
    every cycle) is cleared as ``resolved``, and at once as ``track_lost`` when one of its
    tracks is no longer among the live ones given.

    >>> c = TacticalConflict("A", "B", 12.0, 20.0, 10.0, 0.0)
    >>> tracker = EncounterTracker(clear_after_s=2.0)
    >>> [e.kind for e in tracker.update(0.0, [c])], tracker.update(1.0, [c])
    (['raised'], [])
    >>> tracker.update(2.0, []), [e.reason for e in tracker.update(3.0, [])]
    ([], ['resolved'])
    """

    def __init__(self, clear_after_s: float = 2.0) -> None:
        if not (math.isfinite(clear_after_s) and clear_after_s >= 0):
            raise ValueError(f"clear_after_s must be >= 0 seconds, got {clear_after_s!r}")
        self.clear_after_s = clear_after_s
        self.open: dict[tuple[str, str], Encounter] = {}
        self._next_id = 1
        self._now_s = -math.inf

    @property
    def last_update_s(self) -> float:
        """The time of the latest cycle (``-inf`` before the first)."""
        return self._now_s

    def update(
        self,
        now_s: float,
        conflicts: Iterable[TacticalConflict],
        live_ids: Collection[str] | None = None,
    ) -> list[EncounterEvent]:
        """The events of one cycle at ``now_s``: clears first, then raises, each by pair."""
        if now_s < self._now_s:
            raise ValueError(f"cycle time went backwards: {now_s} after {self._now_s}")
        self._now_s = now_s
        current = {c.pair: c for c in conflicts}
        events: list[EncounterEvent] = []
        for pair in sorted(self.open):
            enc = self.open[pair]
            if pair in current:
                continue
            if live_ids is not None and not (pair[0] in live_ids and pair[1] in live_ids):
                reason: Literal["resolved", "track_lost"] = "track_lost"
            elif now_s - enc.last_seen_s >= self.clear_after_s:
                reason = "resolved"
            else:
                continue
            del self.open[pair]
            events.append(
                EncounterEvent("cleared", enc.encounter_id, pair, now_s, enc.latest, reason)
            )
        for pair in sorted(current):
            conflict = current[pair]
            held = self.open.get(pair)
            if held is not None:
                held.last_seen_s = now_s
                held.latest = conflict
                continue
            self.open[pair] = Encounter(self._next_id, now_s, now_s, conflict)
            events.append(
                EncounterEvent("raised", self._next_id, pair, now_s, conflict, "predicted")
            )
            self._next_id += 1
        return events
