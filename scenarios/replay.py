"""The replay engine: walk a scenario's events in time order through a backend (the planner in
this process, or a running qingkong service over HTTP), collect every decision, check the
result independently and measure it.

A backend answers in the interchange JSON (``Decision.to_json()`` objects), so the engine, the
metrics and the safety check read the same thing whichever backend ran. The replay document:

``{"qingkong_replay": 1, "scenario", "backend", "decisions": [...], "final": {flight: state},
"errors": [...], "metrics": {...}}``

Each decision entry is the decision object plus ``event`` (the index of the scenario event
that caused it), ``t`` (the event time) and ``kind``: ``request`` (the answer to a request),
``review`` (a regulator's verdict), ``replanned`` / ``revoked`` / ``approved`` (changes to other
flights that an event caused, with the ``cause`` reason).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import shape
from tqdm import tqdm

from airspace.corridors import CorridorNetwork
from airspace.formats import load_zones, zone_from_dict
from airspace.zones import Zone
from scenarios.backends import Backend, InProcessBackend
from scenarios.format import Event, Scenario, ScenarioError
from scenarios.metrics import FLYING_STATES, final_decisions, replay_metrics
from scenarios.safety import AreaVolume, RouteVolume, SafetyReport, check_safety, zone_windows
from scenarios.workflow import workflow_metrics

REPLAY_VERSION = 1


@dataclass
class Airspace:
    """The airspace a scenario starts with: zones (files and inline) and the corridor network."""

    zones: list[Zone]
    corridors: CorridorNetwork | None


def load_airspace(scenario: Scenario) -> Airspace:
    """Read the scenario's zone files, inline zones and corridor file.

    Raises
    ------
    ScenarioError
        Naming the zone entry and what is wrong with it.
    """
    zones: list[Zone] = []
    for k, src in enumerate(scenario.zone_sources):
        try:
            if src.file is not None:
                zones.extend(load_zones(src.file, deployment=scenario.deployment))
            else:
                zones.append(
                    zone_from_dict(
                        dict(src.inline or {}), start=scenario.start, tz=scenario.deployment.tz
                    )
                )
        except (ValueError, OSError) as exc:
            raise ScenarioError(f"airspace.zones[{k}]: {exc}") from None
    corridors = None
    if scenario.corridors_file is not None:
        try:
            corridors = CorridorNetwork.from_geojson(
                scenario.corridors_file,
                scenario.deployment,
                separation_vertical_m=scenario.separation_v_m,
            )
        except (ValueError, OSError) as exc:
            raise ScenarioError(f"airspace.corridors: {exc}") from None
    return Airspace(zones=zones, corridors=corridors)


def event_zone(scenario: Scenario, event: Event) -> Zone:
    """The zone a ``zone`` event publishes (inline form; schedule seconds after the start)."""
    if event.zone is not None:
        return event.zone
    try:
        return zone_from_dict(
            dict(event.data["zone"]), start=scenario.start, tz=scenario.deployment.tz
        )
    except ValueError as exc:
        raise ScenarioError(f"event {event.index} (zone): {exc}") from None


@dataclass
class ReplayResult:
    """A finished replay: the JSON document and the safety report behind its verdict."""

    document: dict[str, Any]
    safety: SafetyReport
    zones: list[Zone] = field(default_factory=list)
    corridors: CorridorNetwork | None = None

    @property
    def ok(self) -> bool:
        """Whether the final safety check passed."""
        return self.safety.ok


def _entry(event: Event, kind: str, decision: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"event": event.index, "t": event.t_s, "kind": kind, **decision, **extra}


def safety_inputs(
    decisions: Sequence[dict[str, Any]], final: dict[str, str]
) -> tuple[list[RouteVolume], list[AreaVolume], set[str]]:
    """The flown flights' planned volumes and the flights a regulator authorised (by review or
    a long-term application)."""
    routes: list[RouteVolume] = []
    areas: list[AreaVolume] = []
    for fid, d in sorted(final_decisions(decisions).items()):
        if final.get(fid) not in FLYING_STATES:
            continue
        if d.get("trajectory"):
            routes.append(RouteVolume(fid, np.asarray(d["trajectory"], dtype=np.float64)))
        elif d.get("area") is not None:
            areas.append(
                AreaVolume(
                    fid,
                    shape(d["area"]),
                    float(d["lower_m"]),
                    float(d["upper_m"]),
                    float(d["start"]),
                    float(d["end"]),
                )
            )
    authorised = {
        str(d["flight"])
        for d in decisions
        if (d.get("kind") == "review" or d.get("long_term")) and d.get("status") == "approved"
    }  # approved by a review, or under an approved long-term application
    return routes, areas, authorised


def replay(
    scenario: Scenario,
    *,
    backend: Backend | None = None,
    airspace: Airspace | None = None,
    progress: bool | None = None,
) -> ReplayResult:
    """Replay a scenario and return the replay document (decisions, final states, metrics).

    Parameters
    ----------
    scenario : Scenario
        From :func:`scenarios.format.load_scenario`.
    backend : Backend, optional
        Defaults to an :class:`InProcessBackend` over a fresh planner.
    airspace : Airspace, optional
        The loaded zones and corridors (read from the scenario when omitted).
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.

    Returns
    -------
    ReplayResult
        ``document`` is deterministic for a given scenario except ``metrics.timing``.
    """
    airspace = airspace or load_airspace(scenario)
    backend = backend or InProcessBackend(scenario, airspace)
    show = sys.stderr.isatty() if progress is None else progress
    decisions: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    published: dict[str, float] = {z.identifier: 0.0 for z in airspace.zones}
    withdrawn: dict[str, float] = {}
    all_zones: dict[str, Zone] = {z.identifier: z for z in airspace.zones}
    n_requests = 0

    def changes(event: Event, items: list[dict[str, Any]]) -> None:
        for c in items:
            decisions.append(_entry(event, c["change"], c["decision"], cause=c.get("reason")))

    started = time.perf_counter()
    bar = tqdm(
        scenario.events,
        desc=scenario.name,
        unit="ev",
        disable=not show,
        file=sys.stderr,
        mininterval=0.5,
    )
    try:
        for ev in bar:
            data = ev.data
            try:
                if ev.type == "request":
                    n_requests += 1
                    d, ch = backend.request(ev)
                    decisions.append(_entry(ev, "request", d))
                    changes(ev, ch)
                elif ev.type == "review":
                    d, ch = backend.review(
                        ev.flight or "",
                        data["verdict"] == "approve",
                        ev.t_s,
                        str(data.get("comment", "")),
                    )
                    decisions.append(_entry(ev, "review", d))
                    changes(ev, ch)
                elif ev.type == "zone":
                    zone = event_zone(scenario, ev)
                    changes(ev, backend.publish_zone(zone, dict(data["zone"]), ev.t_s))
                    all_zones[zone.identifier] = zone
                    published[zone.identifier] = ev.t_s
                    withdrawn.pop(zone.identifier, None)
                elif ev.type == "telemetry":
                    continue  # flown by scenarios.fly, not decided
                elif ev.type == "withdraw":
                    zid = str(data["zone"])
                    backend.withdraw_zone(zid, ev.t_s)
                    withdrawn[zid] = ev.t_s
                else:
                    backend.transition(ev.type, ev.flight or "", ev.t_s)
            except ScenarioError:
                raise
            except (KeyError, ValueError, LookupError, RuntimeError) as exc:
                msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                errors.append({"event": ev.index, "t": ev.t_s, "type": ev.type, "error": str(msg)})
    finally:
        bar.close()
    wall_s = time.perf_counter() - started
    final = dict(sorted(backend.final_states().items()))
    backend.close()

    routes, areas, authorised = safety_inputs(decisions, final)
    horizon = (
        max(
            [scenario.horizon_s()]
            + [float(r.trajectory[-1, 3]) for r in routes]
            + [a.end_s for a in areas]
        )
        + 1.0
    )
    windows = zone_windows(
        all_zones.values(),
        start=scenario.start,
        horizon_s=horizon,
        deployment=scenario.deployment,
        published_s=published,
        withdrawn_s=withdrawn,
    )
    report = check_safety(
        routes,
        areas,
        windows,
        deployment=scenario.deployment,
        sep_h_m=scenario.separation_h_m,
        sep_v_m=scenario.separation_v_m,
        authorised=authorised,
    )
    metrics = replay_metrics(
        decisions,
        final,
        requests=n_requests,
        safety=report.to_json(),
        wall_s=wall_s,
        errors=len(errors),
    )
    workflow = workflow_metrics(decisions, scenario.start)
    if workflow is not None:
        metrics["workflow"] = workflow
    document = {
        "qingkong_replay": REPLAY_VERSION,
        "scenario": scenario.name,
        "start": scenario.start.isoformat(),
        "backend": backend.name,
        "decisions": decisions,
        "final": final,
        "errors": errors,
        "metrics": metrics,
    }
    return ReplayResult(
        document=document,
        safety=report,
        zones=list(all_zones.values()),
        corridors=airspace.corridors,
    )
