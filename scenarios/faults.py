"""The faults a flown day injects, and what counts as detecting them.

A flight flown by :mod:`scenarios.fly` is a :class:`FlownFlight` (its approved plan in
metres); :func:`track` gives its nominal positions once a second, :func:`cruise_start` picks
a 30 s stretch of level flight for a fault, and :func:`inject` applies one (``drift``,
``altitude``, ``late``, ``lost_link``; ``stranger`` and ``wrong_operator`` are extra
telemetry the flying adds). :func:`fly_metrics` scores the alerts against the faults
(:data:`DETECTED_BY`).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from planner.conformance import Thresholds
from planner.trajectory import AreaOp, Trajectory4D

FAULT_KINDS = ("drift", "altitude", "late", "lost_link", "stranger", "wrong_operator")
DETECTED_BY = {
    "drift": {"OFF_ROUTE", "OUTSIDE_AREA"},
    "altitude": {"OFF_ALTITUDE", "CEILING_BREACH"},
    "late": {"OFF_SCHEDULE"},
    "lost_link": {"LOST_LINK"},
    "stranger": {"UNAUTHORISED_FLIGHT"},
    "wrong_operator": {"TELEMETRY_MISMATCH"},
}
"""Alert codes that count as detecting each fault kind (others on that flight are false)."""
ALSO_ALLOWED = {"stranger": {"CEILING_BREACH", "ZONE_BREACH"}, "altitude": {"OFF_ALTITUDE"}}
STEP_S = 1.0


def LATE_S(th: Thresholds) -> float:  # noqa: N802 - reads like the constant it nearly is
    """How late a ``late`` fault departs."""
    return 2 * th.time_s + 30


FAULT_S = 30.0


@dataclass
class FlownFlight:
    """An approved flight as flown: its drone, operator and plan (metres, planner seconds)."""

    flight: str
    drone: str
    operator: str
    plan: Trajectory4D | AreaOp


@dataclass
class Fault:
    """A fault the flown day injected (lost link, deviation ...)."""

    kind: str
    flight: str
    drone: str
    start_s: float

    def to_json(self) -> dict[str, Any]:
        """The fault as plain data."""
        return {
            "kind": self.kind,
            "flight": self.flight,
            "drone": self.drone,
            "start": self.start_s,
        }


def track(f: FlownFlight) -> np.ndarray:
    """Nominal positions ``x, y, z, t`` once a second from take-off to landing."""
    p = f.plan
    if isinstance(p, Trajectory4D):
        ts = np.arange(p.start_s, p.end_s, STEP_S)
        ts = np.append(ts, p.end_s)
        xyzt = p.xyzt
        return np.column_stack([np.interp(ts, xyzt[:, 3], xyzt[:, i]) for i in range(3)] + [ts])
    c = p.polygon_xy.representative_point()
    ts = np.arange(p.start_s, p.end_s + 1e-9, STEP_S)
    z = np.full(len(ts), (p.lower_m + p.upper_m) / 2)
    z[0] = z[-1] = 0.0 if p.lower_m <= 0 else z[0]
    return np.column_stack([np.full(len(ts), c.x), np.full(len(ts), c.y), z, ts])


def cruise_start(
    f: FlownFlight, track: np.ndarray, th: Thresholds, rng: random.Random
) -> float | None:
    """A start for a 30 s fault in level, moving flight (routes) or in the air (areas), with
    5 s of margin each side; ``None`` when the flight has no such stretch."""
    air = track[:, 2] > th.airborne_m
    if isinstance(f.plan, Trajectory4D):
        step = np.diff(track, axis=0)
        ok = (
            air[:-1]
            & air[1:]
            & (np.abs(step[:, 2]) < 1e-9)
            & (np.hypot(step[:, 0], step[:, 1]) > 0)
        )
    else:
        ok = air[:-1] & air[1:]
    runs, start = [], None
    for i, good in enumerate([*ok.tolist(), False]):
        if good and start is None:
            start = i
        elif not good and start is not None:
            runs.append((float(track[start, 3]), float(track[i, 3])))
            start = None
    runs = [(a, b) for a, b in runs if b - a >= FAULT_S + 10]
    if not runs:
        return None
    a, b = rng.choice(runs)
    return rng.uniform(a + 5, b - FAULT_S - 5)


def inject(kind: str, f: FlownFlight, track: np.ndarray, th: Thresholds, t0: float) -> np.ndarray:
    """The positions of ``f`` with a ``kind`` fault starting at ``t0`` (a copy)."""
    out = track.copy()
    win = (out[:, 3] >= t0) & (out[:, 3] < t0 + FAULT_S)
    if kind == "drift":
        if isinstance(f.plan, Trajectory4D):
            i = int(np.searchsorted(out[:, 3], t0))
            d = out[min(i + 1, len(out) - 1), :2] - out[max(i - 1, 0), :2]
            n = np.array([-d[1], d[0]]) / (np.hypot(*d) or 1.0)
            out[win, :2] += 4 * th.lateral_m * n
        else:
            x0, _y0, x1, _y1 = shapely.bounds(f.plan.polygon_xy)
            out[win, 0] += (x1 - x0) + 4 * th.lateral_m
    elif kind == "altitude":
        out[win, 2] += 3 * th.vertical_m
    elif kind == "late":
        out[:, 3] += LATE_S(th)
    elif kind == "lost_link":
        out = out[out[:, 3] < t0]
    return out


def spare_drone(f: FlownFlight) -> str:
    """The unapproved drone a ``stranger`` fault flies."""
    return f"{f.drone}-UNAPPROVED"


def other_operator(operators: set[str], operator: str) -> str:
    """The operator a ``wrong_operator`` fault publishes under: another one of the day."""
    ops = sorted(operators - {operator})
    return ops[0] if ops else "OP-ELSEWHERE"


def fly_metrics(
    flights: list[FlownFlight], faults: list[Fault], alerts: list[dict[str, Any]]
) -> dict[str, Any]:
    """Detection per fault, false alerts, conforming share (see the module docstring)."""
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for a in alerts:
        by_subject.setdefault(a["flight"] or a["drone"], []).append(a)
    latency, missed = [], []
    faulty: set[str] = set()
    for fault in faults:
        subject = fault.flight or fault.drone
        faulty.update({subject, fault.drone})
        hits = [
            a
            for a in by_subject.get(subject, []) + by_subject.get(fault.drone, [])
            if a["code"] in DETECTED_BY[fault.kind] and a["t"] >= fault.start_s
        ]
        if hits:
            latency.append(min(a["t"] for a in hits) - fault.start_s)
        else:
            missed.append(fault.to_json())
    false = [
        a for a in alerts if (a["flight"] or a["drone"]) not in faulty and a["drone"] not in faulty
    ]
    alerted = {a["flight"] for a in alerts if a["flight"]}
    n = len(flights)
    lat = np.asarray(latency)
    return {
        "flights": n,
        "faults": len(faults),
        "alerts_by_code": dict(sorted(Counter(a["code"] for a in alerts).items())),
        "conforming_share": round((n - len(alerted)) / n, 4) if n else 1.0,
        "detection_latency_s": {
            "p50": float(np.median(lat)) if lat.size else None,
            "max": float(lat.max()) if lat.size else None,
        },
        "missed": missed,
        "false_alerts": false,
    }
