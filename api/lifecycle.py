"""Service functions behind the routes: filing flights, their lifecycle, reviews and zone
publication. Each one runs inside :meth:`AirspaceState.transaction`, so the planner decides
on an up-to-date airspace and the answer is committed (durable) before it is returned.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.drones import Drone
from airspace.errors import AirspaceError
from airspace.geoawareness import ZoneIndex
from airspace.zones import Zone
from api import scoped_ids
from api.airspace_state import LIVE_STATES, AirspaceState
from api.auth import Principal
from api.errors import ApiError, bad_field, not_found
from api.models import DroneRow, FlightRow, Notification, ZoneRow
from api.schemas import MAX_TIME_S, FlightCreate, Time
from api.store import utcnow
from api.workflow import service as workflow
from api.workflow import zone_versions
from api.workflow.audit import record as audit
from planner.requests import request_from_dict
from planner.workflow_gate import ApplicationIncomplete

STATE_OF_STATUS = {"approved": "accepted", "pending": "pending", "rejected": "rejected"}
STATE_OF_CHANGE = {"revoked": "revoked", "replanned": "accepted", "approved": "accepted"}
TRANSITIONS = {
    "cancel": ({"pending", "accepted"}, "cancelled"),
    "activate": ({"accepted"}, "activated"),
    "end": ({"activated", "accepted", "nonconforming", "contingent"}, "ended"),
}


def body_hash(raw: dict[str, Any]) -> str:
    """Digest of a request body (sorted keys), to tell a retry from a different request."""
    return hashlib.sha256(
        json.dumps(raw, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def seconds(state: AirspaceState, value: Time, field: str) -> float:
    """A wire time (planner seconds or RFC 3339) as planner seconds."""
    try:
        if isinstance(value, str):
            t_s = state.to_seconds(datetime.fromisoformat(value.replace("Z", "+00:00")))
        else:
            t_s = float(value)
    except (ValueError, OverflowError) as e:
        raise bad_field(field, f"not a usable time ({e})") from None
    if not abs(t_s) <= MAX_TIME_S:
        raise bad_field(field, f"must lie within {MAX_TIME_S:g} s (about 300 years) of the epoch")
    return t_s


def count_vertices(obj: Any) -> int:
    """Number of coordinate positions in a nested list/GeoJSON structure."""
    if isinstance(obj, dict):
        return sum(count_vertices(v) for v in obj.values())
    if isinstance(obj, list):
        if obj and all(isinstance(v, int | float) and not isinstance(v, bool) for v in obj):
            return 1
        return sum(count_vertices(v) for v in obj)
    return 0


def polygon_from_geojson(geom: dict[str, Any], field: str):
    """A shapely polygon from a GeoJSON Polygon, or a 422 naming ``field``."""
    if geom.get("type") != "Polygon":
        raise bad_field(field, "must be a GeoJSON Polygon")
    try:
        poly = shape(geom)
    except Exception as e:
        raise bad_field(field, f"not a readable GeoJSON Polygon ({e})") from None
    if poly.is_empty or not poly.is_valid:
        raise bad_field(field, f"invalid polygon ({shapely.is_valid_reason(poly)})")
    return poly


def drone_from_row(row: DroneRow) -> Drone:
    return Drone(
        id=row.id,
        operator_id=row.operator_id,
        serial=row.serial,
        empty_weight_kg=row.empty_weight_kg,
        max_takeoff_weight_kg=row.max_takeoff_weight_kg,
        max_speed_mps=row.max_speed_mps,
        max_altitude_m=row.max_altitude_m,
        vertical_rate_mps=row.vertical_rate_mps,
        capabilities=frozenset(row.capabilities or ()),
        drone_class=row.drone_class,
    )


def _end_s(decision: dict[str, Any]) -> float | None:
    if decision.get("trajectory"):
        return float(decision["trajectory"][-1][3])
    if decision.get("end") is not None:
        return float(decision["end"])
    return None


def has_record(state: AirspaceState, flight_id: str) -> bool:
    """Whether the planner knows the flight (without copying all its records)."""
    try:
        state.planner.record(flight_id)
    except KeyError:
        return False
    return True


def _record_json(state: AirspaceState, flight_id: str) -> dict[str, Any] | None:
    # One record, not planner.records(): that copies every flight's record.
    try:
        return state.planner.record(flight_id).to_json()
    except KeyError:
        return None


def _set_decision(
    row: FlightRow, decision_json: dict[str, Any], record: dict[str, Any] | None
) -> None:
    row.decision = decision_json
    row.status = decision_json["status"]
    row.departure_s = decision_json.get("departure", decision_json.get("start"))
    row.end_s = _end_s(decision_json)
    row.record = record
    row.updated_at = utcnow()


def notify(s: Session, row: FlightRow, kind: str, payload: dict[str, Any]) -> None:
    s.add(
        Notification(
            operator_id=row.operator_id,
            flight_id=row.id,
            kind=kind,
            payload={"flight": row.id, "state": row.state, **payload},
            created_at=utcnow(),
        )
    )


def apply_changes(s: Session, state: AirspaceState, changes: list[Any]) -> list[dict[str, Any]]:
    """Persist the flights the planner re-planned, revoked or approved, with notifications."""
    out = []
    if changes:
        s.flush()  # a changed flight may have been filed earlier in the same batch
    for ch in changes:
        row = s.get(FlightRow, ch.flight_id)
        if row is None:
            continue
        dj = ch.decision.to_json()
        try:
            row.state = str(state.planner.record(ch.flight_id).state)
        except KeyError:
            row.state = STATE_OF_CHANGE.get(ch.kind, row.state)
        _set_decision(row, dj, _record_json(state, row.id))
        reason = ch.reason.to_json() if ch.reason is not None else None
        notify(s, row, ch.kind, {"decision": dj, "reason": reason})
        state.log_event(s, "flight", row.id, {"state": row.state})
        audit(s, None, ch.kind, "flight", row.id, reason=ch.reason.message if ch.reason else "")
        out.append({"flight": row.id, "kind": ch.kind, "state": row.state, "reason": reason})
    return out


def _find_by_request_id(s: Session, operator_id: str, request_id: str) -> FlightRow | None:
    return s.execute(
        select(FlightRow).where(
            FlightRow.operator_id == operator_id, FlightRow.request_id == request_id
        )
    ).scalar_one_or_none()


def flight_json(row: FlightRow, state: AirspaceState) -> dict[str, Any]:
    """The decision object of the replay plus the flight's lifecycle facts (plain data)."""
    out = dict(row.decision)
    out.update(
        state=row.state,
        operator=row.operator_id,
        drone=row.drone_id,
        request_id=row.request_id,
        priority=row.priority,
        review_comment=row.review_comment,
        departure_time=state.to_datetime(row.departure_s) if row.departure_s is not None else None,
    )
    return out


def _replay(row: FlightRow, digest: str, state: AirspaceState) -> tuple[dict[str, Any], bool]:
    if row.body_hash != digest:
        raise ApiError(
            409,
            "request_id_reused",
            f"request_id {row.request_id!r} was already used for a different request "
            f"(flight {scoped_ids.ref_of(row.operator_id, row.id)})",
            field="request_id",
        )
    return flight_json(row, state), False


def file_flight(
    state: AirspaceState,
    user: Principal,
    body: FlightCreate,
    raw: dict[str, Any],
    *,
    max_vertices: int,
) -> tuple[dict[str, Any], bool]:
    """Decide and store a flight request; returns the flight (:func:`flight_json`) and whether
    it is new. The decision is committed before this returns.

    A repeated ``request_id`` with the same body returns the stored answer (idempotent retry).
    """
    return state.run(flight_job(state, user, body, raw, max_vertices=max_vertices))


async def file_flight_async(
    state: AirspaceState,
    user: Principal,
    body: FlightCreate,
    raw: dict[str, Any],
    *,
    max_vertices: int,
) -> tuple[dict[str, Any], bool]:
    """:func:`file_flight` for the event loop: awaits the decision worker without a thread."""
    return await state.run_async(flight_job(state, user, body, raw, max_vertices=max_vertices))


def flight_job(
    state: AirspaceState,
    user: Principal,
    body: FlightCreate,
    raw: dict[str, Any],
    *,
    max_vertices: int,
) -> Callable[[Session], tuple[dict[str, Any], bool]]:
    """Check what can be checked without the airspace lock, and return the job that decides
    under it (for :meth:`AirspaceState.run`)."""
    op = user.operator_id or ""
    digest = body_hash(raw)
    n = count_vertices(raw.get("route"))
    if n > max_vertices:
        raise bad_field("route", f"{n} vertices exceed the limit of {max_vertices}", status=413)
    if body.route.area is not None:
        polygon_from_geojson(body.route.area, "route.area")
    departure = {
        "earliest": seconds(state, body.departure.earliest, "departure.earliest"),
        "latest": seconds(state, body.departure.latest, "departure.latest"),
    }
    if departure["latest"] < departure["earliest"]:
        raise bad_field("departure.latest", "is before departure.earliest")
    wf = workflow.workflow_of(state)
    facts = workflow.facts_of(wf, raw) if wf is not None else None
    priority = body.priority
    if wf is not None and facts is not None:
        priority = workflow.effective_priority(wf, facts, body.priority)

    def decide(s: Session) -> tuple[dict[str, Any], bool]:
        if body.request_id:
            prev = _find_by_request_id(s, op, body.request_id)
            if prev is not None:
                return _replay(prev, digest, state)
        # No autoflush here: earlier jobs' rows are written together when the batch commits.
        drone_row = scoped_ids.find_own(s, DroneRow, op, body.drone)
        if drone_row is None:
            raise bad_field("drone", f"drone {body.drone!r} is not registered to operator {op}")
        # Ids are the operator's own: one held by another operator is as good as a free one.
        flight_id = f"F-{uuid.uuid4().hex[:16]}"
        if body.flight:
            key = scoped_ids.new_key(s, FlightRow, op, body.flight)
            if key is None:
                raise ApiError(
                    409,
                    "flight_exists",
                    f"you already have a flight {body.flight!r}",
                    field="flight",
                )
            flight_id = key
        event = {
            "flight": flight_id,
            "drone": drone_row.id,
            "priority": priority,
            "departure": departure,
            "route": raw["route"],
        }
        if body.speed_mps is not None:
            event["speed_mps"] = body.speed_mps
        try:
            req = replace(request_from_dict(event, drone_from_row(drone_row)), operator_id=op)
        except (ValueError, AirspaceError) as e:
            raise ApiError(422, "invalid_request", str(e), field="route") from None
        gate = None if facts is None else workflow.gate_for(state, s, op, facts, drone_row.id)
        try:
            decision, changes = state.planner.decide(req, state.now_s(), gate=gate)
        except ApplicationIncomplete as e:  # raised before the planner changed anything
            raise ApiError(422, "application_incomplete", str(e), field="application") from None
        except (ValueError, AirspaceError) as e:
            if has_record(state, flight_id):
                state.mark_dirty()
            raise ApiError(422, "invalid_request", str(e), field="route") from None
        dj = decision.to_json()
        now = utcnow()
        row = FlightRow(
            id=flight_id,
            operator_id=op,
            drone_id=drone_row.id,
            request_id=body.request_id,
            body_hash=digest,
            request=raw,
            decision=dj,
            status=dj["status"],
            state=STATE_OF_STATUS[dj["status"]],
            priority=req.priority,
            review_comment="",
            created_at=now,
            updated_at=now,
        )
        _set_decision(row, dj, _record_json(state, flight_id))
        s.add(row)
        s.flush()
        workflow.record_filing(
            s, user, row, gate, facts or workflow.WorkflowFacts(), getattr(state, "units", None)
        )
        if row.state in LIVE_STATES:
            state.log_event(s, "flight", flight_id, {"state": row.state})
        apply_changes(s, state, changes)
        return flight_json(row, state), True

    return decide


def own_flight(s: Session, user: Principal, flight_id: str) -> FlightRow:
    """The flight, if the caller may see it (operators: their own only, by their own id;
    regulators: by its global key, see :mod:`api.scoped_ids`)."""
    row = scoped_ids.find_visible(s, FlightRow, user, flight_id)
    if row is None:
        raise not_found("flight", flight_id)
    return row


def transition(state: AirspaceState, user: Principal, flight_id: str, op: str) -> FlightRow:
    """Cancel, activate or end a flight."""
    allowed, new_state = TRANSITIONS[op]
    with state.transaction() as s:
        row = own_flight(s, user, flight_id)
        if row.state not in allowed:
            raise ApiError(
                409,
                "bad_state",
                f"cannot {op} flight {flight_id}: it is {row.state} (needs {sorted(allowed)})",
            )
        if op == "activate":
            workflow.check_activation(state, s, row)
        try:
            getattr(state.planner, op)(row.id, state.now_s())
        except (ValueError, KeyError) as e:
            why = str(e) if user.is_regulator else scoped_ids.for_operator(str(e), row.operator_id)
            raise ApiError(409, "bad_state", f"cannot {op} flight {flight_id}: {why}") from None
        row.state = new_state
        row.record = _record_json(state, row.id)
        row.updated_at = utcnow()
        state.log_event(s, "flight", row.id, {"state": row.state})
        audit(s, user, op, "flight", row.id, reason=op, state=row.state)
    return row


def review(
    state: AirspaceState,
    flight_id: str,
    *,
    approve: bool,
    comment: str,
    actor: Principal | None = None,
) -> tuple[FlightRow, list]:
    """A regulator's verdict on a pending request."""
    with state.transaction() as s:
        row = s.get(FlightRow, flight_id)
        if row is None:
            raise not_found("flight", flight_id)
        if row.state != "pending":
            raise ApiError(
                409, "bad_state", f"flight {flight_id} is {row.state}, not pending review"
            )
        decision, changes = state.planner.review(flight_id, approve, state.now_s(), comment)
        dj = decision.to_json()
        row.state = STATE_OF_STATUS[dj["status"]]
        row.review_comment = comment
        _set_decision(row, dj, _record_json(state, flight_id))
        notify(
            s,
            row,
            "approved" if row.state != "rejected" else "denied",
            {"decision": dj, "comment": comment},
        )
        state.log_event(s, "flight", flight_id, {"state": row.state})
        workflow.note_decided(state, s, flight_id)
        audit(s, actor, "review", "flight", flight_id, reason=comment, approve=approve)
        out = apply_changes(s, state, changes)
    return row, out


def publish_zones(
    state: AirspaceState,
    zones: list[tuple[Zone, str, dict[str, Any]]],
    *,
    replace_existing: bool,
    actor: Principal | None = None,
    emergency_reason: str | None = None,
) -> tuple[list[ZoneRow], list[dict[str, Any]]]:
    """Store and publish zones (``(zone, kind, source)``); affected flights are re-checked.

    Under a workflow, a temporary restriction published inline (``emergency_reason`` given,
    possibly empty) must respect its lead time (``ZONE_LEAD_TIME``); uploaded datasets
    (``None``) are published aeronautical information and are not checked.
    """
    for zone, _kind, _source in zones:
        if emergency_reason is not None:
            workflow.check_zone_lead(state, zone, emergency_reason)
        try:
            ZoneIndex([zone], state.deployment)
        except AirspaceError as e:
            raise ApiError(
                422, "invalid_zone", str(e), field=getattr(e, "field", None) or "geometry"
            ) from None
    rows, changes = [], []
    with state.transaction() as s:
        now = utcnow()
        for zone, kind, source in zones:
            row = s.get(ZoneRow, zone.identifier)
            if row is not None and not row.withdrawn and not replace_existing:
                raise ApiError(
                    409,
                    "zone_exists",
                    f"zone {zone.identifier!r} exists; PUT /v1/zones/{zone.identifier} updates it",
                )
            if row is None:
                row = ZoneRow(id=zone.identifier, created_at=now, version=0)
                s.add(row)
            row.kind, row.source, row.restriction = kind, source, str(zone.restriction)
            row.withdrawn, row.version, row.updated_at = False, (row.version or 0) + 1, now
            s.flush()
            zone_versions.published(s, row, workflow.now(state), actor)
            audit(
                s,
                actor,
                "publish",
                "zone",
                zone.identifier,
                reason=emergency_reason or f"published ({kind})",
                version=row.version,
                source=source,
            )
            changes.extend(apply_changes(s, state, state.publish_zone(s, zone)))
            rows.append(row)
    return rows, changes


def withdraw_zone(state: AirspaceState, zone_id: str, actor: Principal | None = None) -> ZoneRow:
    with state.transaction() as s:
        row = s.get(ZoneRow, zone_id)
        if row is None or row.withdrawn:
            raise not_found("zone", zone_id)
        row.withdrawn, row.version, row.updated_at = True, row.version + 1, utcnow()
        state.withdraw_zone(s, zone_id)
        zone_versions.withdrawn(s, zone_id, workflow.now(state))
        audit(s, actor, "withdraw", "zone", zone_id, reason="withdrawn", version=row.version)
    return row
