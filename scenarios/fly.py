"""Fly a scenario: replay its requests, then fly every approved flight as telemetry (one
position a second) through the conformance monitor, with faults injected into a share of the
flights, and report what was detected.

Faults (``kind``: what the telemetry does -> the alerts that count as detecting it):

- ``drift``: 30 s flown ``4 x conformance_lateral_m`` beside the route -> ``OFF_ROUTE``
  (area operations: beside the polygon -> ``OUTSIDE_AREA``);
- ``altitude``: 30 s flown ``3 x conformance_vertical_m`` high -> ``OFF_ALTITUDE``
  (``CEILING_BREACH`` as well when that is above the ceiling);
- ``late``: the whole flight departs ``2 x conformance_time_s + 30`` s late -> ``OFF_SCHEDULE``;
- ``lost_link``: the drone stops reporting mid-flight -> ``LOST_LINK``;
- ``stranger``: another drone of the operator flies the same route 10 minutes later with no
  approval -> ``UNAUTHORISED_FLIGHT``;
- ``wrong_operator``: one position of the flight is published under another operator ->
  ``TELEMETRY_MISMATCH``.

``telemetry`` events of the scenario (hand-written positions) are flown as well. The clock is
simulated: a position is received at its own time, lost links are checked every second.

The document: ``{"qingkong_fly": 1, "scenario", "seed", "faults": [...], "alerts": [...],
"metrics": {...}}`` with ``metrics``: flights flown, conforming share (flights with no alert),
alerts by code, detection latency per fault (fault start -> first matching alert), faults
missed and alerts on nominal flights (both should be empty).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from airspace.geoawareness import ZoneIndex
from airspace.projection import Projection
from airspace.rulesets import RULESETS
from airspace.schedule import is_active
from planner.conformance import ConformanceMonitor, Event, Thresholds, ZoneVolumeXY
from planner.trajectory import AreaOp, Trajectory4D
from scenarios.format import Scenario
from scenarios.metrics import final_decisions
from scenarios.replay import load_airspace, replay

FLY_VERSION = 1
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
class _Flight:
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


def _flown(scenario: Scenario, projection: Projection) -> list[_Flight]:
    result = replay(scenario, progress=False)
    final = result.document["final"]
    out = []
    for fid, d in sorted(final_decisions(result.document["decisions"]).items()):
        if final.get(fid) != "accepted":
            continue
        drone = scenario.drones[str(d.get("drone") or _drone_of(scenario, fid))]
        if d.get("trajectory"):
            rows = np.asarray(d["trajectory"], dtype=np.float64)
            x, y = projection.to_xy(rows[:, 0], rows[:, 1])
            plan: Trajectory4D | AreaOp = Trajectory4D(np.column_stack([x, y, rows[:, 2:4]]))
        else:
            plan = AreaOp.from_lonlat(
                shape(d["area"]), d["lower_m"], d["upper_m"], d["start"], d["end"], projection
            )
        out.append(_Flight(fid, drone.id, drone.operator_id or "", plan))
    return out


def _one_at_a_time(flights: list[_Flight], gap_s: float) -> tuple[list[_Flight], list[str]]:
    """A drone flies one flight at a time: flights starting less than ``gap_s`` after the end
    of an earlier one of the same drone are not flown (returned second)."""
    busy_until: dict[str, float] = {}
    flown, skipped = [], []
    for f in sorted(flights, key=lambda f: (f.plan.start_s, f.flight)):
        if f.plan.start_s <= busy_until.get(f.drone, -math.inf):
            skipped.append(f.flight)
            continue
        busy_until[f.drone] = f.plan.end_s + gap_s
        flown.append(f)
    return flown, skipped


def _drone_of(scenario: Scenario, flight: str) -> str:
    return next(str(e.data["drone"]) for e in scenario.requests if e.flight == flight)


def _track(f: _Flight) -> np.ndarray:
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


def _cruise_start(
    f: _Flight, track: np.ndarray, th: Thresholds, rng: random.Random
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


def _inject(kind: str, f: _Flight, track: np.ndarray, th: Thresholds, t0: float) -> np.ndarray:
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


def fly(
    scenario: Scenario,
    *,
    faults: float = 0.05,
    seed: int = 0,
    thresholds: Thresholds | None = None,
) -> dict[str, Any]:
    """Fly ``scenario`` with faults in ``faults`` (share) of its approved flights; the document
    described in the module docstring."""
    th = thresholds or Thresholds()
    dep = scenario.deployment
    projection = Projection.for_deployment(dep)
    # room for a late departure (the fault) before the drone's next flight
    flights, overlapping = _one_at_a_time(_flown(scenario, projection), LATE_S(th) + 30)
    rng = random.Random(seed)
    tracks = {f.flight: _track(f) for f in flights}
    eligible = [f for f in flights if _cruise_start(f, tracks[f.flight], th, rng) is not None]
    n_faults = min(len(eligible), round(faults * len(flights)))
    chosen = rng.sample(eligible, n_faults)
    injected: list[Fault] = []
    # (t, operator, drone, x, y, z); flights to activate at their first position
    rows: list[tuple[float, str, str, float, float, float]] = []
    first_seen: dict[str, tuple[str, float]] = {}
    for k, f in enumerate(chosen):
        kind = (
            FAULT_KINDS[k % len(FAULT_KINDS)] if k < len(FAULT_KINDS) else rng.choice(FAULT_KINDS)
        )
        tr = tracks[f.flight]
        t0 = _cruise_start(f, tr, th, rng) or 0.0
        if kind == "stranger":
            stranger = _spare_drone(scenario, f)
            shifted = tr.copy()
            shifted[:, 3] += 600
            rows += [(r[3], f.operator, stranger, r[0], r[1], r[2]) for r in shifted]
            air = shifted[shifted[:, 2] > th.airborne_m, 3]
            injected.append(Fault(kind, "", stranger, float(air[0])))
            continue
        if kind == "wrong_operator":
            r = tr[int(np.searchsorted(tr[:, 3], t0))]
            other = _other_operator(scenario, f.operator)
            rows.append((float(r[3]) + 0.5, other, f.drone, r[0], r[1], r[2]))
            injected.append(Fault(kind, f.flight, f.drone, float(r[3]) + 0.5))
            continue
        tracks[f.flight] = _inject(kind, f, tr, th, t0)
        start = {"late": float(tracks[f.flight][0, 3])}.get(kind, t0)
        if kind == "late":
            air = tracks[f.flight][tracks[f.flight][:, 2] > th.airborne_m, 3]
            start = float(air[0])
        injected.append(Fault(kind, f.flight, f.drone, start))
    for f in flights:
        tr = tracks[f.flight]
        first_seen[f.flight] = (f.drone, float(tr[0, 3]))
        rows += [(r[3], f.operator, f.drone, r[0], r[1], r[2]) for r in tr]
    rows += _scenario_telemetry(scenario, projection)
    # the operator of a drone that lost its link closes the flight once it should have landed,
    # so the drone's next flight is not taken for the lost one
    by_id = {f.flight: f for f in flights}
    closes = sorted(
        (by_id[x.flight].plan.end_s + th.time_s, x.flight)
        for x in injected
        if x.kind == "lost_link"
    )
    alerts = _run(scenario, flights, rows, th, projection, closes)
    return {
        "qingkong_fly": FLY_VERSION,
        "scenario": scenario.name,
        "seed": seed,
        "faults_share": faults,
        "thresholds": th.__dict__,
        "faults": [x.to_json() for x in injected],
        "alerts": alerts,
        "metrics": fly_metrics(flights, injected, alerts) | {"not_flown_overlapping": overlapping},
    }


def _spare_drone(scenario: Scenario, f: _Flight) -> str:
    return f"{f.drone}-UNAPPROVED"


def _other_operator(scenario: Scenario, operator: str) -> str:
    ops = sorted({d.operator_id or "" for d in scenario.drones.values()} - {operator})
    return ops[0] if ops else "OP-ELSEWHERE"


def _scenario_telemetry(scenario: Scenario, projection: Projection) -> list[tuple]:
    out = []
    for ev in scenario.events:
        if ev.type != "telemetry":
            continue
        for p in ev.data["positions"]:
            drone = str(p["drone"])
            op = str(p.get("operator") or scenario.drones[drone].operator_id or "")
            x, y = projection.to_xy([p["lon"]], [p["lat"]])
            out.append(
                (
                    float(p.get("t", ev.t_s)),
                    op,
                    drone,
                    float(x[0]),
                    float(y[0]),
                    float(p["altitude_m"]),
                )
            )
    return out


def _zones(scenario: Scenario, projection: Projection) -> list[ZoneVolumeXY]:
    zones = load_airspace(scenario).zones
    published = {z.identifier: 0.0 for z in zones}
    for ev in scenario.events:
        if ev.type == "zone" and ev.zone is not None:
            zones.append(ev.zone)
            published[ev.zone.identifier] = ev.t_s
    index = ZoneIndex(zones, scenario.deployment)
    start, tz = scenario.start, scenario.deployment.tz

    def active(zone, since_s):
        return lambda t: (
            t >= since_s
            and (zone.is_permanent or is_active(zone, start + timedelta(seconds=t), tz))
        )

    return [
        ZoneVolumeXY(
            index.zones[v.zone_index].identifier,
            str(index.zones[v.zone_index].restriction),
            v.polygon_xy,
            v.lower_agl_m,
            v.upper_agl_m,
            active(index.zones[v.zone_index], published[index.zones[v.zone_index].identifier]),
        )
        for v in index.volumes
    ]


def _run(scenario, flights, rows, th, projection, closes=()) -> list[dict[str, Any]]:
    ceiling = (
        scenario.ceiling_m
        if scenario.ceiling_m is not None
        else RULESETS[scenario.deployment.rules].ceiling_m
    )
    m = ConformanceMonitor(th, ceiling_m=ceiling)
    m.set_zones(_zones(scenario, projection))
    owner = {d.id: d.operator_id or "" for d in scenario.drones.values()}
    starts: dict[str, list[_Flight]] = {}
    for f in flights:
        starts.setdefault(f.drone, []).append(f)
    activated: set[str] = set()
    for f in flights:
        m.watch(f.flight, f.drone, f.plan, "accepted", now_s=0.0)
    rows.sort(key=lambda r: r[0])
    events: list[Event] = []
    next_tick = math.floor(rows[0][0]) + 1 if rows else 0
    closes = list(closes)
    i = 0
    while i < len(rows):
        t = rows[i][0]
        while closes and closes[0][0] <= t:
            events += m.forget(closes.pop(0)[1])
        while next_tick <= t:
            events += m.tick(next_tick)
            next_tick += 1
        j = i
        while j < len(rows) and rows[j][0] == t:
            j += 1
        batch = []
        for _, op, drone, x, y, z in rows[i:j]:
            if owner.get(drone, op) != op:
                events += m.refused(drone, "TELEMETRY_MISMATCH", drone, t, {"operator": op})
                continue
            for f in starts.get(drone, ()):
                # the operator activates the flight at take-off
                if (
                    f.flight not in activated
                    and z > th.airborne_m
                    and m.flight_for(drone, t) == f.flight
                ):
                    activated.add(f.flight)
                    m.watch(f.flight, f.drone, f.plan, "activated", now_s=t)
            batch.append((drone, x, y, z))
        if batch:
            d, x, y, z = zip(*batch, strict=True)
            events += m.observe(list(d), x, y, z, [t] * len(d), now_s=t)
        i = j
    for _ in range(int(th.lost_link_s) + 2):
        events += m.tick(next_tick)
        next_tick += 1
    return [
        {"code": e.code, "flight": e.flight, "drone": e.drone, "t": e.t_s}
        for e in events
        if e.kind == "raised"
    ]


def fly_metrics(
    flights: list[_Flight], faults: list[Fault], alerts: list[dict[str, Any]]
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
