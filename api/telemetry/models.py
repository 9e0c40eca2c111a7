"""Telemetry tables: every position received (``telemetry_tracks``, written in batches and
trimmed by the retention setting) and the latest state of each drone
(``telemetry_latest``, for restarts and other replicas). Created by migration ``0003``."""

from __future__ import annotations

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models import Base, BigId


class TrackPoint(Base):
    """One accepted position; ``t_s`` and ``received_s`` on the planner clock, altitude AGL."""

    __tablename__ = "telemetry_tracks"
    __table_args__ = (
        Index("ix_telemetry_tracks_flight", "flight_id", "t_s"),
        Index("ix_telemetry_tracks_drone", "drone_id", "t_s"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    drone_id: Mapped[str] = mapped_column(String(64))
    flight_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    t_s: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    altitude_m: Mapped[float] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float, nullable=True)
    track_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    vertical_speed_mps: Mapped[float | None] = mapped_column(Float, nullable=True)
    received_s: Mapped[float] = mapped_column(Float)


class LatestPosition(Base):
    """The newest position of a drone."""

    __tablename__ = "telemetry_latest"
    drone_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[str] = mapped_column(String(64), index=True)
    flight_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    t_s: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    altitude_m: Mapped[float] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float, nullable=True)
    track_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    vertical_speed_mps: Mapped[float | None] = mapped_column(Float, nullable=True)
    received_s: Mapped[float] = mapped_column(Float)
