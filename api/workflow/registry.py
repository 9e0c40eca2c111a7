"""Registry documents with validity dates (operator certificate, insurance, pilot licence,
real-name drone registration): registering them and reading them for a filing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.airspace_state import AirspaceState
from api.auth import Principal
from api.errors import bad_field, not_found
from api.store import utcnow
from api.workflow.audit import record
from api.workflow.clock import aware, stored, workflow_of
from api.workflow.models import RegistryDocument


def documents_of(
    s: Session, operator_id: str, drone_id: str
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Validity periods of the registry documents that count for a flight: the operator's, and
    the drone's own real-name registration."""
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    rows = s.execute(
        select(RegistryDocument).where(RegistryDocument.operator_id == operator_id)
    ).scalars()
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
            row = s.get(DroneRow, drone)
            if row is None or row.operator_id != operator:
                raise not_found("drone", drone)
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
