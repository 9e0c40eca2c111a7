"""Dependencies of the routes, as ``Annotated`` aliases: the database session, the caller
(``CurrentUser``, ``CurrentOperator``, ``RegulatorUser``, ``AdminUser``) and the process's
planner state (``PlannerDep``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.airspace_state import AirspaceState
from api.auth import Principal, Role, authenticate, hash_key
from api.config import Settings
from api.errors import ApiError
from api.store import Store, utcnow

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer qk_...`")
_KEY_CACHE_S = 10.0


# The cheap dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in its thread
# pool, a hop per dependency per request that cost more than the work (profiled on the
# approval path: 4 hops a filing).
async def get_settings(request: Request) -> Settings:
    """The service's settings."""
    return request.app.state.settings


async def get_store(request: Request) -> Store:
    """The service's store."""
    return request.app.state.store


async def get_airspace(request: Request) -> AirspaceState:
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


async def current_user(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller named by the bearer key (401 without a valid key)."""
    if creds is None or creds.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", "send an API key as `Authorization: Bearer <key>`")
    if request.app.state.settings.v1_accepts_jwt and creds.credentials.count(".") == 2:
        from api.interuss.security import v1_principal

        return await run_in_threadpool(v1_principal, request, creds.credentials)
    hit = cached_principal(request.app.state, creds.credentials)
    if hit is not None:
        return hit
    principal = await run_in_threadpool(_authenticate, request.app.state.store, creds.credentials)
    if principal is None:
        raise ApiError(401, "unauthorized", "unknown, revoked or expired API key")
    request.app.state.key_cache[hash_key(creds.credentials)] = (time.monotonic(), principal)
    return principal


def cached_principal(app_state: Any, key: str) -> Principal | None:
    """The caller ``key`` names if it is in the key cache, fresh and unexpired (else ``None``:
    look it up in the store). A short in-process cache keyed by the digest keeps the key
    lookup off the hot path."""
    cache: dict[str, tuple[float, Principal]] = app_state.key_cache
    hit = cache.get(hash_key(key))
    if hit is not None and time.monotonic() - hit[0] < _KEY_CACHE_S:
        expires_at = hit[1].expires_at
        if expires_at is None or expires_at > utcnow():
            return hit[1]
    return None


def _authenticate(store: Store, key: str) -> Principal | None:
    with store.session() as s:
        return authenticate(s, key)


CurrentUser = Annotated[Principal, Depends(current_user)]


async def current_operator(user: CurrentUser) -> Principal:
    """The caller, if their key is an operator's (403 otherwise)."""
    if user.role != Role.OPERATOR or not user.operator_id:
        raise ApiError(403, "forbidden", "this needs an operator key (bound to an operator id)")
    return user


async def regulator_user(user: CurrentUser) -> Principal:
    """The caller, if their key is a regulator's or an admin's (403 otherwise)."""
    if not user.is_regulator:
        raise ApiError(403, "forbidden", "this needs a regulator or admin key")
    return user


async def admin_user(user: CurrentUser) -> Principal:
    """The caller, if their key is an admin's (403 otherwise)."""
    if user.role != Role.ADMIN:
        raise ApiError(403, "forbidden", "this needs an admin key")
    return user


CurrentOperator = Annotated[Principal, Depends(current_operator)]
RegulatorUser = Annotated[Principal, Depends(regulator_user)]
AdminUser = Annotated[Principal, Depends(admin_user)]
