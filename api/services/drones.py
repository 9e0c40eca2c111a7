"""The drones service: real-name registration (the class derived by the deployment's rule
set), listing, reading and deregistering drones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.drones import Drone
from airspace.rules import classify, classify_explained
from airspace.rulesets import RULESETS
from api.auth import Principal
from api.errors import ApiError, bad_field, not_found
from api.models import DroneRow, FlightRow, Operator
from api.schemas import DroneCreate, DronePublic
from api.services.lists import visible_rows
from api.services.records import DRONE_FIELDS, drone_from_row
from api.store import Store, utcnow
from api.workflow.audit import record as audit


def class_reason(row: DroneRow, deployment_rules: str) -> str:
    """Why the rules give ``row`` its class, in words (what kept it out of each smaller one)."""
    try:
        c = classify_explained(drone_from_row(row, classified=False), RULESETS[deployment_rules])
    except (KeyError, ValueError):
        return ""
    if c.declared:
        return f"{c.name}: declared"
    why = "; ".join(f"not {name}: {', '.join(unmet)}" for name, unmet in c.skipped)
    why = why.replace("(drone: None)", "(not given)")
    return f"{c.name} (rule {c.rule})" + (f" because {why}" if why else "")


def drone_public(row: DroneRow, deployment_rules: str) -> dict[str, Any]:
    """The drone as answered: its stored fields and why it has its class."""
    out = {c: getattr(row, c) for c in DronePublic.model_fields if c != "class_reason"}
    out["class_reason"] = class_reason(row, deployment_rules)
    return out


def derive_class(body: DroneCreate, operator_id: str, deployment_rules: str) -> str:
    """The drone class the national rules give these properties."""
    drone = Drone(
        **{f: getattr(body, f) for f in DRONE_FIELDS if f != "operator_id"},
        operator_id=operator_id,
        capabilities=frozenset(body.capabilities),
    )
    try:
        return classify(drone, RULESETS[deployment_rules])
    except ValueError as e:
        raise ApiError(422, "invalid_field", str(e), field="max_takeoff_weight_kg") from None


def register_drone(
    store: Store, *, user: Principal, body: DroneCreate, rules: str
) -> dict[str, Any]:
    """Register a drone (operators: for themselves; regulators: for ``operator_id``)."""
    if user.is_regulator:
        if not body.operator_id:
            raise bad_field("operator_id", "a regulator registering a drone must name its operator")
        operator_id = body.operator_id
    else:
        if body.operator_id not in (None, user.operator_id):
            raise ApiError(
                403,
                "forbidden",
                "operators register drones for themselves only",
                field="operator_id",
            )
        operator_id = user.operator_id or ""
    drone_class = derive_class(body, operator_id, rules)
    with store.write() as s:
        if s.get(Operator, operator_id) is None:
            raise bad_field("operator_id", f"operator {operator_id!r} is not registered")
        if s.get(DroneRow, body.id) is not None:
            raise ApiError(409, "drone_exists", f"drone id {body.id!r} is taken", field="id")
        if s.execute(select(DroneRow.id).where(DroneRow.serial == body.serial)).first() is not None:
            raise ApiError(
                409,
                "serial_exists",
                f"serial {body.serial!r} is already registered",
                field="serial",
            )
        row = DroneRow(
            **{f: getattr(body, f) for f in DRONE_FIELDS if f != "operator_id"},
            operator_id=operator_id,
            model=body.model,
            capabilities=list(body.capabilities),
            drone_class=drone_class,
            created_at=utcnow(),
        )
        s.add(row)
        audit(s, user, "register", "drone", body.id, reason="registered", drone_class=drone_class)
    return drone_public(row, rules)


def list_drones(session: Session, *, user: Principal, rules: str) -> list[dict[str, Any]]:
    """The caller's drones (regulators: all), by id."""
    return [drone_public(r, rules) for r in visible_rows(session, DroneRow, user)]


def get_drone(session: Session, *, user: Principal, drone_id: str, rules: str) -> dict[str, Any]:
    """One drone, if the caller may see it (operators: their own only)."""
    row = session.get(DroneRow, drone_id)
    if row is None or (not user.is_regulator and row.operator_id != user.operator_id):
        raise not_found("drone", drone_id)
    return drone_public(row, rules)


def delete_drone(store: Store, *, user: Principal, drone_id: str) -> None:
    """Deregister a drone that has no flights."""
    with store.write() as s:
        row = s.get(DroneRow, drone_id)
        if row is None or (not user.is_regulator and row.operator_id != user.operator_id):
            raise not_found("drone", drone_id)
        if s.execute(select(FlightRow.id).where(FlightRow.drone_id == drone_id).limit(1)).first():
            raise ApiError(
                409, "drone_has_flights", f"drone {drone_id} has flights; it stays registered"
            )
        s.delete(row)
        audit(s, user, "deregister", "drone", drone_id, reason="deregistered")
