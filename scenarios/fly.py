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
missed and alerts on nominal flights (both should be empty). The faults themselves and the
scoring are :mod:`scenarios.faults`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
from shapely.geometry import shape

from airspace.geoawareness import ZoneIndex
from airspace.projection import Projection
from airspace.rulesets import RULESETS
from airspace.schedule import is_active
from airspace.zones import Zone
from planner.conformance import ConformanceMonitor, Event, Thresholds, ZoneVolumeXY
from planner.conformance_events import zone_volumes_xy
from planner.trajectory import AreaOp, Trajectory4D
from scenarios.faults import (
    FAULT_KINDS,
    LATE_S,
    Fault,
    FlownFlight,
    cruise_start,
    fly_metrics,
    inject,
    other_operator,
    spare_drone,
    track,
)
from scenarios.format import Scenario
from scenarios.metrics import final_decisions
from scenarios.replay import load_airspace, replay

FLY_VERSION = 1


def _flown(scenario: Scenario, projection: Projection) -> list[FlownFlight]:
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
        out.append(FlownFlight(fid, drone.id, drone.operator_id or "", plan))
    return out


def _one_at_a_time(flights: list[FlownFlight], gap_s: float) -> tuple[list[FlownFlight], list[str]]:
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
    tracks = {f.flight: track(f) for f in flights}
    eligible = [f for f in flights if cruise_start(f, tracks[f.flight], th, rng) is not None]
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
        t0 = cruise_start(f, tr, th, rng) or 0.0
        if kind == "stranger":
            stranger = spare_drone(f)
            shifted = tr.copy()
            shifted[:, 3] += 600
            rows += [(r[3], f.operator, stranger, r[0], r[1], r[2]) for r in shifted]
            air = shifted[shifted[:, 2] > th.airborne_m, 3]
            injected.append(Fault(kind, "", stranger, float(air[0])))
            continue
        if kind == "wrong_operator":
            r = tr[int(np.searchsorted(tr[:, 3], t0))]
            other = other_operator(
                {d.operator_id or "" for d in scenario.drones.values()}, f.operator
            )
            rows.append((float(r[3]) + 0.5, other, f.drone, r[0], r[1], r[2]))
            injected.append(Fault(kind, f.flight, f.drone, float(r[3]) + 0.5))
            continue
        tracks[f.flight] = inject(kind, f, tr, th, t0)
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

    def active(zone: Zone) -> Callable[[float], bool]:
        since_s = published[zone.identifier]
        return lambda t: (
            t >= since_s
            and (zone.is_permanent or is_active(zone, start + timedelta(seconds=t), tz))
        )

    return zone_volumes_xy(index, active)


def _run(scenario, flights, rows, th, projection, closes=()) -> list[dict[str, Any]]:
    ceiling = (
        scenario.ceiling_m
        if scenario.ceiling_m is not None
        else RULESETS[scenario.deployment.rules].ceiling_m
    )
    m = ConformanceMonitor(th, ceiling_m=ceiling)
    m.set_zones(_zones(scenario, projection))
    owner = {d.id: d.operator_id or "" for d in scenario.drones.values()}
    starts: dict[str, list[FlownFlight]] = {}
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
