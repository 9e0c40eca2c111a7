"""Dependencies of the routes, as ``Annotated`` aliases: the database session, the caller
(``CurrentUser``, ``CurrentOperator``, ``RegulatorUser``, ``AdminUser``) and the process's
planner state (``PlannerDep``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.airspace_state import AirspaceState
from api.auth import Principal, Role, authenticate, hash_key
from api.config import Settings
from api.errors import ApiError
from api.store import Store, utcnow

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer qk_...`")
_KEY_CACHE_S = 10.0


def get_settings(request: Request) -> Settings:
    """The service's settings."""
    return request.app.state.settings


def get_store(request: Request) -> Store:
    """The service's store."""
    return request.app.state.store


def get_airspace(request: Request) -> AirspaceState:
    """The airspace facade of this process (planner, zones, decision worker)."""
    return request.app.state.airspace


def get_session(request: Request) -> Iterator[Session]:
    """The one read session of a request (writes go through the services)."""
    with request.app.state.store.session() as s:
        yield s


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
SessionDep = Annotated[Session, Depends(get_session)]
PlannerDep = Annotated[AirspaceState, Depends(get_airspace)]


def current_user(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller named by the bearer key (401 without a valid key)."""
    if creds is None or creds.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", "send an API key as `Authorization: Bearer <key>`")
    if request.app.state.settings.v1_accepts_jwt and creds.credentials.count(".") == 2:
        from api.interuss.security import v1_principal

        return v1_principal(request, creds.credentials)
    # A short in-process cache keyed by the digest keeps the key lookup off the hot path.
    cache: dict[str, tuple[float, Principal]] = request.app.state.key_cache
    digest = hash_key(creds.credentials)
    hit = cache.get(digest)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _KEY_CACHE_S:
        expires_at = hit[1].expires_at
        if expires_at is None or expires_at > utcnow():
            return hit[1]
    with request.app.state.store.session() as s:
        principal = authenticate(s, creds.credentials)
    if principal is None:
        raise ApiError(401, "unauthorized", "unknown, revoked or expired API key")
    cache[digest] = (now, principal)
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


def current_operator(user: CurrentUser) -> Principal:
    """The caller, if their key is an operator's (403 otherwise)."""
    if user.role != Role.OPERATOR or not user.operator_id:
        raise ApiError(403, "forbidden", "this needs an operator key (bound to an operator id)")
    return user


def regulator_user(user: CurrentUser) -> Principal:
    """The caller, if their key is a regulator's or an admin's (403 otherwise)."""
    if not user.is_regulator:
        raise ApiError(403, "forbidden", "this needs a regulator or admin key")
    return user


def admin_user(user: CurrentUser) -> Principal:
    """The caller, if their key is an admin's (403 otherwise)."""
    if user.role != Role.ADMIN:
        raise ApiError(403, "forbidden", "this needs an admin key")
    return user


CurrentOperator = Annotated[Principal, Depends(current_operator)]
RegulatorUser = Annotated[Principal, Depends(regulator_user)]
AdminUser = Annotated[Principal, Depends(admin_user)]
