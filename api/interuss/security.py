"""The caller of an InterUSS interface: a bearer JWT checked by :class:`TokenVerifier` for the
endpoint's scopes, its ``sub`` (the client USS) mapped to a qingkong operator, created on first
use. ``QINGKONG_INTERUSS_OPERATORS`` may name the operator of a ``sub`` (``sub=OP-ID``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import Principal, Role
from api.errors import ApiError
from api.interuss.tokens import TokenError, TokenVerifier, split_setting
from api.models import Operator
from api.store import utcnow

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="InterUSS",
    description="OAuth2 access token (RS256 JWT) of the InterUSS test authority",
)
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def operator_for(sub: str, mapping: str) -> str:
    """The operator id of a token subject: configured, else ``uss-<sub>`` (made safe, at most
    64 characters).

    Examples
    --------
    >>> operator_for("uss1", ""), operator_for("uss1", "uss1=OP-SWISS")
    ('uss-uss1', 'OP-SWISS')
    >>> len(operator_for("x" * 100, ""))
    64
    """
    for pair in split_setting(mapping):
        key, _, value = pair.partition("=")
        if key.strip() == sub and value.strip():
            return value.strip()
    op = "uss-" + _SAFE.sub("_", sub)
    if len(op) > 64:
        op = op[:47] + "-" + hashlib.sha256(sub.encode()).hexdigest()[:16]
    return op


def _ensure_operator(request: Request, operator_id: str, sub: str) -> None:
    known: set[str] = request.app.state.interuss_operators
    if operator_id in known:
        return
    with request.app.state.store.write() as s:
        if s.get(Operator, operator_id) is None:
            s.add(
                Operator(id=operator_id, name=f"InterUSS client {sub}"[:200], created_at=utcnow())
            )
    known.add(operator_id)


def require(*scopes: str) -> Callable[..., Principal]:
    """A dependency admitting a valid token with one of ``scopes``; it returns the caller as
    an operator principal."""

    def dependency(
        request: Request,
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        if creds is None or creds.scheme.lower() != "bearer":
            raise ApiError(
                401, "unauthorized", "send an access token as `Authorization: Bearer <JWT>`"
            )
        verifier: TokenVerifier = request.app.state.interuss_verifier
        try:
            claims = verifier.verify(creds.credentials, scopes)
        except TokenError as e:
            raise ApiError(
                e.status, "unauthorized" if e.status == 401 else "forbidden", e.message
            ) from None
        settings = request.app.state.settings
        operator_id = operator_for(claims.subject, settings.interuss_operators)
        _ensure_operator(request, operator_id, claims.subject)
        return Principal(0, f"interuss:{claims.subject}", Role.OPERATOR, operator_id)

    return dependency


V1_SCOPES = {"qingkong.admin": Role.ADMIN, "qingkong.regulator": Role.REGULATOR}
V1_OPERATOR_SCOPE = "qingkong.operator"


def v1_principal(request: Request, token: str) -> Principal:
    """The ``/v1`` caller a JWT names, when the deployment accepts JWTs there
    (``QINGKONG_V1_ACCEPTS_JWT``): same keys and audiences as the InterUSS interfaces; scope
    ``qingkong.admin`` or ``qingkong.regulator`` gives that role, ``qingkong.operator`` an
    operator role bound to the operator of ``sub``."""
    verifier: TokenVerifier = request.app.state.interuss_verifier
    try:
        claims = verifier.verify(token, [*V1_SCOPES, V1_OPERATOR_SCOPE])
    except TokenError as e:
        raise ApiError(
            e.status, "unauthorized" if e.status == 401 else "forbidden", e.message
        ) from None
    for scope, role in V1_SCOPES.items():
        if scope in claims.scopes:
            return Principal(0, f"jwt:{claims.subject}", role, None)
    operator_id = operator_for(claims.subject, request.app.state.settings.interuss_operators)
    _ensure_operator(request, operator_id, claims.subject)
    return Principal(0, f"jwt:{claims.subject}", Role.OPERATOR, operator_id)
