"""Checks of a scenario document's values, each raising a :class:`ScenarioError` that names
the field (``path``) at fault. Used by :func:`scenarios.format.scenario_from_dict`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from airspace.drones import Drone


class ScenarioError(ValueError):
    """A scenario cannot be read; the message names the file, event index and field."""


def where(path: str, msg: str) -> str:
    """``path: msg`` (or ``msg`` at the top level)."""
    return f"{path}: {msg}" if path else msg


def number(value: Any, path: str, *, minimum: float | None = None, positive: bool = False) -> float:
    """``value`` as a finite float, or a :class:`ScenarioError` naming ``path``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(where(path, f"expected a number, got {value!r}"))
    v = float(value)
    if not math.isfinite(v):
        raise ScenarioError(where(path, f"must be a finite number, got {value!r}"))
    if positive and v <= 0:
        raise ScenarioError(where(path, f"must be > 0, got {value!r}"))
    if minimum is not None and v < minimum:
        raise ScenarioError(where(path, f"must be >= {minimum:g}, got {value!r}"))
    return v


def mapping(value: Any, path: str) -> dict[str, Any]:
    """``value`` as a dict, or a :class:`ScenarioError` naming ``path``."""
    if not isinstance(value, Mapping):
        raise ScenarioError(where(path, f"expected a mapping, got {type(value).__name__}"))
    return dict(value)


def string(value: Any, path: str) -> str:
    """``value`` as a non-empty string (ids may be written as numbers)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise ScenarioError(where(path, f"expected a non-empty string, got {value!r}"))
    return str(value)


def lonlat(value: Any, path: str, *, with_alt: bool = False) -> list[float]:
    """``[lon, lat]`` (or ``[lon, lat, altitude_m]``) checked for range and GeoJSON order."""
    n = 3 if with_alt else 2
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != n:
        shape = "[lon, lat, altitude_m]" if with_alt else "[lon, lat]"
        raise ScenarioError(where(path, f"expected {shape}, got {value!r}"))
    out = [number(v, f"{path}[{k}]") for k, v in enumerate(value)]
    lon, lat = out[0], out[1]
    if abs(lat) > 90:
        hint = " (positions are [lon, lat], GeoJSON order)" if abs(lon) <= 90 else ""
        raise ScenarioError(where(path, f"latitude {lat} outside [-90, 90]{hint}"))
    if abs(lon) > 180:
        raise ScenarioError(where(path, f"longitude {lon} outside [-180, 180]"))
    return out


def polygon_coords(geom: Any, path: str) -> None:
    """Check a GeoJSON Polygon's shape and coordinates."""
    g = mapping(geom, path)
    if g.get("type") != "Polygon":
        raise ScenarioError(where(f"{path}.type", f"expected 'Polygon', got {g.get('type')!r}"))
    rings = g.get("coordinates")
    if (
        not isinstance(rings, list)
        or not rings
        or not isinstance(rings[0], list)
        or len(rings[0]) < 4
    ):
        raise ScenarioError(
            where(f"{path}.coordinates", "expected [[[lon, lat], ...]] with at least 4 positions")
        )
    for r, ring in enumerate(rings):
        for k, pos in enumerate(ring):
            lonlat(pos[:2] if isinstance(pos, list) else pos, f"{path}.coordinates[{r}][{k}]")


def check_route(route: Any, path: str) -> None:
    """Check one of: ``waypoints``; ``from`` + ``to``; ``area`` + band + ``duration_s``."""
    r = mapping(route, path)
    kinds = [k for k in ("waypoints", "from", "area") if k in r]
    if len(kinds) != 1:
        raise ScenarioError(
            where(
                path,
                "give exactly one of waypoints, from/to or area"
                + (f" (got {kinds})" if kinds else ""),
            )
        )
    kind = kinds[0]
    if kind == "waypoints":
        wps = r["waypoints"]
        if not isinstance(wps, list) or len(wps) < 2:
            raise ScenarioError(
                where(f"{path}.waypoints", "expected at least 2 [lon, lat, altitude_m] rows")
            )
        for k, wp in enumerate(wps):
            row = lonlat(wp, f"{path}.waypoints[{k}]", with_alt=True)
            if row[2] < 0:
                raise ScenarioError(
                    where(f"{path}.waypoints[{k}][2]", f"altitude_m must be >= 0, got {row[2]}")
                )
    elif kind == "from":
        if "to" not in r:
            raise ScenarioError(where(f"{path}.to", "required with from"))
        lonlat(r["from"], f"{path}.from")
        lonlat(r["to"], f"{path}.to")
    else:
        polygon_coords(r["area"], f"{path}.area")
        lo = number(r.get("lower_m", 0.0), f"{path}.lower_m", minimum=0.0)
        hi = number(r.get("upper_m"), f"{path}.upper_m")
        if hi <= lo:
            raise ScenarioError(
                where(f"{path}.upper_m", f"must be above lower_m ({lo:g}), got {hi:g}")
            )
        number(r.get("duration_s"), f"{path}.duration_s", positive=True)


def check_request(e: dict[str, Any], drones: Mapping[str, Drone]) -> None:
    """Check a ``request`` event: flight, a known drone, priority, departure window, route."""
    string(e.get("flight"), "flight")
    drone = string(e.get("drone"), "drone")
    if drone not in drones:
        raise ScenarioError(f"drone: {drone!r} is not in the scenario's drones list")
    if "priority" in e and (isinstance(e["priority"], bool) or not isinstance(e["priority"], int)):
        raise ScenarioError(f"priority: expected an integer, got {e['priority']!r}")
    dep = mapping(e.get("departure"), "departure")
    earliest = number(dep.get("earliest"), "departure.earliest", minimum=0.0)
    latest = number(dep.get("latest", earliest), "departure.latest")
    if latest < earliest:
        raise ScenarioError(
            f"departure.latest: {latest:g} is before departure.earliest ({earliest:g})"
        )
    if e.get("speed_mps") is not None:
        number(e["speed_mps"], "speed_mps", positive=True)
    if "route" not in e:
        raise ScenarioError("route: required (waypoints, from/to or area)")
    check_route(e["route"], "route")


def check_event(e: dict[str, Any], drones: Mapping[str, Drone]) -> None:
    """Check one event by its type."""
    kind = e["type"]
    if kind == "request":
        check_request(e, drones)
    elif kind == "zone":
        z = mapping(e.get("zone"), "zone")
        string(z.get("id"), "zone.id")
    elif kind == "withdraw":
        string(e.get("zone"), "zone")
    elif kind == "telemetry":
        check_telemetry(e)
    elif kind == "review":
        string(e.get("flight"), "flight")
        if e.get("verdict") not in ("approve", "deny"):
            raise ScenarioError(f"verdict: expected 'approve' or 'deny', got {e.get('verdict')!r}")
    else:  # cancel, activate, end
        string(e.get("flight"), "flight")


def check_telemetry(e: dict[str, Any]) -> None:
    """``positions``: ``{drone, lon, lat, altitude_m}`` (AGL), optional ``t`` (default: the
    event's) and ``operator`` (who publishes it; default: the drone's)."""
    positions = e.get("positions")
    if not isinstance(positions, list) or not positions:
        raise ScenarioError("positions: expected a non-empty list")
    for k, p in enumerate(positions):
        p = mapping(p, f"positions[{k}]")
        string(p.get("drone"), f"positions[{k}].drone")
        lonlat([p.get("lon"), p.get("lat")], f"positions[{k}]")
        number(p.get("altitude_m"), f"positions[{k}].altitude_m")
        if "t" in p:
            number(p["t"], f"positions[{k}].t", minimum=0.0)
