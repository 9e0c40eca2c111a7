"""The workflow's clock and storage of instants, and which workflow a service runs."""

from __future__ import annotations

from datetime import UTC, datetime

from airspace.workflow import Workflow
from api.airspace_state import AirspaceState


def stored(dt: datetime | None) -> datetime | None:
    """An instant as the store keeps it: UTC (SQLite drops offsets, PostgreSQL keeps them)."""
    return None if dt is None else dt.astimezone(UTC)


def aware(dt: datetime | None) -> datetime | None:
    """An instant read back from the store (naive from SQLite means UTC)."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


def stored_instant(dt: datetime) -> datetime:
    """A non-null instant read back from the store, aware (naive from SQLite means UTC).

    >>> stored_instant(datetime(2026, 12, 1, 7)).isoformat()
    '2026-12-01T07:00:00+00:00'
    """
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def now(state: AirspaceState) -> datetime:
    """The service clock (the planner's: replays and tests move it) as an aware instant."""
    return state.to_datetime(state.now_s())


def workflow_of(state: AirspaceState) -> Workflow | None:
    """The deployment's workflow (``QINGKONG_WORKFLOW``; ``None`` for ``none``)."""
    return getattr(state, "workflow", None)
