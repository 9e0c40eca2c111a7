"""Request and response models of zones and geo-awareness queries (see :mod:`api.schemas`
for the conventions: strict requests, times as planner seconds or RFC 3339)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas import Strict, Time, check_time


# -- zones -------------------------------------------------------------------------------------
class ScheduleItem(Strict):
    """One active window of a zone's schedule."""

    start: Time
    end: Time

    _t = field_validator("start", "end")(classmethod(lambda cls, v: check_time(v)))


class ZoneCreate(Strict):
    """The scenario's inline zone (DESIGN.md). Schedule numbers are planner-clock seconds."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "TFR-SAIL-WEEK",
                    "restriction": "PROHIBITED",
                    "geometry": {"type": "Circle", "center": [120.43, 36.05], "radius_m": 800},
                    "lower_m": 0,
                    "upper_m": 300,
                    "reference": "AGL",
                    "schedule": [
                        {"start": "2026-12-01T12:00:00+08:00", "end": "2026-12-01T14:00:00+08:00"}
                    ],
                }
            ]
        },
    )
    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    restriction: str
    geometry: dict[str, Any]
    lower_m: float | None = None
    upper_m: float | None = None
    reference: str = "AGL"
    schedule: list[ScheduleItem] | None = None
    name: str = Field(default="", max_length=200)
    message: str = Field(default="", max_length=2000)
    emergency_reason: str = Field(
        default="",
        max_length=2000,
        description="why a temporary restriction takes effect sooner than the workflow's "
        "normal lead time (China: 30 min instead of 24 h)",
    )


class ZonePublic(BaseModel):
    """A stored zone as answered."""

    id: str
    kind: str
    restriction: str
    name: str = ""
    withdrawn: bool
    version: int
    source: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ZonePublished(BaseModel):
    """Zones published, and the flights their restrictions changed."""

    zones: list[ZonePublic]
    changes: list[dict[str, Any]] = Field(
        default_factory=list, description="Flights re-planned or revoked by the new restriction."
    )
    repairs: list[str] = Field(
        default_factory=list,
        description="What was repaired in the geometry (an unclosed ring closed, a "
        "self-intersecting one split), naming zone and field; check that the result is meant.",
    )


# -- geo-awareness -----------------------------------------------------------------------------
class RouteQuery(Strict):
    """A 4D route to check against the zones."""

    trajectory: list[list[float]] = Field(
        description="Rows [lon, lat, altitude_m AGL, t] (t in planner seconds), linear between rows",
        min_length=1,
    )

    @field_validator("trajectory")
    @classmethod
    def _rows(cls, v: list[list[float]]) -> list[list[float]]:
        for i, row in enumerate(v):
            if len(row) != 4 or not all(math.isfinite(x) for x in row):
                raise ValueError(f"row {i}: want [lon, lat, altitude_m, t] of finite numbers")
        for i in range(1, len(v)):
            if v[i][3] < v[i - 1][3]:
                raise ValueError(f"row {i}: times must not decrease")
        return v


class VolumeQuery(Strict):
    """An area, a height band and a time window to check against the zones."""

    area: dict[str, Any] = Field(description="GeoJSON Polygon")
    lower_m: float
    upper_m: float
    start: Time
    end: Time

    _t = field_validator("start", "end")(classmethod(lambda cls, v: check_time(v)))


class ZoneHitPublic(BaseModel):
    """A zone a query touches, with when."""

    zone: str
    name: str
    restriction: str
    volume_index: int
    intervals: list[tuple[datetime, datetime]]
