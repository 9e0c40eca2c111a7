"""The tactical layer over a replay: the approved flights flown as planned, watched by the same
state-based detector and encounter tracker as the live service, one cycle a second.

At each cycle every flight in the air is at its plan's position with its current segment's
velocity; :func:`planner.tactical.detect` predicts losses of separation over the look-ahead and
:class:`planner.tactical.EncounterTracker` turns them into encounters (raised once, cleared when
over). A managed replay's plans are strategically separated, so its encounters are the
predictions a straight-line look-ahead makes near turns and climbs; an ``--unmanaged`` replay's
are the real meetings strategic planning would have removed. Area operations are not flown
(they have no single position).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from airspace.projection import Projection
from planner.tactical import EncounterTracker, detect

GONE = ("cancelled", "revoked", "rejected", "pending")


def _segments(
    doc: dict[str, Any], projection: Projection
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flights and their segments: ``flight index, t0, t1``, start points, velocities."""
    final = doc.get("final", {})
    plans: dict[str, list[list[float]]] = {}
    for d in doc.get("decisions", []):
        if d.get("trajectory"):
            plans[d["flight"]] = d["trajectory"]
    flights = sorted(f for f in plans if final.get(f) not in GONE)
    rows_f, t0s, t1s, starts, vels = [], [], [], [], []
    for k, f in enumerate(flights):
        rows = np.asarray(plans[f], dtype=np.float64)
        x, y = projection.to_xy(rows[:, 0], rows[:, 1])
        xyz = np.column_stack([x, y, rows[:, 2]])
        t = rows[:, 3]
        dt = np.diff(t)
        ok = dt > 0
        rows_f += [k] * int(ok.sum())
        t0s.append(t[:-1][ok])
        t1s.append(t[1:][ok])
        starts.append(xyz[:-1][ok])
        vels.append((np.diff(xyz, axis=0)[ok]) / dt[ok, None])
    if not rows_f:
        return flights, np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)
    seg = np.column_stack([rows_f, np.concatenate(t0s), np.concatenate(t1s)])
    return flights, seg, np.vstack(starts), np.vstack(vels), seg[:, 0].astype(np.int64)


def tactical_metrics(
    doc: dict[str, Any],
    projection: Projection,
    *,
    sep_h_m: float,
    sep_v_m: float,
    lookahead_s: float = 60.0,
    step_s: float = 1.0,
) -> dict[str, Any]:
    """Encounters the tactical layer raises while the replay's approved flights fly their plans.

    Returns ``encounters`` (raised), ``flights_involved``, ``cycles`` (with two or more flights
    in the air), ``max_in_air`` and the first ``examples`` (pair, time raised, time to loss).
    """
    flights, seg, start, vel, owner = _segments(doc, projection)
    tracker = EncounterTracker()
    raised: list[dict[str, Any]] = []
    cycles = max_in_air = 0
    if len(seg):
        t_s = float(seg[:, 1].min())
        end_s = float(seg[:, 2].max())
        while t_s <= end_s:
            active = np.flatnonzero((seg[:, 1] <= t_s) & (t_s < seg[:, 2]))
            ids = [flights[i] for i in owner[active]]
            max_in_air = max(max_in_air, len(ids))
            conflicts = []
            if len(ids) >= 2:
                cycles += 1
                pos = start[active] + vel[active] * (t_s - seg[active, 1])[:, None]
                states = np.ascontiguousarray(np.hstack([pos, vel[active]]))
                conflicts = detect(
                    ids, states, sep_h_m=sep_h_m, sep_v_m=sep_v_m, lookahead_s=lookahead_s
                )
            for e in tracker.update(t_s, conflicts, live_ids=set(ids)):
                if e.kind == "raised":
                    raised.append(
                        {
                            "flights": list(e.pair),
                            "t": round(t_s, 3),
                            "time_to_loss_s": round(e.conflict.t_los_s, 3),
                        }
                    )
            t_s += step_s
    return {
        "encounters": len(raised),
        "flights_involved": len({f for r in raised for f in r["flights"]}),
        "cycles": cycles,
        "max_in_air": max_in_air,
        "lookahead_s": lookahead_s,
        "examples": raised[:20],
    }
