"""The scenario file format (interchange v1) as pydantic models: what keys exist, where, and what
they hold. :func:`check_document` refuses unknown keys with the key's name and path (a misspelt
``separaton:`` used to be ignored, so the default separation was used), and :func:`json_schema`
publishes the format (``qingkong scenario schema``) so editors can complete and check files.

Only the shape is checked here; :mod:`scenarios.format` then checks values and meaning (drones
that exist, windows that make sense, zone geometry). Event indices count from 0.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Number = float | int
Time = Annotated[Number | str | datetime, Field(description="seconds after `start`, or RFC 3339")]
LonLat = Annotated[list[Number], Field(min_length=2, max_length=2, description="[lon, lat]")]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Separation(_Closed):
    """Separation minima (the deployment's when absent)."""

    horizontal_m: Number | None = Field(default=None, description="metres; flights closer conflict")
    vertical_m: Number | None = Field(default=None, description="metres")


class DeploymentSpec(_Closed):
    """A deployment other than the named ones."""

    centre: LonLat
    name: str | None = None
    crs: str | None = Field(default=None, description="e.g. EPSG:4549")
    timezone: str | None = Field(default=None, description="e.g. Asia/Shanghai")
    rules: str | None = Field(default=None, description="national rule set, e.g. CN")
    locale: str | None = None
    ground_elevation_m: Number | None = None
    geoid_undulation_m: Number | None = None


class ZoneFile(_Closed):
    file: str = Field(description="ED-269, ED-318 or GeoJSON file, relative to the scenario")


class ScheduleWindow(_Closed):
    start: Time
    end: Time


class InlineZone(_Closed):
    """A zone written in the scenario (DESIGN.md's inline zone)."""

    id: str | None = None
    identifier: str | None = None
    restriction: str = Field(
        description="PROHIBITED | REQ_AUTHORISATION | CONDITIONAL | NO_RESTRICTION"
    )
    geometry: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Polygon, or {type: Circle, center: [lon, lat], radius_m}"
    )
    volumes: list[dict[str, Any]] | None = None
    lower_m: Number | str | None = None
    upper_m: Number | str | None = None
    reference: str | None = Field(default=None, description="AGL (default), AMSL or WGS84")
    schedule: list[ScheduleWindow] | None = Field(default=None, description="absent: permanent")
    name: Any = None
    message: Any = None
    emergency_reason: str | None = Field(
        default=None, description="why an emergency restriction takes effect at short notice"
    )


class CorridorFile(_Closed):
    file: str = Field(description="GeoJSON LineStrings, relative to the scenario")


class Airspace(_Closed):
    ceiling_m: Number | None = Field(default=None, description="true-height ceiling, m AGL")
    zones: list[ZoneFile | InlineZone] | None = None
    corridors: CorridorFile | None = None


class DroneSpec(_Closed):
    id: str
    operator: str | None = None
    serial: str | None = None
    class_: Literal["micro", "light", "small", "medium", "large"] | None = Field(
        default=None, alias="class", description="absent: derived from weights and capabilities"
    )
    capabilities: list[str] | None = None
    max_speed_mps: Number | None = None
    vertical_rate_mps: Number | None = Field(default=None, description="3 m/s when absent")
    max_altitude_m: Number | None = None
    empty_weight_kg: Number | None = None
    mtow_kg: Number | None = None
    max_takeoff_weight_kg: Number | None = None


class Departure(_Closed):
    earliest: Time
    latest: Time


class Route(_Closed):
    """Exactly one of: ``waypoints``; ``from`` + ``to``; ``area`` + band + ``duration_s``."""

    waypoints: list[list[Number]] | None = Field(
        default=None, description="[[lon, lat, alt_m AGL]]"
    )
    from_: LonLat | None = Field(default=None, alias="from")
    to: LonLat | None = None
    area: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon")
    lower_m: Number | None = None
    upper_m: Number | None = None
    duration_s: Number | None = None


class _Event(_Closed):
    t: Number = Field(description="seconds after the scenario's start")


class RequestEvent(_Event):
    type: Literal["request"]
    flight: str
    drone: str
    priority: int | None = None
    departure: Departure
    speed_mps: Number | None = None
    route: Route
    comment: str | None = None
    task: str | None = Field(default=None, description="workflow task type (routine when absent)")
    operations: list[str] | None = Field(
        default=None, description="operations that make an application necessary (workflow)"
    )
    application: dict[str, Any] | None = Field(
        default=None, description="the flight-activity application's contents (workflow)"
    )
    at_own_site: bool | None = Field(default=None, description="over the operator's own base")
    long_term: str | None = Field(default=None, description="the long-term application it uses")


class ZoneEvent(_Event):
    type: Literal["zone"]
    zone: InlineZone


class WithdrawEvent(_Event):
    type: Literal["withdraw"]
    zone: str


class FlightEvent(_Event):
    type: Literal["cancel", "activate", "end", "ready", "confirm"]
    flight: str


class Position(_Closed):
    drone: str
    lon: Number
    lat: Number
    altitude_m: Number
    t: Number | None = Field(default=None, description="seconds after start (the event's t)")
    operator: str | None = Field(default=None, description="who publishes it (the drone's owner)")


class TelemetryEvent(_Event):
    type: Literal["telemetry"]
    positions: list[Position]


class ReviewEvent(_Event):
    type: Literal["review"]
    flight: str
    verdict: Literal["approve", "deny"]
    comment: str | None = None


Event = Annotated[
    RequestEvent | ZoneEvent | WithdrawEvent | FlightEvent | ReviewEvent | TelemetryEvent,
    Field(discriminator="type"),
]


class ScenarioDocument(_Closed):
    """A qingkong scenario (interchange v1). Event indices count from 0."""

    qingkong_scenario: Literal[1]
    name: str | None = None
    description: str | None = None
    start: str | datetime = Field(description="RFC 3339 instant with an offset: t = 0")
    deployment: str | DeploymentSpec | None = Field(default=None, description="qingdao (default)")
    terrain: str | None = Field(
        default=None,
        description="terrain model: a name (qingdao-illustrative) or a GeoTIFF relative to the "
        "file; absent: flat ground",
    )
    separation: Separation | None = None
    airspace: Airspace | None = None
    drones: list[DroneSpec] | None = None
    events: list[Event] | None = Field(default=None, description="replayed in t order")
    workflow: str | None = Field(default=None, description="cn, eu or none (the default)")
    grants: dict[str, list[str]] | None = Field(
        default=None, description="task types granted per operator (workflow)"
    )
    documents: dict[str, list[dict[str, Any]]] | None = Field(
        default=None, description="registry documents per operator (workflow)"
    )
    long_term: dict[str, dict[str, Any]] | None = Field(
        default=None, description="long-term applications by id (workflow)"
    )


_EVENT_MODELS: dict[str, type[BaseModel]] = {
    "request": RequestEvent,
    "zone": ZoneEvent,
    "withdraw": WithdrawEvent,
    "cancel": FlightEvent,
    "activate": FlightEvent,
    "end": FlightEvent,
    "review": ReviewEvent,
    "ready": FlightEvent,
    "confirm": FlightEvent,
    "telemetry": TelemetryEvent,
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (draft 2020-12)."""
    schema = ScenarioDocument.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://qingkong.example/schema/scenario-v1.json"
    schema["title"] = "qingkong scenario (interchange v1)"
    schema["patternProperties"] = {"^x-": {"description": "anchors and notes; ignored"}}
    return schema


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _known_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _unknown_key_message(where: str, key: str, model: type[BaseModel] | None) -> str:
    known = _known_keys(model) if model is not None else []
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listed = f"; known keys here: {', '.join(known)}" if known else ""
    return f"{where}: unknown key {key!r}{hint}{listed}"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that owns the mapping at ``loc`` (for suggestions); ``None`` if unsure."""
    model: Any = ScenarioDocument
    for part in loc:
        if part in _EVENT_MODELS:
            model = _EVENT_MODELS[part]
            continue
        if isinstance(part, int) or model is None:
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    args = [annotation, *getattr(annotation, "__args__", ())]
    for a in args:
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        for b in getattr(a, "__args__", ()):
            if isinstance(b, type) and issubclass(b, BaseModel):
                return b
    return None


def _event_where(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
        rest = [p for p in loc[2:] if p not in _EVENT_MODELS]
        tail = _path(tuple(rest))
        return f"events[{loc[1]}] (event {loc[1]}, counting from 0)" + (f".{tail}" if tail else "")
    return _path(loc)


def problems(doc: Any) -> list[str]:
    """The unknown keys of a scenario document, each named with its path (and the key it
    probably meant). Wrong values are left to :func:`scenarios.format.scenario_from_dict`.

    >>> found = problems({"qingkong_scenario": 1, "start": "2026-12-01T07:00:00+08:00",
    ...                   "separaton": {"horizontal_m": 30}})
    >>> found[0].split(";")[0]
    "top level: unknown key 'separaton' (did you mean 'separation'?)"
    """
    if isinstance(doc, dict):  # `x-` keys hold YAML anchors and notes, as in OpenAPI
        doc = {k: v for k, v in doc.items() if not str(k).startswith("x-")}
    try:
        ScenarioDocument.model_validate(doc)
    except ValidationError as exc:
        out = []
        for e in exc.errors():
            loc = tuple(e["loc"])
            where = _event_where(loc)
            if e["type"] == "extra_forbidden":
                parent = tuple(p for p in loc[:-1])
                out.append(
                    _unknown_key_message(
                        _event_where(parent) or "top level", str(loc[-1]), _model_at(parent)
                    )
                )
            elif e["type"] == "union_tag_not_found":
                # `typ:` for `type:` - name the stray key rather than the missing one
                item = e.get("input") if isinstance(e.get("input"), dict) else {}
                strays = [k for k in item if k not in _known_keys(RequestEvent)]
                if strays:
                    out.append(_unknown_key_message(where, strays[0], RequestEvent))
            # Values (numbers, times, geometry) are checked by scenarios.format, whose
            # messages say more; only the shape is refused here.
        return list(dict.fromkeys(out))
    return []
