"""The service's storage tables (SQLAlchemy 2 declarative). The schema itself is created and
changed only by the alembic migrations in :mod:`api.migrations`; these classes must match them.

The ``airspace_events`` table is the change sequence: every change to the set of accepted
flights or active zones appends one row under the airspace lock, and every replica applies the
rows it has not seen yet before it decides anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.timestamps import UtcDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY, PostgreSQL wants BIGINT for long logs.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """The declarative base of the store's tables (JSON columns for dicts and lists)."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Meta(Base):
    """Key/value facts fixed when the store is created (e.g. the planner epoch)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Operator(Base):
    """A registered operator (a company or person flying drones)."""

    __tablename__ = "operators"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiUser(Base):
    """A bearer API key: only its sha256 digest is stored; ``key_prefix`` identifies it in logs."""

    __tablename__ = "api_users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    operator_id: Mapped[str | None] = mapped_column(ForeignKey("operators.id"), nullable=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    """The key stops working at this instant (``None``: never)."""
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    """When an admin revoked the key (``None``: not revoked)."""


class DroneRow(Base):
    """A drone registered under its real name to an operator, with its derived class."""

    __tablename__ = "drones"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    serial: Mapped[str] = mapped_column(String(100), unique=True)
    model: Mapped[str] = mapped_column(String(200), default="")
    empty_weight_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_takeoff_weight_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_speed_mps: Mapped[float] = mapped_column(Float)
    max_altitude_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    vertical_rate_mps: Mapped[float] = mapped_column(Float, default=3.0)
    capabilities: Mapped[list[Any]] = mapped_column(JSON, default=list)
    drone_class: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FlightRow(Base):
    """One flight request and its current decision and lifecycle state."""

    __tablename__ = "flights"
    __table_args__ = (UniqueConstraint("operator_id", "request_id", name="uq_flights_request_id"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    drone_id: Mapped[str] = mapped_column(ForeignKey("drones.id"))
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    record: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The planner's FlightRecord JSON, reloaded into the planner on restart."""
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    departure_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    end_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ZoneRow(Base):
    """A zone the service knows: ``source`` is a document :func:`airspace.formats.load_zones`
    (``kind="file"``) or :func:`airspace.formats.zone_from_dict` (``kind="inline"``) reads back."""

    __tablename__ = "zones"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    restriction: Mapped[str] = mapped_column(String(32))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AirspaceEvent(Base):
    """The change sequence replicas catch up on (``kind`` = ``flight`` | ``zone``)."""

    __tablename__ = "airspace_events"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Notification(Base):
    """What changed for an operator's flight (revoked, re-planned, approved after review...)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    operator_id: Mapped[str] = mapped_column(String(64), index=True)
    flight_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# The workflow's tables share this metadata (so drop_schema and the checks see them).
from api.workflow import models as _workflow_models  # noqa: E402,F401
