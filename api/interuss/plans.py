"""Translation between InterUSS ``flight_planning`` v1 flight plans and qingkong requests and
decisions (plain data in, plain data out; nothing here touches the store).

A flight plan's ``basic_information.area`` (ASTM F3548 ``Volume4D`` list) becomes one area
operation with a fixed window: one volume exactly; several volumes as the smallest single
volume holding them all (union of outlines, lowest floor to highest ceiling, earliest start to
latest end), which is a superset as F3548 allows, and the notes say so. ``Takeoff`` altitudes
are heights above ground (terrain is flat). ``usage_state`` Planned asks for an accepted flight,
InUse for an activated one (``uas_state`` OffNominal -> nonconforming, Contingent -> contingent),
Closed for its end.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import Polygon

from airspace.deployment import Deployment
from airspace.drones import Drone
from planner.requests import AreaRoute, FlightRequest, ReasonCode, State
from planner.volume4d import IntentFormatError, volume4d_to_request

CLOSED = "closed"
"""What a plan with ``usage_state: Closed`` asks for."""

STATUS_OF_STATE = {
    "accepted": "Planned",
    "activated": "OkToFly",
    "nonconforming": "OffNominal",
    "contingent": "OffNominal",
    "ended": "Closed",
    "cancelled": "Closed",
    "revoked": "Closed",
}
"""``flight_plan_status`` of a qingkong lifecycle state (anything else: NotPlanned)."""

_CTA2063 = re.compile(r"^[0-9A-HJ-NP-Z]{4}([1-9A-F])([0-9A-HJ-NP-Z]{1,15})$")


def flight_plan_status(state: str | None) -> str:
    """The InterUSS ``FlightPlanStatus`` of a flight in lifecycle ``state``.

    Examples
    --------
    >>> flight_plan_status("activated"), flight_plan_status("rejected"), flight_plan_status(None)
    ('OkToFly', 'NotPlanned', 'NotPlanned')
    """
    return STATUS_OF_STATE.get(state or "", "NotPlanned")


def wanted_state(plan: dict[str, Any]) -> State | str:
    """The lifecycle state a flight plan asks for (:data:`CLOSED` for ``Closed``)."""
    info = plan.get("basic_information") or {}
    usage = info.get("usage_state")
    if usage == "Closed":
        return CLOSED
    if usage == "Planned":
        return State.ACCEPTED
    return {
        "OffNominal": State.NONCONFORMING,
        "Contingent": State.CONTINGENT,
    }.get(info.get("uas_state") or "Nominal", State.ACTIVATED)


def plan_priority(plan: dict[str, Any]) -> int:
    """``astm_f3548_21.priority`` (0 when absent)."""
    return int((plan.get("astm_f3548_21") or {}).get("priority") or 0)


def uas_serial(plan: dict[str, Any]) -> str:
    """The serial number of the aircraft: U-space authorisation, then ``uas``, else empty."""
    auth = plan.get("uspace_flight_authorisation") or {}
    uas = plan.get("uas") or {}
    return str(auth.get("uas_serial_number") or uas.get("serial_number") or "")


def uas_class(plan: dict[str, Any]) -> str | None:
    """The EU class the U-space authorisation names (``C0``...), if any."""
    return (plan.get("uspace_flight_authorisation") or {}).get("uas_class") or None


def authorisation_problems(plan: dict[str, Any]) -> list[str]:
    """What is wrong with a U-space flight authorisation (empty when there is none).

    The serial number must follow ANSI/CTA-2063-A: a 4-character manufacturer code, one
    character giving the length of the rest (1-F), then that many characters (digits and
    capitals without I and O).

    Examples
    --------
    >>> authorisation_problems({"uspace_flight_authorisation": {"uas_serial_number": "1AF49UL5CC5J6K"}})
    []
    >>> authorisation_problems({"uspace_flight_authorisation": {"uas_serial_number": "My serial number"}})
    ["uas_serial_number 'My serial number' is not an ANSI/CTA-2063-A serial number"]
    """
    auth = plan.get("uspace_flight_authorisation")
    if not auth:
        return []
    serial = str(auth.get("uas_serial_number") or "")
    m = _CTA2063.match(serial)
    if m is None or int(m.group(1), 16) != len(m.group(2)):
        return [f"uas_serial_number {serial!r} is not an ANSI/CTA-2063-A serial number"]
    return []


def _wire_volume(v4: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(v4)
    for key in ("altitude_lower", "altitude_upper"):
        alt = out.get("volume", {}).get(key)
        if isinstance(alt, dict) and alt.get("reference") == "Takeoff":
            alt["reference"] = "SFC"  # flat terrain: the take-off point is on the ground
    return out


def plan_request(
    plan: dict[str, Any],
    *,
    flight_id: str,
    drone: Drone,
    epoch: datetime,
    deployment: Deployment,
) -> tuple[FlightRequest, list[str]]:
    """The area-operation request for a flight plan, and notes on how it was read.

    Raises
    ------
    IntentFormatError
        The area is missing or unusable (no volume, no times, end before start...).
    """
    area = (plan.get("basic_information") or {}).get("area") or []
    if not area:
        raise IntentFormatError("basic_information.area: a flight plan needs at least one volume")
    priority = plan_priority(plan)
    requests = [
        volume4d_to_request(
            _wire_volume(v4),
            flight_id=flight_id,
            drone=drone,
            epoch=epoch,
            priority=priority,
            deployment=deployment,
        )
        for v4 in area
    ]
    notes: list[str] = []
    request = requests[0]
    if len(requests) > 1:
        routes = [r.route for r in requests if isinstance(r.route, AreaRoute)]
        outline = shapely.union_all([r.polygon for r in routes])
        if not isinstance(outline, Polygon):
            outline = outline.convex_hull
        start_s = min(r.earliest_s for r in requests)
        end_s = max(r.earliest_s + rt.duration_s for r, rt in zip(requests, routes, strict=True))
        request = replace(
            request,
            route=AreaRoute(
                outline,
                min(rt.lower_m for rt in routes),
                max(rt.upper_m for rt in routes),
                end_s - start_s,
            ),
            earliest_s=start_s,
            latest_s=start_s,
        )
        notes.append(
            f"the {len(requests)} volumes were planned as one volume holding them all "
            "(union of outlines, lowest floor to highest ceiling, earliest start to latest end)"
        )
    return replace(request, operator_id=drone.operator_id), notes


def decision_notes(
    decision: dict[str, Any], when: Callable[[float], datetime] | None = None
) -> list[str]:
    """Readable reasons of a qingkong decision, one per reason; ``when`` turns planner seconds
    into local times (a suggested later departure is then given as a time).

    Examples
    --------
    >>> reason = {"code": "NO_SLOT", "message": "no slot; the earliest later departure that "
    ...           "fits is 3600 s", "alternative_departure": 3600.0}
    >>> from datetime import timezone
    >>> decision_notes({"reasons": [reason]}, lambda s: datetime.fromtimestamp(s, timezone.utc))
    ['NO_SLOT: no slot; the earliest later departure that fits is 1970-01-01T01:00:00+00:00']
    """
    out = []
    for r in decision.get("reasons") or []:
        code = r.get("code", "")
        what = r.get("message") or code
        if when is not None and r.get("alternative_departure") is not None:
            head, _, _ = what.rpartition(" is ")
            at = when(float(r["alternative_departure"])).isoformat(timespec="seconds")
            what = f"{head} is {at}" if head else what
        if r.get("flight"):
            what += f" (flight {r['flight']})"
        elif r.get("zone") and r["zone"] not in what:
            what += f" (zone {r['zone']})"
        out.append(f"{code}: {what}" if code and not what.startswith(code) else what)
    return out


def includes_advisories(decision: dict[str, Any]) -> str:
    """``AtLeastOneAdvisoryOrCondition`` when an approval carries conditions (CONDITIONAL
    zones), else ``NoAdvisoriesOrConditions``."""
    codes = {r.get("code") for r in decision.get("reasons") or []}
    if str(ReasonCode.ZONE_CONDITIONAL) in codes:
        return "AtLeastOneAdvisoryOrCondition"
    return "NoAdvisoriesOrConditions"
