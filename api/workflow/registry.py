"""The registry: documents with validity dates (operator certificate, insurance, pilot licence,
real-name drone registration), a drone's registration status (active or not), and a drone's
modification, after which its class is derived again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.rules import classify
from airspace.rulesets import RULESETS
from api.airspace_state import AirspaceState
from api.auth import Principal
from api.errors import bad_field, not_found
from api.models import DroneRow
from api.scoped_ids import find_own, find_visible
from api.services.records import drone_from_row
from api.store import utcnow
from api.workflow.audit import record
from api.workflow.clock import aware, stored, workflow_of
from api.workflow.models import DroneStatus, RegistryDocument


def documents_of(
    s: Session, operator_id: str, drone_id: str, *, cache: dict | None = None
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Validity periods of the registry documents that count for a flight: the operator's, and
    the drone's own real-name registration.

    ``cache`` (a dict living as long as the transaction) keeps the operator's documents for
    the next flight of the same operator, whichever its drone.
    """
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    rows = None if cache is None else cache.get(("documents", operator_id))
    if rows is None:
        rows = list(
            s.execute(
                select(RegistryDocument).where(RegistryDocument.operator_id == operator_id)
            ).scalars()
        )
        if cache is not None:
            cache["documents", operator_id] = rows
    for d in rows:
        if d.drone_id is not None and d.drone_id != drone_id:
            continue
        out.setdefault(d.kind, []).append((aware(d.valid_from), aware(d.valid_until)))  # type: ignore[arg-type]
    return out


def add_document(state: AirspaceState, user: Principal, body: dict[str, Any]) -> RegistryDocument:
    """Register a document (operators: their own; regulators name the operator)."""
    wf = workflow_of(state)
    kinds = list(wf.documents) if wf is not None else []
    if body["kind"] not in kinds:
        raise bad_field("kind", f"unknown document kind {body['kind']!r}; expected one of {kinds}")
    if body["valid_until"] <= body["valid_from"]:
        raise bad_field("valid_until", "is not after valid_from")
    operator = body.get("operator") if user.is_regulator else user.operator_id
    if not operator:
        raise bad_field("operator", "a regulator registering a document names the operator")
    with state.store.write() as s:
        from api.models import DroneRow, Operator

        if s.get(Operator, operator) is None:
            raise not_found("operator", operator)
        drone = body.get("drone")
        if (body["kind"] == "drone_registration") != (drone is not None):
            raise bad_field("drone", "a drone registration names its drone; other documents do not")
        if drone is not None:
            row = find_own(s, DroneRow, operator, drone)  # the operator's own id for it
            if row is None:
                raise not_found("drone", drone)
            drone = row.id
        doc = RegistryDocument(
            operator_id=operator,
            drone_id=drone,
            kind=body["kind"],
            number=body["number"],
            valid_from=stored(body["valid_from"]),
            valid_until=stored(body["valid_until"]),
            created_at=utcnow(),
        )
        s.add(doc)
        s.flush()
        record(s, user, "register", "document", str(doc.id), reason=doc.kind, operator=operator)
        return doc


def drone_active(s: Session, drone_id: str) -> bool:
    """Whether a drone's registration is active (no status recorded: active)."""
    row = s.get(DroneStatus, drone_id)
    return row is None or row.active


def inactive_drones(s: Session, operator_id: str) -> frozenset[str]:
    """The operator's drones whose registration is not active (one query for a batch of
    filings; :func:`drone_active` answers for one drone)."""
    rows = s.execute(
        select(DroneStatus.drone_id)
        .join(DroneRow, DroneRow.id == DroneStatus.drone_id)
        .where(DroneRow.operator_id == operator_id, DroneStatus.active.is_(False))
    ).scalars()
    return frozenset(rows)


def _own_drone(s: Session, user: Principal, drone_id: str) -> DroneRow:
    row = find_visible(s, DroneRow, user, drone_id)
    if row is None:
        raise not_found("drone", drone_id)
    return row


def set_drone_status(
    state: AirspaceState, user: Principal, drone_id: str, active: bool, reason: str
) -> DroneStatus:
    """Activate or deactivate a drone's registration (its operator or a regulator)."""
    with state.store.write() as s:
        drone_id = _own_drone(s, user, drone_id).id
        row = s.get(DroneStatus, drone_id)
        if row is None:
            row = DroneStatus(
                drone_id=drone_id, active=active, reason=reason, updated_by=user.user_id
            )
            s.add(row)
        row.active, row.reason, row.updated_by, row.updated_at = (
            active,
            reason,
            user.user_id,
            utcnow(),
        )
        record(s, user, "activate" if active else "deactivate", "drone", drone_id, reason=reason)
        return row


MODIFIABLE = ("empty_weight_kg", "max_takeoff_weight_kg", "max_speed_mps", "max_altitude_m")


def modify_drone(
    state: AirspaceState, user: Principal, drone_id: str, changes: dict[str, Any], reason: str
) -> tuple[DroneRow, str]:
    """Record a modification (weights, speed, height, capabilities) and derive the class again
    from the new properties; returns the drone and its previous class."""
    with state.store.write() as s:
        row = _own_drone(s, user, drone_id)
        before = row.drone_class
        for k in MODIFIABLE:
            if changes.get(k) is not None:
                setattr(row, k, float(changes[k]))
        if changes.get("capabilities") is not None:
            row.capabilities = sorted(set(changes["capabilities"]))
        if (
            row.empty_weight_kg is not None
            and row.max_takeoff_weight_kg is not None
            and row.empty_weight_kg > row.max_takeoff_weight_kg
        ):
            raise bad_field("empty_weight_kg", "is larger than max_takeoff_weight_kg")
        drone = drone_from_row(row, classified=False)
        row.drone_class = classify(drone, RULESETS[state.deployment.rules])
        record(
            s,
            user,
            "modify",
            "drone",
            drone_id,
            reason=reason,
            drone_class_before=before,
            drone_class=row.drone_class,
        )
        return row, before
