"""Reason text: the words the planner answers with when it rejects, holds, displaces or
conditions a flight. Every sentence an operator reads about a decision is written here.

Examples
--------
>>> outranked("F-9", 5).message
'higher-priority flight F-9 (priority 5) took its airspace'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from airspace.zones import Zone
from planner import offnominal
from planner.requests import Reason, ReasonCode, State


@dataclass
class Failure:
    """Why no slot fits: the flights and zones in the way, reasons candidates were dropped,
    and what the operator could file instead (a later departure, another cruise altitude)."""

    flights: dict[str, None] = field(default_factory=dict)
    zones: dict[str, None] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)
    alternative_s: float | None = None
    layer: tuple[float, float] | None = None


def outranked(flight_id: str, priority: int, *, replanned: bool = False) -> Reason:
    """A lower-priority flight lost its airspace to ``flight_id``."""
    how = ", re-planned," if replanned else ""
    return Reason(
        ReasonCode.OUTRANKED,
        f"higher-priority flight {flight_id} (priority {priority}){how} took its airspace",
        flight=flight_id,
    )


def zone_published(zone_id: str) -> Reason:
    """A newly published zone displaced the flight (its own off-nominal volume aside)."""
    if offnominal.owner_flight(zone_id) is not None:
        return offnominal.displaced_reason(zone_id)
    return Reason(
        ReasonCode.ZONE_PUBLISHED,
        f"zone {zone_id} was published over this flight",
        zone=zone_id,
    )


def replanned(reason: Reason) -> Reason:
    """The note of a flight re-planned because of ``reason``."""
    return Reason(ReasonCode.REPLANNED, reason.message, zone=reason.zone, flight=reason.flight)


def conditional(zone: Zone) -> Reason:
    """Approved in a CONDITIONAL zone, with the zone's conditions attached."""
    conditions = [c for c in (*zone.restriction_conditions, zone.message) if c]
    text = "; ".join(conditions) or "conditions set by the zone's authority apply"
    return Reason(
        ReasonCode.ZONE_CONDITIONAL,
        f"the flight enters conditional zone {zone.identifier}: {text}",
        zone=zone.identifier,
        detail={"conditions": list(zone.restriction_conditions)},
    )


def needs_authorisation(zone: Zone) -> Reason:
    """Held for review: the flight enters a REQ_AUTHORISATION zone."""
    z = zone.identifier
    return Reason(
        ReasonCode.ZONE_REQ_AUTHORISATION,
        f"the flight enters zone {z} ({zone.name or z}), which needs authorisation",
        zone=z,
        detail=interval_before(zone),
    )


def interval_before(zone: Zone) -> dict[str, Any]:
    """ED-318 ``authority.intervalBefore`` of an authorisation zone (how long before the flight
    its authority wants the request), as ``{"interval_before": "P10DT00H"}``; the workflow
    enforces it (:mod:`planner.workflow_gate`)."""
    for a in zone.authority:
        if (
            isinstance(a, dict)
            and a.get("intervalBefore")
            and a.get("purpose")
            in (
                None,
                "AUTHORIZATION",
                "AUTHORISATION",
            )
        ):
            return {"interval_before": str(a["intervalBefore"])}
    return {}


def failure_reasons(
    failure: Failure,
    zone_of: Callable[[str], Zone | None],
    state_of: Callable[[str], State | None],
    say: Callable[[float], str],
) -> list[Reason]:
    """The reasons of a rejection for lack of a slot, in the order operators read them.

    ``zone_of`` finds a zone by id, ``state_of`` the state of a known flight (``None`` if unknown), ``say``
    writes planner seconds for people.
    """
    reasons = list(failure.reasons)
    for z in failure.zones:
        zone = zone_of(z)
        name = f" ({zone.name})" if zone is not None and zone.name else ""
        if offnominal.owner_flight(z) is not None:
            reasons.append(offnominal.blocked_reason(z))
            continue
        reasons.append(
            Reason(
                ReasonCode.ZONE_PROHIBITED,
                f"every departure in the window enters prohibited zone {z}{name}",
                zone=z,
            )
        )
    for f in failure.flights:
        known = state_of(f)
        state = str(known) if known is not None else "accepted"
        reasons.append(Reason(ReasonCode.CONFLICT, f"conflicts with {state} flight {f}", flight=f))
    if failure.flights or not reasons:
        detail = {}
        message = "no conflict-free departure in the requested window"
        if failure.alternative_s is not None:
            detail["alternative_departure"] = failure.alternative_s
            message += f"; the earliest later departure that fits is {say(failure.alternative_s)}"
        reasons.append(Reason(ReasonCode.NO_SLOT, message, detail=detail))
    if failure.layer is not None and reasons:
        offset_m, depart_s = failure.layer
        last = reasons[-1]
        reasons[-1] = replace(
            last,
            message=f"{last.message}; cruising {offset_m:+g} m from the filed altitude would fit "
            f"(departing at {say(depart_s)})",
            detail={
                **last.detail,
                "alternative_altitude_offset_m": offset_m,
                "alternative_altitude_departure": depart_s,
            },
        )
    return reasons
