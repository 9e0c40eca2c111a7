"""API keys for admins: list them (never the keys themselves) and revoke one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.auth import list_users, revoke_user
from api.deps import AdminUser, SessionDep, StoreDep
from api.errors import not_found
from api.models import ApiUser
from api.schemas import UserPublic
from api.store import utcnow

router = APIRouter(prefix="/users", tags=["users"])


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


@router.get("", operation_id="users-list", response_model=list[UserPublic])
def list_keys(_user: AdminUser, session: SessionDep) -> list[dict[str, Any]]:
    """Every API key's user, oldest first, with its status (active, expired, revoked)."""
    return [user_public(u) for u in list_users(session)]


@router.post("/{user_id}/revoke", operation_id="users-revoke", response_model=UserPublic)
def revoke_key(user_id: int, _user: AdminUser, store: StoreDep, request: Request) -> dict[str, Any]:
    """Revoke a key now: this server refuses it at once, other replicas within 10 s."""
    try:
        with store.write() as s:
            out = user_public(revoke_user(s, str(user_id)))
    except LookupError:
        raise not_found("API key of user", str(user_id)) from None
    request.app.state.key_cache.clear()
    return out
