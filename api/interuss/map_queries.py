"""Answers to InterUSS ``geospatial_map`` v1 queries from the geo-awareness index (active and
scheduled zones, exact geometry and schedules).

A check is ``Present`` when any of its filter sets selects at least one zone volume; a filter
set selects a zone volume that meets all its criteria: ``position`` (inside, boundary
included), ``volumes4d`` (meets one of the volumes during its time), ``after``/``before``
(active at some time in between), ``ed269.acceptable_restrictions``, and
``resulting_operational_impact``. What a zone does to a flight in this interface follows the
flight_planning mapping: PROHIBITED and REQ_AUTHORISATION zones **block** (a request that needs
a regulator's authorisation is answered Rejected there), CONDITIONAL zones **advise** (the
approval carries their conditions), NO_RESTRICTION zones do neither.

``restriction_source`` matches the source names the service is configured with
(``QINGKONG_INTERUSS_RESTRICTION_SOURCES``, default ``qingkong``) and ``operation_rule_set``
the deployment's rule set code or its configured aliases (``QINGKONG_INTERUSS_RULE_SETS``);
any other name selects nothing. ``ed269.u_space_class`` is answered ``UnsupportedFilter``
(qingkong's zones carry no U-space class).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airspace.clock import read_datetime
from airspace.geoawareness import ZoneHit, ZoneIndex
from airspace.zones import FEET_M, Restriction
from planner.volume4d import IntentFormatError, volume4d_outline

BLOCKING = frozenset({Restriction.PROHIBITED, Restriction.REQ_AUTHORISATION})
ADVISING = frozenset({Restriction.CONDITIONAL})
IMPACT = {
    "Block": BLOCKING,
    "Advise": ADVISING,
    "BlockOrAdvise": BLOCKING | ADVISING,
}
HORIZON = timedelta(days=3650)
"""How far before and after now a filter without times looks for active zones."""


class Unsupported(Exception):
    """A filter criterion qingkong cannot evaluate (answered ``UnsupportedFilter``)."""


def _time(value: Any) -> datetime:
    t = read_datetime(str(value))
    if t.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return t


def _height_agl_m(alt: dict[str, Any] | None, ground_w84_m: float, default: float) -> float:
    if not alt:
        return default
    value = float(alt["value"]) * (FEET_M if str(alt.get("units", "M")).upper() == "FT" else 1.0)
    return value - ground_w84_m if alt.get("reference", "W84") == "W84" else value


def _names(setting: str) -> set[str]:
    return {v.strip().lower() for v in setting.split(",") if v.strip()}


def select_hits(
    index: ZoneIndex,
    fs: dict[str, Any],
    *,
    now: datetime,
    ground_w84_m: float,
    sources: set[str],
    rule_sets: set[str],
) -> list[ZoneHit]:
    """The zone volumes one filter set selects (see the module docstring)."""
    ed269 = fs.get("ed269") or {}
    if ed269.get("u_space_class"):
        raise Unsupported("ed269.u_space_class: qingkong's zones carry no U-space class")
    if fs.get("restriction_source") and fs["restriction_source"].lower() not in sources:
        return []
    if fs.get("operation_rule_set") and fs["operation_rule_set"].lower() not in rule_sets:
        return []
    after = _time(fs["after"]) if fs.get("after") else now - HORIZON
    before = _time(fs["before"]) if fs.get("before") else max(now, after) + HORIZON
    if before < after:
        raise ValueError("before is earlier than after")
    hits: list[ZoneHit] = []
    if fs.get("position"):
        pos = fs["position"]
        loc = pos["location"]
        height = _height_agl_m(pos.get("altitude"), ground_w84_m, 0.0)
        hits = index.at_point(float(loc["lng"]), float(loc["lat"]), height, after, before)
    if fs.get("volumes4d"):
        found: list[ZoneHit] = []
        for v4 in fs["volumes4d"]:
            vol = v4.get("volume") or {}
            lower = _height_agl_m(vol.get("altitude_lower"), ground_w84_m, -1e9)
            upper = _height_agl_m(vol.get("altitude_upper"), ground_w84_m, 1e9)
            t0 = max(after, _time(v4["time_start"]["value"])) if v4.get("time_start") else after
            t1 = min(before, _time(v4["time_end"]["value"])) if v4.get("time_end") else before
            if t1 < t0:
                continue
            try:
                outline = volume4d_outline(v4)
            except (KeyError, TypeError, IntentFormatError) as e:
                raise ValueError(
                    f"volumes4d: needs an outline_polygon or outline_circle ({e})"
                ) from None
            found.extend(index.over_area(outline, lower, upper, t0, t1))
        if fs.get("position"):  # both criteria: volumes holding the position too
            keys = {(h.zone.identifier, h.volume_index) for h in hits}
            found = [h for h in found if (h.zone.identifier, h.volume_index) in keys]
        hits = found
    elif not fs.get("position"):  # no spatial criterion: every zone volume active then
        seen: dict[tuple[str, int], ZoneHit] = {}
        for z in index.zones:
            for v in z.volumes:
                for h in index.over_area(v.polygon, -1e9, 1e9, after, before):
                    seen[(h.zone.identifier, h.volume_index)] = h
        hits = list(seen.values())
    acceptable = {str(r) for r in ed269.get("acceptable_restrictions") or []}
    if acceptable:
        hits = [h for h in hits if str(h.zone.restriction) in acceptable]
    impact = fs.get("resulting_operational_impact")
    if impact:
        hits = [h for h in hits if h.zone.restriction in IMPACT[impact]]
    return hits


def answer_query(
    index: ZoneIndex,
    checks: list[dict[str, Any]],
    *,
    now: datetime,
    ground_w84_m: float,
    sources: str,
    rule_sets: set[str],
) -> dict[str, Any]:
    """A ``GeospatialMapQueryReply`` for the checks of a ``GeospatialMapQueryRequest``."""
    results = []
    for check in checks:
        try:
            selected = any(
                select_hits(
                    index,
                    fs,
                    now=now,
                    ground_w84_m=ground_w84_m,
                    sources=_names(sources) or {"qingkong"},
                    rule_sets=rule_sets,
                )
                for fs in check.get("filter_sets") or []
            )
        except Unsupported as e:
            results.append({"features_selection_outcome": "UnsupportedFilter", "message": str(e)})
            continue
        except (ValueError, KeyError, TypeError) as e:
            results.append({"features_selection_outcome": "Error", "message": f"{e}"})
            continue
        results.append({"features_selection_outcome": "Present" if selected else "Absent"})
    return {"results": results}
