"""Listing what a caller may see: operators their own rows, regulators everyone's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal


def visible_rows(session: Session, model: Any, user: Principal) -> list[Any]:
    """The rows of ``model`` (a table with ``id`` and ``operator_id``) the caller may see,
    by id: operators their own, regulators all."""
    q = select(model).order_by(model.id)
    if not user.is_regulator:
        q = q.where(model.operator_id == user.operator_id)
    return list(session.execute(q).scalars())
