"""The scenario file (interchange v1): read a YAML or JSON scenario, check it, and hold it as
plain objects the replay engine walks through.

Every error is a :class:`ScenarioError` whose message names the place to fix: the file, the
event index and the field (``event 12 (request F-0012): departure.latest: ...``). Paths inside a
scenario (zone files, corridor files) are relative to the scenario file.

Times: ``start`` is an aware instant (t = 0); every event ``t`` and every departure window is in
seconds after it. Events are replayed in ``t`` order; events with the same ``t`` keep their
order in the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from airspace.deployment import Deployment
from airspace.drones import Drone
from airspace.formats import zone_from_dict
from airspace.zones import Zone
from planner.requests import FlightRequest, request_from_dict
from scenarios.checks import (
    ScenarioError,
    check_event,
    mapping,
    number,
    string,
)
from scenarios.format_sections import (
    DEPLOYMENTS,
    DRONE_CLASSES,
    ZoneSource,
    airspace_section,
    deployment_section,
    drone_section,
    parse_start,
    with_terrain,
)
from scenarios.schema import problems

FORMAT_VERSION = 1
EVENT_TYPES = (
    "request",
    "zone",
    "withdraw",
    "cancel",
    "review",
    "activate",
    "end",
    "ready",  # the workflow's pre-departure gate (scenarios/workflow.py)
    "confirm",
    "telemetry",  # positions (scenarios/fly.py)
)


@dataclass(frozen=True)
class Event:
    """One scenario event, already checked.

    ``index`` is the position in the file's ``events`` list (the number error messages and
    replay output use). ``data`` is the event mapping as written (for ``request`` events it is
    the request body the planner and the API read).
    """

    index: int
    t_s: float
    type: str
    data: dict[str, Any]
    request: FlightRequest | None = None
    """The parsed request of a ``request`` event."""
    zone: Zone | None = None
    """The parsed zone of a ``zone`` event."""

    @property
    def flight(self) -> str | None:
        """The flight the event is about (``request``, ``cancel``, ``review``, ...)."""
        f = self.data.get("flight")
        return None if f is None else str(f)


@dataclass
class Scenario:
    """A checked scenario: where, when, which airspace, which drones and what happens."""

    name: str
    start: datetime
    deployment: Deployment
    separation_h_m: float
    separation_v_m: float
    ceiling_m: float | None
    zone_sources: list[ZoneSource]
    corridors_file: Path | None
    drones: dict[str, Drone]
    events: list[Event]
    base_dir: Path
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def requests(self) -> list[Event]:
        """The ``request`` events in replay order."""
        return [e for e in self.events if e.type == "request"]

    def horizon_s(self) -> float:
        """The last second the scenario talks about (latest event or departure window end)."""
        last = 0.0
        for e in self.events:
            last = max(last, e.t_s)
            if e.type == "request":
                last = max(last, float(e.data["departure"]["latest"]))
        return last


def _events(
    raw: Any, drones: Mapping[str, Drone], start: datetime, deployment: Deployment
) -> list[Event]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ScenarioError("events: expected a list")
    out: list[Event] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        label = f"event {i}"
        if not isinstance(item, Mapping):
            raise ScenarioError(f"{label}: expected a mapping, got {type(item).__name__}")
        e = dict(item)
        kind = e.get("type")
        if kind not in EVENT_TYPES:
            raise ScenarioError(f"{label}.type: {kind!r} is not one of {list(EVENT_TYPES)}")
        if kind == "request" and e.get("flight") is not None:
            label = f"event {i} (request {e['flight']})"
        request = zone = None
        try:
            t_s = number(e.get("t"), "t", minimum=0.0)
            check_event(e, drones)
            if kind == "request":
                request = request_from_dict(e, drones[str(e["drone"])])
            elif kind == "zone":
                zone = zone_from_dict(dict(e["zone"]), start=start, tz=deployment.tz)
        except ValueError as exc:
            raise ScenarioError(f"{label}: {exc}") from None
        if kind == "request":
            fid = str(e["flight"])
            if fid in seen:
                raise ScenarioError(
                    f"{label}: flight: {fid!r} already requested by event {seen[fid]}"
                )
            seen[fid] = i
        out.append(Event(index=i, t_s=t_s, type=kind, data=e, request=request, zone=zone))
    out.sort(key=lambda ev: (ev.t_s, ev.index))
    return out


def scenario_from_dict(doc: Any, *, base_dir: Path | str = ".") -> Scenario:
    """Check a scenario document (already parsed YAML/JSON) and return a :class:`Scenario`.

    Parameters
    ----------
    doc : dict
        The scenario mapping (``qingkong_scenario: 1`` and the fields of DESIGN.md).
    base_dir : path
        Folder that relative zone and corridor paths are resolved against.

    Raises
    ------
    ScenarioError
        Naming the field (and event index) to fix.
    """
    base = Path(base_dir)
    d = mapping(doc, "scenario")
    version = d.get("qingkong_scenario")
    if version != FORMAT_VERSION:
        raise ScenarioError(f"qingkong_scenario: expected {FORMAT_VERSION}, got {version!r}")
    shape_problems = problems(d)  # unknown keys, with their path (scenarios.schema)
    if shape_problems:
        raise ScenarioError("; ".join(shape_problems[:5]))
    name = string(d.get("name", "scenario"), "name")
    start = parse_start(d.get("start"))
    deployment = with_terrain(deployment_section(d.get("deployment")), d.get("terrain"), base)
    sep = mapping(d.get("separation") or {}, "separation")
    sep_h = number(
        sep.get("horizontal_m", deployment.separation_horizontal_m),
        "separation.horizontal_m",
        positive=True,
    )
    sep_v = number(
        sep.get("vertical_m", deployment.separation_vertical_m),
        "separation.vertical_m",
        positive=True,
    )
    zone_sources, corridors, ceiling = airspace_section(d.get("airspace"), base)
    raw_drones = d.get("drones") or []
    if not isinstance(raw_drones, list):
        raise ScenarioError("drones: expected a list")
    drones: dict[str, Drone] = {}
    for i, rd in enumerate(raw_drones):
        dr = drone_section(rd, i)
        if dr.id in drones:
            raise ScenarioError(f"drones[{i}].id: {dr.id!r} appears twice")
        drones[dr.id] = dr
    events = _events(d.get("events"), drones, start, deployment)
    known = {
        "qingkong_scenario",
        "name",
        "description",
        "start",
        "deployment",
        "terrain",
        "separation",
        "airspace",
        "drones",
        "events",
    }
    return Scenario(
        name=name,
        start=start,
        deployment=deployment,
        separation_h_m=sep_h,
        separation_v_m=sep_v,
        ceiling_m=ceiling,
        zone_sources=zone_sources,
        corridors_file=corridors,
        drones=drones,
        events=events,
        base_dir=base,
        description=str(d.get("description", "")),
        extra={k: v for k, v in d.items() if k not in known},
    )


def read_document(path: Path | str) -> Any:
    """Parse a YAML or JSON file (by suffix; YAML otherwise, since JSON is YAML)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read ({exc.strerror})") from None
    try:
        if p.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(
            f"{p}: not valid {'JSON' if p.suffix.lower() == '.json' else 'YAML'}: {exc}"
        ) from None


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario file (YAML or JSON).

    Examples
    --------
    >>> from scenarios.format import load_scenario, QINGDAO_SCENARIOS
    >>> sc = load_scenario(QINGDAO_SCENARIOS / "emergency-priority.yaml")
    >>> sc.deployment.name
    'qingdao'
    """
    p = Path(path)
    doc = read_document(p)
    try:
        return scenario_from_dict(doc, base_dir=p.resolve().parent)
    except ScenarioError as exc:
        raise ScenarioError(f"{p}: {exc}") from None


QINGDAO_SCENARIOS = Path(__file__).resolve().parent / "qingdao"
"""Folder of the sample Qingdao scenarios."""


__all__ = [
    "DEPLOYMENTS",
    "DRONE_CLASSES",
    "EVENT_TYPES",
    "FORMAT_VERSION",
    "QINGDAO_SCENARIOS",
    "Event",
    "Scenario",
    "ScenarioError",
    "ZoneSource",
    "load_scenario",
    "parse_start",
    "read_document",
    "scenario_from_dict",
]
