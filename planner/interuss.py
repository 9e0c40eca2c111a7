"""InterUSS flight intents, read as area operations.

The InterUSS ``uss_qualifier`` keeps its test flights as YAML *flight intent collections*:
each intent is either ``full`` (a template) or a ``delta`` (``source`` + ``mutation``), where a
mutation merges recursively, lists merge element by element and a key written ``+key``
replaces the whole value. Templates hold ``area`` items that are Volume4D templates: a polygon
or circle outline, ``altitude_lower``/``altitude_upper`` and times relative to test events
(``StartOfTestRun``, ``StartOfScenario``, ``TimeOfEvaluation``). The standard intents are drawn
around 0 N 0 E at ground level 0 m WGS84 and are meant to be moved to a real place.

This module reads such collections (:func:`load_intents`), turns a template into an F3548
``Volume4D`` (:func:`volume4d_from_template`) and an intent into a
:class:`~planner.requests.FlightRequest` (:func:`intent_to_request`). Moving a volume to a
real place and turning it into an area operation is :mod:`planner.volume4d`'s job.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from airspace.clock import read_datetime
from airspace.drones import Drone
from planner.requests import FlightRequest, State
from planner.volume4d import (
    IntentFormatError,
    rfc3339_json,
    translate_volume4d,
    volume4d_to_request,
)

_DURATION = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
TIME_EVENTS = ("StartOfTestRun", "StartOfScenario", "TimeOfEvaluation")
WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def parse_duration_s(value: Any, *, what: str = "duration") -> float:
    """Seconds of an InterUSS duration string such as ``"45m"``, ``"-1s"``, ``"32d"``.

    Examples
    --------
    >>> parse_duration_s("45m"), parse_duration_s("-1s"), parse_duration_s("32d")
    (2700.0, -1.0, 2764800.0)
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    m = _DURATION.match(str(value))
    if m is None:
        raise IntentFormatError(f"{what}: {value!r} is not a duration like '45m', '-1s' or '32d'")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


def merge_mutation(source: Any, mutation: Any) -> Any:
    """Apply an InterUSS ``mutation`` to ``source`` and return the result (inputs untouched).

    Dicts merge recursively, lists merge element by element (index i of the mutation over
    index i of the source, extra items appended), a key written ``+key`` replaces the whole
    value of ``key``, and anything else replaces the source value (``null`` included).

    Examples
    --------
    >>> merge_mutation({"a": [{"x": 1, "y": 2}], "b": [1, 2]}, {"a": [{"y": 3}], "+b": [9]})
    {'a': [{'x': 1, 'y': 3}], 'b': [9]}
    """
    if isinstance(source, Mapping) and isinstance(mutation, Mapping):
        out = {k: copy.deepcopy(v) for k, v in source.items()}
        for key, value in mutation.items():
            if isinstance(key, str) and key.startswith("+"):
                out[key[1:]] = copy.deepcopy(value)
            elif key in out:
                out[key] = merge_mutation(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(source, list) and isinstance(mutation, list):
        out_list = [copy.deepcopy(v) for v in source]
        for i, value in enumerate(mutation):
            if i < len(out_list):
                out_list[i] = merge_mutation(out_list[i], value)
            else:
                out_list.append(copy.deepcopy(value))
        return out_list
    return copy.deepcopy(mutation)


def _resolve_refs(node: Any, base: Path) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            ref = str(node["$ref"])
            file_part, _, pointer = ref.partition("#")
            doc = _load_yaml(str((base / file_part).resolve())) if file_part else None
            if doc is None:
                raise IntentFormatError(
                    f"$ref {ref!r}: only references to other files are supported"
                )
            target: Any = doc
            for part in (p for p in pointer.split("/") if p):
                if not isinstance(target, dict) or part not in target:
                    raise IntentFormatError(f"$ref {ref!r}: no {part!r} in {file_part}")
                target = target[part]
            return _resolve_refs(copy.deepcopy(target), (base / file_part).parent)
        return {k: _resolve_refs(v, base) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(v, base) for v in node]
    return node


@lru_cache(maxsize=64)
def _load_yaml(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except OSError as exc:
        raise IntentFormatError(f"cannot read {path}: {exc.strerror}") from None


def load_intents(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read an InterUSS flight intent collection into resolved templates, by intent name.

    ``delta`` intents are applied to their (resolved) ``source``; ``$ref`` references to
    other files (e.g. ``./flight_auths.yaml#/standard``) are inlined.

    Raises
    ------
    IntentFormatError
        For a missing file, an unknown ``source``, a cycle or an intent with neither ``full``
        nor ``delta``.
    """
    path = Path(path)
    doc = _load_yaml(str(path.resolve()))
    if not isinstance(doc, dict) or not isinstance(doc.get("intents"), dict):
        raise IntentFormatError(f"{path.name}: expected a mapping with 'intents'")
    raw: dict[str, Any] = doc["intents"]
    done: dict[str, dict[str, Any]] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> dict[str, Any]:
        if name in done:
            return done[name]
        if name in chain:
            raise IntentFormatError(
                f"intent {name!r}: delta sources form a cycle {' -> '.join(chain)}"
            )
        if name not in raw:
            raise IntentFormatError(f"intent {chain[-1]!r}: source {name!r} is not defined")
        item = raw[name] or {}
        if "full" in item:
            result = item["full"]
        elif "delta" in item:
            delta = item["delta"] or {}
            source = resolve(str(delta.get("source")), (*chain, name))
            result = merge_mutation(source, delta.get("mutation") or {})
        else:
            raise IntentFormatError(f"intent {name!r}: expected 'full' or 'delta'")
        done[name] = _resolve_refs(result, path.parent)
        return done[name]

    for name in raw:
        resolve(name, ())
    return done


def resolve_time(template: Any, times: Mapping[str, datetime], *, what: str = "time") -> datetime:
    """The instant an InterUSS time template names.

    Supports ``{time_during_test: <event>}``, ``{offset_from: {starting_from: ..., offset: ...}}``,
    ``{next_day: {time_zone, starting_from, days_of_the_week}}`` (the first midnight in that
    time zone after ``starting_from``, on one of the days if given) and
    ``{value: <RFC 3339>}``; ``times`` maps the test events to aware datetimes.

    Examples
    --------
    >>> t0 = datetime(2026, 12, 1, 8, tzinfo=timezone.utc)  # a Tuesday
    >>> nxt = {"time_zone": "Europe/Zurich", "days_of_the_week": ["Th"],
    ...        "starting_from": {"time_during_test": "StartOfTestRun"}}
    >>> resolve_time({"next_day": nxt}, {"StartOfTestRun": t0}).isoformat()
    '2026-12-03T00:00:00+01:00'
    """
    if not isinstance(template, Mapping):
        raise IntentFormatError(f"{what}: expected a time template, got {template!r}")
    if "next_day" in template:
        inner = template["next_day"] or {}
        base = resolve_time(
            inner.get("starting_from"), times, what=f"{what}.next_day.starting_from"
        )
        tz = _time_zone(inner.get("time_zone"), f"{what}.next_day.time_zone")
        days = list(inner.get("days_of_the_week") or WEEKDAYS)
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise IntentFormatError(
                f"{what}.next_day.days_of_the_week: {unknown} are not among {list(WEEKDAYS)}"
            )
        day = base.astimezone(tz).date() + timedelta(days=1)
        while WEEKDAYS[day.weekday()] not in days:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=tz)
    if "offset_from" in template:
        inner = template["offset_from"] or {}
        base = resolve_time(
            inner.get("starting_from"), times, what=f"{what}.offset_from.starting_from"
        )
        offset = parse_duration_s(inner.get("offset", 0), what=f"{what}.offset_from.offset")
        return base + timedelta(seconds=offset)
    if "time_during_test" in template:
        event = template["time_during_test"]
        if event not in times:
            raise IntentFormatError(
                f"{what}: no time given for test event {event!r} (known: {sorted(times)})"
            )
        return times[event]
    if "value" in template:
        value = template["value"]
        t = value if isinstance(value, datetime) else read_datetime(str(value))
        if t.tzinfo is None:
            raise IntentFormatError(f"{what}: {value!r} has no time zone")
        return t
    raise IntentFormatError(f"{what}: unsupported time template {dict(template)!r}")


def _time_zone(value: Any, what: str) -> Any:
    """An IANA zone name or a fixed ``+HH:MM`` offset."""
    text = str(value or "UTC")
    m = _OFFSET.match(text)
    if m is not None:
        sign = -1 if m.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise IntentFormatError(f"{what}: {text!r} is not a time zone") from None


def volume4d_from_template(
    item: Mapping[str, Any], times: Mapping[str, datetime]
) -> dict[str, Any]:
    """Turn one ``area`` item of an intent template into an ASTM F3548 ``Volume4D``.

    The result is wire format: ``{"volume": {"outline_polygon" | "outline_circle",
    "altitude_lower", "altitude_upper"}, "time_start": {"value", "format"}, "time_end": ...}``.
    ``end_time`` wins over ``duration`` when both are present.
    """
    volume: dict[str, Any] = {}
    for key in ("outline_polygon", "outline_circle", "altitude_lower", "altitude_upper"):
        if item.get(key) is not None:
            volume[key] = copy.deepcopy(item[key])
    if "outline_polygon" not in volume and "outline_circle" not in volume:
        raise IntentFormatError("area: needs outline_polygon or outline_circle")
    out: dict[str, Any] = {"volume": volume}
    start = (
        resolve_time(item["start_time"], times, what="start_time")
        if item.get("start_time")
        else None
    )
    end = None
    if item.get("end_time"):
        end = resolve_time(item["end_time"], times, what="end_time")
    elif item.get("duration") is not None and start is not None:
        end = start + timedelta(seconds=parse_duration_s(item["duration"]))
    if start is not None:
        out["time_start"] = rfc3339_json(start)
    if end is not None:
        out["time_end"] = rfc3339_json(end)
    return out


def intent_priority(intent: Mapping[str, Any]) -> int:
    """The F3548 priority of a resolved intent template (0 when absent)."""
    return int(((intent.get("astm_f3548_21") or {}).get("priority")) or 0)


def intent_state(intent: Mapping[str, Any]) -> State:
    """The F3548 state an intent asks for: Planned -> accepted, InUse -> activated, or
    nonconforming / contingent by ``uas_state``."""
    info = intent.get("basic_information") or {}
    usage = info.get("usage_state", "Planned")
    if usage == "Planned":
        return State.ACCEPTED
    if usage != "InUse":
        raise IntentFormatError(f"basic_information.usage_state: unknown {usage!r}")
    uas = info.get("uas_state", "Nominal")
    return {
        "Nominal": State.ACTIVATED,
        "OffNominal": State.NONCONFORMING,
        "Contingent": State.CONTINGENT,
    }[uas]


def intent_drone(intent: Mapping[str, Any], *, drone_class: str | None = None) -> Drone:
    """A drone for an intent, named by its U-space flight authorisation serial number."""
    auth = intent.get("uspace_flight_authorisation") or {}
    serial = str(auth.get("uas_serial_number", "")) or "UNKNOWN"
    return Drone(
        id=serial,
        operator_id=str(auth.get("operator_id", "")),
        serial=serial,
        drone_class=drone_class,
    )


def intent_to_request(
    intent: Mapping[str, Any],
    *,
    flight_id: str,
    times: Mapping[str, datetime],
    epoch: datetime,
    to_lonlat: tuple[float, float] | None,
    drone: Drone | None = None,
    ground_w84_m: float = 0.0,
) -> FlightRequest:
    """An InterUSS intent template (centred on 0,0) as an area-operation request at ``to_lonlat``.

    Parameters
    ----------
    intent : mapping
        One resolved template from :func:`load_intents`; it must have exactly one ``area`` item.
    flight_id : str
        The planner's flight id for it.
    times : mapping
        Instants of ``StartOfTestRun``, ``StartOfScenario`` and ``TimeOfEvaluation``.
    epoch : datetime
        The planner's epoch (t_s = 0).
    to_lonlat : (float, float) or None
        Where 0 N 0 E moves to, e.g. Qingdao ``(120.38, 36.07)``; ``None`` for intents
        already drawn at a real place (the Swiss ``che`` ones).
    drone : Drone, optional
        Defaults to :func:`intent_drone`.
    ground_w84_m : float
        WGS84 height of the ground the intent assumes (0 m for the standard intents).
    """
    area = (intent.get("basic_information") or {}).get("area") or []
    if len(area) != 1:
        raise IntentFormatError(
            f"intent {flight_id!r}: expected exactly one area volume, got {len(area)}"
        )
    v4 = volume4d_from_template(area[0], times)
    if to_lonlat is not None:
        v4 = translate_volume4d(v4, to_lonlat=to_lonlat)
    return volume4d_to_request(
        v4,
        flight_id=flight_id,
        drone=drone or intent_drone(intent),
        epoch=epoch,
        priority=intent_priority(intent),
        ground_w84_m=ground_w84_m,
    )
