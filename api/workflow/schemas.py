"""The workflow's wire shapes: request bodies (validated once, at the edge) and the JSON of
its records as answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from airspace.clock import read_datetime
from api.auth import Principal
from api.schemas import Strict
from api.scoped_ids import ref_of
from api.workflow import clock
from api.workflow.models import FlightWorkflow


def rfc3339(v: str) -> str:
    """``v`` if it is an RFC 3339 time with an offset (a pydantic validator).

    >>> rfc3339("2026-12-01T07:00:00Z")
    '2026-12-01T07:00:00Z'
    """
    try:
        dt = read_datetime(v)
    except ValueError:
        raise ValueError("not an RFC 3339 time (e.g. 2026-12-01T07:00:00+08:00)") from None
    if dt.tzinfo is None:
        raise ValueError("an RFC 3339 time needs an offset or Z")
    return v


def parse_instant(v: str) -> datetime:
    """An RFC 3339 time (checked by :func:`rfc3339`) as an aware datetime."""
    return read_datetime(v)


class ReadyReport(Strict):
    """An operator's readiness report with the expected take-off time."""

    expected_takeoff: str = Field(description="RFC 3339, e.g. 2026-12-01T09:00:00+08:00")

    _t = field_validator("expected_takeoff")(classmethod(lambda cls, v: rfc3339(v)))


class Confirmation(Strict):
    """A regulator's confirmation of a readiness report."""

    comment: str = Field(default="", max_length=2000)


class ReportCreate(Strict):
    """A completion or abnormal-event report after a flight."""

    kind: Literal["completion", "abnormal"]
    text: str = Field(default="", max_length=10_000)


class GrantCreate(Strict):
    """A task type granted to an operator."""

    operator: str = Field(min_length=1, max_length=64)
    task: str = Field(min_length=1, max_length=32)
    reason: str = Field(default="", max_length=2000)


class WorkflowState(BaseModel):
    """Where a flight stands in the workflow."""

    flight: str
    task: str
    must_apply: bool
    exemption: str | None
    gate: bool
    decide_by: datetime | None
    ready_at: datetime | None
    expected_takeoff: datetime | None
    confirmed_at: datetime | None


def workflow_state_json(r: FlightWorkflow, tz: Any) -> dict[str, Any]:
    """A flight's workflow record as answered (times in the deployment's zone ``tz``)."""

    def local(dt: datetime | None) -> datetime | None:
        dt = clock.aware(dt)
        return None if dt is None else dt.astimezone(tz)

    return {
        "flight": r.flight_id,
        "task": r.task,
        "must_apply": r.must_apply,
        "exemption": r.exemption,
        "gate": r.gate,
        "decide_by": local(r.decide_by),
        "ready_at": local(r.ready_at),
        "expected_takeoff": local(r.expected_takeoff),
        "confirmed_at": local(r.confirmed_at),
    }


class LongTermCreate(Strict):
    """An application for routine flights in fixed airspace over months."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    corridors: list[str] = Field(default_factory=list, max_length=10_000)
    area: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon")
    upper_m: float = Field(gt=0, le=10_000)
    valid_from: str
    valid_until: str
    application: dict[str, Any]

    _t = field_validator("valid_from", "valid_until")(classmethod(lambda cls, v: rfc3339(v)))


class LongTermVerdict(Strict):
    """A regulator's verdict on a long-term application."""

    approve: bool
    comment: str = Field(default="", max_length=2000)


def long_term_json(r: Any, tz: Any) -> dict[str, Any]:
    """A long-term application as answered."""
    return {
        "id": r.id,
        "operator": r.operator_id,
        "corridors": r.corridors,
        "area": r.area,
        "upper_m": r.upper_m,
        "valid_from": clock.stored_instant(r.valid_from).astimezone(tz).isoformat(),
        "valid_until": clock.stored_instant(r.valid_until).astimezone(tz).isoformat(),
        "status": r.status,
        "comment": r.comment,
    }


class DocumentCreate(Strict):
    """A certificate, insurance, licence or registration with its validity."""

    kind: str = Field(
        description="drone_registration, operator_certificate, insurance, pilot_licence"
    )
    number: str = Field(min_length=1, max_length=100)
    valid_from: str
    valid_until: str
    drone: str | None = Field(default=None, max_length=64, description="drone registrations only")
    operator: str | None = Field(default=None, max_length=64, description="regulators only")

    _t = field_validator("valid_from", "valid_until")(classmethod(lambda cls, v: rfc3339(v)))


def document_json(d: Any, tz: Any, user: Principal) -> dict[str, Any]:
    """A registry document as answered to ``user`` (an operator sees its own id for the drone,
    see :mod:`api.scoped_ids`)."""
    drone = d.drone_id
    if drone is not None and not user.is_regulator:
        drone = ref_of(d.operator_id, drone)
    return {
        "id": d.id,
        "operator": d.operator_id,
        "drone": drone,
        "kind": d.kind,
        "number": d.number,
        "valid_from": clock.stored_instant(d.valid_from).astimezone(tz).isoformat(),
        "valid_until": clock.stored_instant(d.valid_until).astimezone(tz).isoformat(),
    }


class UnitAssignment(Strict):
    """A regulator key bound to a competent unit."""

    user_id: int = Field(ge=1)
    unit: str = Field(min_length=1, max_length=32)


class DroneStatusUpdate(Strict):
    """A drone's registration activated or deactivated."""

    active: bool
    reason: str = Field(default="", max_length=2000)


class DroneModification(Strict):
    """A modification of a drone's properties (its class is derived again)."""

    empty_weight_kg: float | None = Field(default=None, ge=0, le=10_000)
    max_takeoff_weight_kg: float | None = Field(default=None, gt=0, le=10_000)
    max_speed_mps: float | None = Field(default=None, gt=0, le=150)
    max_altitude_m: float | None = Field(default=None, gt=0, le=10_000)
    capabilities: list[str] | None = Field(default=None, max_length=32)
    reason: str = Field(min_length=1, max_length=2000, description="what was modified and why")
