"""The drones service: real-name registration (the class derived by the deployment's rule
set), listing, reading and deregistering drones. Drone ids are each operator's own
(:mod:`api.scoped_ids`); serial numbers are physically unique."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.drones import Drone
from airspace.rules import classify, classify_explained
from airspace.rulesets import RULESETS
from api.auth import Principal
from api.errors import ApiError, bad_field, not_found
from api.models import DroneRow, FlightRow, Notification, Operator
from api.schemas import DroneCreate, DronePublic
from api.scoped_ids import find_visible, new_key, ref_of
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


def drone_public(row: DroneRow, deployment_rules: str, user: Principal) -> dict[str, Any]:
    """The drone as answered to ``user``: its stored fields and why it has its class (an
    operator sees its own id for it, see :mod:`api.scoped_ids`)."""
    out = {c: getattr(row, c) for c in DronePublic.model_fields if c != "class_reason"}
    out["class_reason"] = class_reason(row, deployment_rules)
    if not user.is_regulator:
        out["id"] = ref_of(row.operator_id, row.id)
    return out


def serial_conflict(
    s: Session, user: Principal, operator_id: str, body: DroneCreate
) -> dict[str, Any] | None:
    """Whether ``body.serial`` is registered to another operator already (its details).

    A serial is physically unique, so a second registration is a real conflict, but an
    operator must not learn whose drone holds it: it is only told that the serial cannot be
    registered and that the regulator will look into it (:func:`report_serial_conflict`).
    Its own serial, and any serial for a regulator, is named plainly (409 ``serial_exists``).
    """
    held = s.execute(select(DroneRow).where(DroneRow.serial == body.serial)).scalar_one_or_none()
    if held is None:
        return None
    if user.is_regulator or held.operator_id == operator_id:
        name = held.id if user.is_regulator else ref_of(operator_id, held.id)
        raise ApiError(
            409,
            "serial_exists",
            f"serial {body.serial!r} is registered already, as drone {name} of "
            f"operator {held.operator_id}",
            field="serial",
        )
    return {
        "serial": body.serial,
        "drone": body.id,
        "operator": operator_id,
        "registered_drone": held.id,
        "registered_operator": held.operator_id,
    }


def report_serial_conflict(s: Session, user: Principal, detail: dict[str, Any]) -> ApiError:
    """Tell the regulators (a notification no operator sees, and the audit log) that
    ``detail["operator"]`` tried to register a serial another operator holds; returns the
    operator's answer, which names nobody."""
    s.add(
        Notification(
            operator_id="",
            flight_id="",
            kind="serial_conflict",
            payload=detail,
            created_at=utcnow(),
        )
    )
    audit(s, user, "serial_conflict", "drone", detail["drone"], reason="serial held", **detail)
    return ApiError(
        409,
        "serial_unavailable",
        f"serial {detail['serial']!r} cannot be registered to you; if this drone is yours, "
        "the regulator has been told and will resolve its registration",
        field="serial",
    )


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
        # Drone ids are the operator's own: one held by another operator is as good as free.
        key = new_key(s, DroneRow, operator_id, body.id)
        if key is None:
            raise ApiError(
                409,
                "drone_exists",
                f"operator {operator_id} already has a drone with id {body.id!r}",
                field="id",
            )
        conflict = serial_conflict(s, user, operator_id, body)
        if conflict is None:
            fields = {f: getattr(body, f) for f in DRONE_FIELDS if f not in ("id", "operator_id")}
            row = DroneRow(
                **fields,
                id=key,
                operator_id=operator_id,
                model=body.model,
                capabilities=list(body.capabilities),
                drone_class=drone_class,
                created_at=utcnow(),
            )
            s.add(row)
            audit(s, user, "register", "drone", key, reason="registered", drone_class=drone_class)
    if conflict is not None:
        with store.write() as s:  # its own transaction: the refusal does not roll it back
            refusal = report_serial_conflict(s, user, conflict)
        raise refusal
    return drone_public(row, rules, user)


def list_drones(session: Session, *, user: Principal, rules: str) -> list[dict[str, Any]]:
    """The caller's drones (regulators: all), by id."""
    return [drone_public(r, rules, user) for r in visible_rows(session, DroneRow, user)]


def get_drone(session: Session, *, user: Principal, drone_id: str, rules: str) -> dict[str, Any]:
    """One drone, if the caller may see it (operators: their own only, by their own id)."""
    row = find_visible(session, DroneRow, user, drone_id)
    if row is None:
        raise not_found("drone", drone_id)
    return drone_public(row, rules, user)


def delete_drone(store: Store, *, user: Principal, drone_id: str) -> None:
    """Deregister a drone that has no flights."""
    with store.write() as s:
        row = find_visible(s, DroneRow, user, drone_id)
        if row is None:
            raise not_found("drone", drone_id)
        if s.execute(select(FlightRow.id).where(FlightRow.drone_id == row.id).limit(1)).first():
            raise ApiError(
                409, "drone_has_flights", f"drone {drone_id} has flights; it stays registered"
            )
        s.delete(row)
        audit(s, user, "deregister", "drone", row.id, reason="deregistered")
