"""Bearer API keys: creation, hashing and lookup. Keys are shown once, when created; the store
keeps only their sha256 digest (compared in constant time) and an 8-character prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import ApiUser, Operator
from api.store import utcnow

KEY_PREFIX = "qk_"


class Role(StrEnum):
    """The roles an API key can have."""

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
    expires_at: datetime | None = None

    @property
    def is_regulator(self) -> bool:
        """Regulators and admins (they see and decide everyone's flights)."""
        return self.role in (Role.REGULATOR, Role.ADMIN)


def hash_key(key: str) -> str:
    """The stored digest of an API key (hex sha256)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key (``qk_`` + 43 URL-safe characters, 256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_user(
    session: Session,
    *,
    role: str,
    operator_id: str | None = None,
    name: str = "",
    expires_at: datetime | None = None,
    create_operator: bool = True,
) -> tuple[ApiUser, str]:
    """Create an API user and return it with its plain key (shown once, never stored).

    ``expires_at`` (aware) ends the key's validity; ``create_operator=False`` refuses an
    operator id the store does not know instead of registering it.

    Raises
    ------
    ValueError
        Unknown role, an operator key without an operator id (or the reverse), an unknown
        operator with ``create_operator=False``, or an expiry in the past.
    """
    try:
        r = Role(role)
    except ValueError:
        raise ValueError(
            f"role {role!r} is unknown; use one of {[x.value for x in Role]}"
        ) from None
    if r == Role.OPERATOR and not operator_id:
        raise ValueError("an operator key must name its operator (operator_id)")
    if r != Role.OPERATOR and operator_id:
        raise ValueError(f"a {r} key is not bound to an operator; leave operator_id out")
    if expires_at is not None and expires_at <= utcnow():
        raise ValueError(f"the expiry {expires_at.isoformat()} is already past")
    if operator_id and session.get(Operator, operator_id) is None:
        if not create_operator:
            raise ValueError(
                f"operator {operator_id!r} does not exist; register it first (POST /v1/operators)"
            )
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
        expires_at=expires_at,
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
    if user.revoked_at is not None or (user.expires_at is not None and user.expires_at <= utcnow()):
        return None
    return Principal(user.id, user.name, Role(user.role), user.operator_id, user.expires_at)


def revoke_user(session: Session, ident: str) -> ApiUser:
    """Revoke a key by its user id or key prefix (``qk_ab12c``); ``LookupError`` if none or
    several match. Revoking twice keeps the first revocation time."""
    q = select(ApiUser)
    q = (
        q.where(ApiUser.id == int(ident))
        if ident.isdigit()
        else q.where(ApiUser.key_prefix == ident)
    )
    users = list(session.execute(q).scalars())
    if not users:
        raise LookupError(f"no API key with id or prefix {ident!r}")
    if len(users) > 1:
        raise LookupError(f"{len(users)} keys share the prefix {ident!r}; give the id instead")
    user = users[0]
    if user.revoked_at is None:
        user.revoked_at = utcnow()
    user.active = False
    session.flush()
    return user


def list_users(session: Session) -> list[ApiUser]:
    """Every API key's user (never the key itself), oldest first."""
    return list(session.execute(select(ApiUser).order_by(ApiUser.id)).scalars())
