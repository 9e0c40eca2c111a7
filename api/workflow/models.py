"""Tables of the workflow (created by migration ``0004``): the audit log, task grants, each
flight's workflow facts (obligation, deadlines, readiness and confirmation) and its reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models import Base, BigId, FlightRow
from api.timestamps import UtcDateTime


class AuditEntry(Base):
    """Who changed what, when and why. Rows are only ever added (the database refuses
    ``UPDATE`` and ``DELETE`` on this table)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(100), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TaskGrant(Base):
    """A task type a regulator granted an operator (priority follows it)."""

    __tablename__ = "task_grants"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    task: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class FlightWorkflow(Base):
    """A flight's place in the workflow."""

    __tablename__ = "flight_workflow"
    flight_id: Mapped[str] = mapped_column(ForeignKey("flights.id"), primary_key=True)
    task: Mapped[str] = mapped_column(String(32))
    operations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    application: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    must_apply: Mapped[bool] = mapped_column(Boolean, default=False)
    exemption: Mapped[str | None] = mapped_column(String(64), nullable=True)
    gate: Mapped[bool] = mapped_column(Boolean, default=False)
    decide_by: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    expected_takeoff: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    """The competent unit that reviews it (:mod:`airspace.units`)."""
    flight: Mapped[FlightRow] = relationship(FlightRow, lazy="raise_on_sql")
    """Not read anywhere: it tells the unit of work to insert the flight before this row, so
    a batch of filings is flushed once (a plain foreign key does not order the inserts)."""


class FlightReport(Base):
    """A completion report after landing, or an abnormal-event report (due within 24 h)."""

    __tablename__ = "flight_reports"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    flight_id: Mapped[str] = mapped_column(ForeignKey("flights.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ZoneVersion(Base):
    """Every published version of a zone, as published; a replaced or withdrawn version stays
    readable (``ended_at``/``ended_by``)."""

    __tablename__ = "zone_versions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    restriction: Mapped[str] = mapped_column(String(32))
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    published_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(16), nullable=True)


class LongTermApplication(Base):
    """A long-term application for routine flights in fixed airspace: listed corridors or an
    area (GeoJSON Polygon), up to ``upper_m``, valid between two instants; a regulator
    approves or denies it once."""

    __tablename__ = "long_term_applications"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    corridors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    area: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    upper_m: Mapped[float] = mapped_column(Float)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime())
    application: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RegistryDocument(Base):
    """A registry document with its validity: an operator's certificate, insurance or pilot
    licence, or a drone's real-name registration (``drone_id``)."""

    __tablename__ = "registry_documents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    drone_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class KeyUnit(Base):
    """The unit a regulator key belongs to (it sees and decides that unit's queue)."""

    __tablename__ = "key_units"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DroneStatus(Base):
    """A drone's real-name registration status: a deactivated drone files nothing (no row:
    active)."""

    __tablename__ = "drone_status"
    drone_id: Mapped[str] = mapped_column(ForeignKey("drones.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
