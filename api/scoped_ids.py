"""Flight and drone ids are scoped per operator: two operators may both call a flight ``F-1``.

An operator names its flights and drones itself (its *ref*); the store and the planner need
one global key. The key is the ref itself when nobody holds it yet, and otherwise the ref
qualified by a digest of the operator and the ref (``F-1~3fa2c1d0``; ``~`` never appears in
a client's id). So an operator filing an id another operator already holds gets exactly the
answer it would get for a free id, and nothing it is shown afterwards names the qualified
key: :func:`for_operator` rewrites its own keys back to refs in everything it is answered.
Regulators see and address the global keys.

>>> qualified("OP-B", "F-1")
'F-1~38d91695'
>>> ref_of("OP-B", "F-1~38d91695"), ref_of("OP-C", "F-1~38d91695")
('F-1', 'F-1~38d91695')
>>> for_operator({"reasons": ["conflicts with accepted flight F-1~38d91695"]}, "OP-B")
{'reasons': ['conflicts with accepted flight F-1']}
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from api.auth import Principal


Row = TypeVar("Row")
SEP = "~"
DIGEST_CHARS = 8
MAX_REF_CHARS = 64 - len(SEP) - DIGEST_CHARS
"""Client ids are at most this long, so that a qualified key fits the 64-character columns."""
_QUALIFIED = re.compile(rf"([A-Za-z0-9_.:-]{{1,{MAX_REF_CHARS}}}){SEP}([0-9a-f]{{{DIGEST_CHARS}}})")


def qualified(operator_id: str, ref: str) -> str:
    """The global key of ``operator_id``'s ``ref`` when another operator holds ``ref``."""
    digest = hashlib.sha256(f"{operator_id}\0{ref}".encode()).hexdigest()[:DIGEST_CHARS]
    return f"{ref}{SEP}{digest}"


def ref_of(operator_id: str, key: str) -> str:
    """The name ``operator_id`` knows its key ``key`` by (other keys unchanged)."""
    m = _QUALIFIED.fullmatch(key)
    return m[1] if m and qualified(operator_id, m[1]) == key else key


def for_operator(obj: Any, operator_id: str) -> Any:
    """``obj`` (plain JSON data) with ``operator_id``'s qualified keys written as its refs."""
    try:  # the common case, on the hot path: no qualified key anywhere (orjson is C)
        if SEP.encode() not in orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY):
            return obj
    except TypeError:
        pass
    return _rewrite(obj, operator_id)


def for_user(obj: Any, user: Principal) -> Any:
    """``obj`` as ``user`` is shown it: for an operator, its own keys written as its refs
    (:func:`for_operator`); for a regulator, unchanged (global keys)."""
    return obj if user.is_regulator else for_operator(obj, user.operator_id or "")


def _rewrite(obj: Any, operator_id: str) -> Any:
    if isinstance(obj, str):
        if SEP not in obj:
            return obj
        return _QUALIFIED.sub(lambda m: ref_of(operator_id, m[0]), obj)
    if isinstance(obj, dict):
        return {k: _rewrite(v, operator_id) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_rewrite(v, operator_id) for v in obj]
    return obj


def find_own(
    s: Session,
    model: type[Row],
    operator_id: str,
    ref: str,
    unwritten: Mapping[str, Row] | None = None,
) -> Row | None:
    """``operator_id``'s row named ``ref`` (``None``: it has none, whoever else has one).

    ``unwritten``: new rows by key not in the session, looked at first (:mod:`api.batch_rows`).
    """
    for key in (ref, qualified(operator_id, ref)):
        row = unwritten.get(key) if unwritten else None
        if row is None:
            with s.no_autoflush:
                row = s.get(model, key)
        if row is not None and row.operator_id == operator_id:  # type: ignore[attr-defined]
            return row
    return None


def find_visible(s: Session, model: type[Row], user: Principal, ident: str) -> Row | None:
    """The row ``user`` means by ``ident``: a regulator's global key, an operator's own ref."""
    if user.is_regulator:
        return s.get(model, ident)
    return find_own(s, model, user.operator_id or "", ident)


def new_key(
    s: Session,
    model: type[Row],
    operator_id: str,
    ref: str,
    unwritten: Mapping[str, Row] | None = None,
) -> str | None:
    """The global key for a new row ``ref`` of ``operator_id`` (``None``: it has one already).

    Flushes pending rows first, so rows added earlier in the same transaction count, and so do
    the ``unwritten`` ones (new rows by key not in the session: :mod:`api.batch_rows`).
    """
    s.flush()
    if find_own(s, model, operator_id, ref, unwritten) is not None:
        return None
    for key in (ref, qualified(operator_id, ref)):
        if (unwritten is None or key not in unwritten) and s.get(model, key) is None:
            return key
    raise RuntimeError(f"no free key for {ref!r}")  # pragma: no cover - a digest collision
