"""Operators and API users (admins), and the caller's own identity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from api.auth import create_user
from api.deps import AdminUser, CurrentUser, RegulatorUser, SessionDep, StoreDep
from api.errors import ApiError
from api.models import Operator
from api.schemas import OperatorCreate, OperatorPublic, UserCreate, UserCreated
from api.store import utcnow
from api.workflow.audit import record as audit

router = APIRouter(tags=["operators"])


@router.get("/me", operation_id="me-get")
def me(user: CurrentUser) -> dict[str, Any]:
    """Who the key belongs to."""
    return {
        "id": user.user_id,
        "name": user.name,
        "role": str(user.role),
        "operator_id": user.operator_id,
    }


@router.post(
    "/operators", operation_id="operators-create", status_code=201, response_model=OperatorPublic
)
def create_operator(body: OperatorCreate, user: RegulatorUser, store: StoreDep) -> Operator:
    """Register an operator (regulators)."""
    with store.write() as s:
        if s.get(Operator, body.id) is not None:
            raise ApiError(409, "operator_exists", f"operator {body.id!r} exists", field="id")
        op = Operator(id=body.id, name=body.name or body.id, created_at=utcnow())
        s.add(op)
        audit(s, user, "create", "operator", body.id, reason="registered")
    return op


@router.get("/operators", operation_id="operators-list", response_model=list[OperatorPublic])
def list_operators(_user: RegulatorUser, session: SessionDep) -> list[Operator]:
    return list(session.execute(select(Operator).order_by(Operator.id)).scalars())


@router.post("/users", operation_id="users-create", status_code=201, response_model=UserCreated)
def create_api_user(body: UserCreate, user: AdminUser, store: StoreDep) -> UserCreated:
    """Create an API key (admins). The key is in this answer only."""
    expires_at = utcnow() + timedelta(seconds=body.expires_in_s) if body.expires_in_s else None
    try:
        with store.write() as s:
            u, key = create_user(
                s,
                role=body.role,
                operator_id=body.operator_id,
                name=body.name,
                expires_at=expires_at,
                create_operator=False,
            )
            out = UserCreated(
                id=u.id,
                role=u.role,
                operator_id=u.operator_id,
                name=u.name,
                key=key,
                key_prefix=u.key_prefix,
                expires_at=u.expires_at,
            )
            # The key's id and role, never the key itself.
            audit(s, user, "create", "key", str(u.id), reason="key created", role=u.role)
    except ValueError as e:
        field = "operator_id" if "operator" in str(e) else "role"
        raise ApiError(422, "invalid_field", str(e), field=field) from None
    return out
