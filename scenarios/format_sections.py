"""The setting sections of a scenario file (:mod:`scenarios.format`): ``start``,
``deployment`` (a named one or a local one around a centre), ``terrain``, ``drones`` and
``airspace`` (zone files or inline zones, a corridor file, the ceiling). Each reader checks its
section and raises a :class:`~scenarios.checks.ScenarioError` naming the field to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from airspace.clock import read_datetime
from airspace.deployment import QINGDAO, Deployment, local_deployment
from airspace.drones import Drone
from airspace.terrain import named_or_path
from scenarios.checks import ScenarioError, lonlat, mapping, number, string, where

DRONE_CLASSES = ("micro", "light", "small", "medium", "large")
DEPLOYMENTS: dict[str, Deployment] = {"qingdao": QINGDAO}


@dataclass(frozen=True)
class ZoneSource:
    """One entry of ``airspace.zones``: a zone file (resolved path) or an inline zone."""

    file: Path | None = None
    inline: dict[str, Any] | None = None


def parse_start(value: Any, path: str = "start") -> datetime:
    """An aware instant from RFC 3339 text (YAML may already have made it a datetime)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = read_datetime(value.strip())
        except ValueError:
            raise ScenarioError(where(path, f"not an RFC 3339 time: {value!r}")) from None
    else:
        raise ScenarioError(where(path, f"expected an RFC 3339 time with an offset, got {value!r}"))
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ScenarioError(
            where(path, f"{value!r} has no time zone; write e.g. 2026-12-01T07:00:00+08:00")
        )
    return dt


def deployment_section(value: Any) -> Deployment:
    """``deployment:``: a named deployment (absent: Qingdao) or a local one around a centre."""
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


def drone_section(d: Any, i: int) -> Drone:
    """``drones[i]``: one drone and its performance numbers."""
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


def airspace_section(
    raw: Any, base_dir: Path
) -> tuple[list[ZoneSource], Path | None, float | None]:
    """``airspace:``: its zone sources, corridor file and ceiling (paths resolved against
    ``base_dir``)."""
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


def with_terrain(deployment: Deployment, value: Any, base: Path) -> Deployment:
    """``terrain:``: a named model (``qingdao-illustrative``) or a GeoTIFF DEM relative to the
    scenario file (:mod:`airspace.terrain`); ``none`` / absent for flat ground."""
    if value is None or (isinstance(value, str) and value.lower() in ("none", "flat")):
        return deployment
    path = named_or_path(string(value, "terrain"), base)
    if not path.is_file():
        raise ScenarioError(f"terrain: {value!r} is not a file (a GeoTIFF DEM)")
    return deployment.with_(terrain=str(path))
