"""Bearer API keys: creation, hashing and lookup. Keys are shown once, when created; the store
keeps only their sha256 digest (compared in constant time) and an 8-character prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import ApiUser, Operator
from api.store import utcnow

KEY_PREFIX = "qk_"


class Role(StrEnum):
    OPERATOR = "operator"
    REGULATOR = "regulator"
    ADMIN = "admin"
    SENSOR = "sensor"  # reports surveillance tracks (radar, ADS-B receivers, detection systems)
    POLICE = "police"  # sees who flies every live track (GET /v1/traffic)
    PUBLIC = "public"  # a public app: anonymous live tracks only


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's user id, role and (for operators) operator id."""

    user_id: int
    name: str
    role: Role
    operator_id: str | None

    @property
    def is_regulator(self) -> bool:
        return self.role in (Role.REGULATOR, Role.ADMIN)


def hash_key(key: str) -> str:
    """The stored digest of an API key (hex sha256)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key (``qk_`` + 43 URL-safe characters, 256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_user(
    session: Session, *, role: str, operator_id: str | None = None, name: str = ""
) -> tuple[ApiUser, str]:
    """Create an API user and return it with its plain key (shown once, never stored).

    Raises
    ------
    ValueError
        Unknown role, or an operator key without an operator id (or the reverse).
    """
    try:
        r = Role(role)
    except ValueError:
        raise ValueError(
            f"role {role!r} is unknown; use one of {[x.value for x in Role]}"
        ) from None
    if r == Role.OPERATOR and not operator_id:
        raise ValueError("an operator key needs --operator <operator id>")
    if r != Role.OPERATOR and operator_id:
        raise ValueError(f"a {r} key is not bound to an operator; drop --operator")
    if operator_id and session.get(Operator, operator_id) is None:
        session.add(Operator(id=operator_id, name=operator_id, created_at=utcnow()))
        session.flush()
    key = new_key()
    user = ApiUser(
        name=name or (operator_id or r.value),
        role=r.value,
        operator_id=operator_id,
        key_prefix=key[: len(KEY_PREFIX) + 5],
        key_hash=hash_key(key),
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user, key


def authenticate(session: Session, key: str) -> Principal | None:
    """The principal owning ``key``, or ``None`` for an unknown or disabled key."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    digest = hash_key(key)
    user = session.execute(select(ApiUser).where(ApiUser.key_hash == digest)).scalar_one_or_none()
    if user is None or not user.active or not hmac.compare_digest(user.key_hash, digest):
        return None
    return Principal(user.id, user.name, Role(user.role), user.operator_id)
