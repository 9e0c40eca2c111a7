"""Timestamps that keep their UTC offset on every store: SQLite has no time-zone type, so an
aware instant written there comes back naive (``2026-11-29T08:58:21.762878``, no offset) while
PostgreSQL gives it back with ``+00:00``. :class:`UtcDateTime` stores UTC and always reads back
an aware UTC instant, so every timestamp on the wire carries its offset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that refuses naive instants and reads back aware UTC ones.

    >>> t = UtcDateTime()
    >>> t.process_result_value(datetime(2026, 11, 29, 8, 58), None).isoformat()
    '2026-11-29T08:58:00+00:00'
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """An aware instant as stored (UTC)."""
        if value is None:
            return None
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(f"refusing to store a naive timestamp {value.isoformat()}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """A stored instant as an aware UTC instant."""
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: stored as UTC wall time
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
