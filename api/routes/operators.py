"""Operators and API users (admins), and the caller's own identity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AdminUser, CurrentUser, RegulatorUser, SessionDep, StoreDep
from api.models import Operator
from api.schemas import OperatorCreate, OperatorPublic, UserCreate, UserCreated
from api.services import users

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
    return users.create_operator(store, body=body, actor=user)


@router.get("/operators", operation_id="operators-list", response_model=list[OperatorPublic])
def list_operators(_user: RegulatorUser, session: SessionDep) -> list[Operator]:
    """The registered operators (regulators)."""
    return users.list_operators(session)


@router.post("/users", operation_id="users-create", status_code=201, response_model=UserCreated)
def create_api_user(body: UserCreate, user: AdminUser, store: StoreDep) -> UserCreated:
    """Create an API key (admins). The key is in this answer only."""
    return users.create_api_user(store, body=body, actor=user)
