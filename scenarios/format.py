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

from airspace.deployment import QINGDAO, Deployment, local_deployment
from airspace.drones import Drone
from airspace.formats import zone_from_dict
from airspace.terrain import named_or_path
from airspace.zones import Zone
from planner.requests import FlightRequest, request_from_dict
from scenarios.checks import (
    ScenarioError,
    check_event,
    lonlat,
    mapping,
    number,
    string,
    where,
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
DRONE_CLASSES = ("micro", "light", "small", "medium", "large")
DEPLOYMENTS: dict[str, Deployment] = {"qingdao": QINGDAO}


@dataclass(frozen=True)
class ZoneSource:
    """One entry of ``airspace.zones``: a zone file (resolved path) or an inline zone."""

    file: Path | None = None
    inline: dict[str, Any] | None = None


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


def parse_start(value: Any, path: str = "start") -> datetime:
    """An aware instant from RFC 3339 text (YAML may already have made it a datetime)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError(where(path, f"not an RFC 3339 time: {value!r}")) from None
    else:
        raise ScenarioError(where(path, f"expected an RFC 3339 time with an offset, got {value!r}"))
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ScenarioError(
            where(path, f"{value!r} has no time zone; write e.g. 2026-12-01T07:00:00+08:00")
        )
    return dt


def _deployment(value: Any) -> Deployment:
    if value is None:
        return QINGDAO
    if isinstance(value, str):
        try:
            return DEPLOYMENTS[value.lower()]
        except KeyError:
            raise ScenarioError(
                f"deployment: unknown {value!r}; use one of {sorted(DEPLOYMENTS)} "
                "or {centre: [lon, lat], crs: ..., timezone: ...}"
            ) from None
    d = mapping(value, "deployment")
    if "centre" not in d:
        raise ScenarioError(
            "deployment.centre: required ([lon, lat]) for a deployment outside the named ones"
        )
    lon, lat = lonlat(d.pop("centre"), "deployment.centre")
    kwargs: dict[str, Any] = {}
    for key in ("name", "crs", "timezone", "rules", "locale"):
        if key in d:
            kwargs[key] = None if d[key] is None else str(d.pop(key))
    for key in ("ground_elevation_m", "geoid_undulation_m"):
        if key in d:
            kwargs[key] = number(d.pop(key), f"deployment.{key}")
    if d:
        raise ScenarioError(f"deployment: unknown field(s) {sorted(d)}")
    return local_deployment(lon, lat, **kwargs)


def _drone(d: Any, i: int) -> Drone:
    path = f"drones[{i}]"
    d = mapping(d, path)
    did = string(d.get("id"), f"{path}.id")
    path = f"drones[{i}] ({did})"
    cls = d.get("class")
    if cls is not None and str(cls) not in DRONE_CLASSES:
        raise ScenarioError(f"{path}.class: {cls!r} is not one of {list(DRONE_CLASSES)}")
    kwargs: dict[str, Any] = {}
    for key in _DRONE_NUMBERS:
        if d.get(key) is not None:
            name = "max_takeoff_weight_kg" if key == "mtow_kg" else key
            kwargs[name] = number(d[key], f"{path}.{key}", positive=True)
    caps = d.get("capabilities", [])
    if not isinstance(caps, list) or not all(isinstance(c, str) for c in caps):
        raise ScenarioError(f"{path}.capabilities: expected a list of strings")
    known = {"id", "operator", "serial", "class", "capabilities", *_DRONE_NUMBERS}
    unknown = sorted(set(d) - known)
    if unknown:
        raise ScenarioError(f"{path}: unknown field(s) {unknown}")
    return Drone(
        id=did,
        operator_id=str(d.get("operator", "")),
        serial=str(d.get("serial", "")),
        capabilities=frozenset(caps),
        drone_class=None if cls is None else str(cls),
        **kwargs,
    )


_DRONE_NUMBERS = (
    "max_speed_mps",
    "vertical_rate_mps",
    "max_altitude_m",
    "empty_weight_kg",
    "mtow_kg",
    "max_takeoff_weight_kg",
)


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


def _airspace(raw: Any, base_dir: Path) -> tuple[list[ZoneSource], Path | None, float | None]:
    if raw is None:
        return [], None, None
    a = mapping(raw, "airspace")
    ceiling = (
        None
        if a.get("ceiling_m") is None
        else number(a["ceiling_m"], "airspace.ceiling_m", positive=True)
    )
    sources: list[ZoneSource] = []
    zones = a.get("zones") or []
    if not isinstance(zones, list):
        raise ScenarioError("airspace.zones: expected a list of {file: ...} or inline zones")
    for k, z in enumerate(zones):
        z = mapping(z, f"airspace.zones[{k}]")
        if "file" in z:
            p = (base_dir / string(z["file"], f"airspace.zones[{k}].file")).resolve()
            if not p.is_file():
                raise ScenarioError(f"airspace.zones[{k}].file: {p} does not exist")
            sources.append(ZoneSource(file=p))
        else:
            string(z.get("id"), f"airspace.zones[{k}].id")
            sources.append(ZoneSource(inline=z))
    corridors = a.get("corridors")
    cpath: Path | None = None
    if corridors is not None:
        c = mapping(corridors, "airspace.corridors")
        cpath = (base_dir / string(c.get("file"), "airspace.corridors.file")).resolve()
        if not cpath.is_file():
            raise ScenarioError(f"airspace.corridors.file: {cpath} does not exist")
    return sources, cpath, ceiling


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
    deployment = _with_terrain(_deployment(d.get("deployment")), d.get("terrain"), base)
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
    zone_sources, corridors, ceiling = _airspace(d.get("airspace"), base)
    raw_drones = d.get("drones") or []
    if not isinstance(raw_drones, list):
        raise ScenarioError("drones: expected a list")
    drones: dict[str, Drone] = {}
    for i, rd in enumerate(raw_drones):
        dr = _drone(rd, i)
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


def _with_terrain(deployment: Deployment, value: Any, base: Path) -> Deployment:
    """``terrain:``: a named model (``qingdao-illustrative``) or a GeoTIFF DEM relative to the
    scenario file (:mod:`airspace.terrain`); ``none`` / absent for flat ground."""
    if value is None or (isinstance(value, str) and value.lower() in ("none", "flat")):
        return deployment
    path = named_or_path(string(value, "terrain"), base)
    if not path.is_file():
        raise ScenarioError(f"terrain: {value!r} is not a file (a GeoTIFF DEM)")
    return deployment.with_(terrain=str(path))


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
