"""API keys for admins: list them (never the keys themselves) and revoke one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.deps import AdminUser, SessionDep, StoreDep
from api.schemas import UserPublic
from api.services import users

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", operation_id="users-list", response_model=list[UserPublic])
def list_keys(_user: AdminUser, session: SessionDep) -> list[dict[str, Any]]:
    """Every API key's user, oldest first, with its status (active, expired, revoked)."""
    return users.list_keys(session)


@router.post("/{user_id}/revoke", operation_id="users-revoke", response_model=UserPublic)
def revoke_key(user_id: int, _user: AdminUser, store: StoreDep, request: Request) -> dict[str, Any]:
    """Revoke a key now: this server refuses it at once, other replicas within 10 s."""
    out = users.revoke_key(store, user_id=user_id)
    request.app.state.key_cache.clear()
    return out
