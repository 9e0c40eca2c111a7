"""The users service: operators, API keys and their users (created, listed, revoked)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal, create_user, list_users, revoke_user
from api.errors import ApiError, not_found
from api.models import ApiUser, Operator
from api.schemas import OperatorCreate, UserCreate, UserCreated
from api.store import Store, utcnow
from api.workflow.audit import record as audit


def user_public(u: ApiUser) -> dict[str, Any]:
    """What an admin sees of a key's user."""
    if u.revoked_at is not None or not u.active:
        status = "revoked"
    elif u.expires_at is not None and u.expires_at <= utcnow():
        status = "expired"
    else:
        status = "active"
    return {
        "id": u.id,
        "name": u.name,
        "role": u.role,
        "operator_id": u.operator_id,
        "key_prefix": u.key_prefix,
        "created_at": u.created_at,
        "expires_at": u.expires_at,
        "revoked_at": u.revoked_at,
        "status": status,
    }


def list_keys(session: Session) -> list[dict[str, Any]]:
    """Every API key's user, oldest first, with its status (active, expired, revoked)."""
    return [user_public(u) for u in list_users(session)]


def revoke_key(store: Store, *, user_id: int) -> dict[str, Any]:
    """Revoke a key now (404 if there is no such user); the user as now stored."""
    try:
        with store.write() as s:
            return user_public(revoke_user(s, str(user_id)))
    except LookupError:
        raise not_found("API key of user", str(user_id)) from None


def create_operator(store: Store, *, body: OperatorCreate, actor: Principal) -> Operator:
    """Register an operator (409 if the id is taken)."""
    with store.write() as s:
        if s.get(Operator, body.id) is not None:
            raise ApiError(409, "operator_exists", f"operator {body.id!r} exists", field="id")
        op = Operator(id=body.id, name=body.name or body.id, created_at=utcnow())
        s.add(op)
        audit(s, actor, "create", "operator", body.id, reason="registered")
    return op


def list_operators(session: Session) -> list[Operator]:
    """Every operator, by id."""
    return list(session.execute(select(Operator).order_by(Operator.id)).scalars())


def create_api_user(store: Store, *, body: UserCreate, actor: Principal) -> UserCreated:
    """Create an API key and its user; the key is in this answer only."""
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
            audit(s, actor, "create", "key", str(u.id), reason="key created", role=u.role)
    except ValueError as e:
        field = "operator_id" if "operator" in str(e) else "role"
        raise ApiError(422, "invalid_field", str(e), field=field) from None
    return out
