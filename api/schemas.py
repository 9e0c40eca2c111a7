"""Request and response models of the service, in families per resource (``DroneCreate`` /
``DronePublic``, ``FlightCreate`` / ``FlightPublic`` ...). Request models are strict: unknown
fields are refused and ``false`` is never read as ``0``.

Times: a number is seconds on the service's planner clock (``GET /v1/health`` gives its
``epoch``); a string is an RFC 3339 instant with an offset.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from airspace.clock import read_datetime
from api.scoped_ids import MAX_REF_CHARS

Time = float | str
Capability = Literal["manual_takeover", "geofencing", "remote_id", "micro_power_radio"]
MAX_TIME_S = 1e10
"""Planner seconds on the wire lie within this many seconds of the epoch (about 300 years)."""


class Strict(BaseModel):
    """A request model: unknown fields are refused, no type coercion."""

    model_config = ConfigDict(strict=True, extra="forbid")


def finite(v: float | None, what: str) -> float | None:
    """``v`` unless it is NaN or infinite (a validator's helper; ``what`` names it).

    >>> finite(1.5, "speed")
    1.5
    """
    if v is not None and not math.isfinite(v):
        raise ValueError(f"{what} must be a finite number")
    return v


def check_time(v: Any) -> Any:
    """``v`` if it is a usable wire time: an RFC 3339 string with an offset, or finite planner
    seconds within :data:`MAX_TIME_S` of the epoch.

    >>> check_time("2026-12-01T07:00:00+08:00"), check_time(3600)
    ('2026-12-01T07:00:00+08:00', 3600)
    """
    if isinstance(v, str):
        try:
            dt = read_datetime(v)
        except ValueError:
            raise ValueError(
                "not an RFC 3339 time (e.g. 2026-12-01T07:00:00+08:00) nor seconds"
            ) from None
        if dt.tzinfo is None:
            raise ValueError("an RFC 3339 time needs an offset or Z")
    elif isinstance(v, float | int):
        finite(float(v), "time")
        if abs(v) > MAX_TIME_S:
            raise ValueError(
                f"{v:g} s is more than {MAX_TIME_S:g} s (about 300 years) from the epoch; "
                "give planner seconds or an RFC 3339 time"
            )
    return v


# -- operators, users, drones ------------------------------------------------------------------
class OperatorCreate(Strict):
    """An operator to register."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", examples=["OP-SF"])
    name: str = Field(default="", max_length=200, examples=["SF Express drone delivery"])


class OperatorPublic(BaseModel):
    """An operator as answered."""

    id: str
    name: str
    created_at: datetime


class UserCreate(Strict):
    """An API key to create, and its user."""

    role: Literal["operator", "regulator", "admin", "sensor", "police", "public"]
    operator_id: str | None = Field(
        default=None, max_length=64, description="Operator keys: a registered operator's id."
    )
    name: str = Field(default="", max_length=200)
    expires_in_s: int | None = Field(
        default=None,
        gt=0,
        le=10 * 366 * 86400,
        description="The key stops working this many seconds after it is made (absent: never).",
    )


class UserCreated(BaseModel):
    """A created API key: the key itself is in this answer only."""

    id: int
    role: str
    operator_id: str | None
    name: str
    key: str = Field(description="The bearer key: shown once, only its hash is stored.")
    key_prefix: str = ""
    expires_at: datetime | None = None


class UserPublic(BaseModel):
    """An API key's user as admins see it (never the key: only its first characters)."""

    id: int
    name: str
    role: str
    operator_id: str | None
    key_prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]


class DroneCreate(Strict):
    """A drone to register (its class is derived from these properties)."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "DR-001",
                    "serial": "1581F4XFC239A00C0001",
                    "model": "DJI FlyCart 30",
                    "empty_weight_kg": 42.5,
                    "max_takeoff_weight_kg": 95.0,
                    "max_speed_mps": 20.0,
                    "capabilities": ["remote_id", "geofencing"],
                }
            ]
        },
    )
    id: str = Field(
        min_length=1,
        max_length=MAX_REF_CHARS,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="your name for the drone (yours alone: other operators may use it too)",
    )
    serial: str = Field(min_length=4, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    model: str = Field(default="", max_length=200)
    operator_id: str | None = Field(
        default=None,
        max_length=64,
        description="Regulators/admins only; operators register their own.",
    )
    empty_weight_kg: float | None = Field(default=None, ge=0, le=10_000)
    max_takeoff_weight_kg: float | None = Field(default=None, gt=0, le=10_000)
    max_speed_mps: float = Field(gt=0, le=150)
    max_altitude_m: float | None = Field(default=None, gt=0, le=10_000)
    vertical_rate_mps: float = Field(default=3.0, gt=0, le=50)
    capabilities: list[Capability] = Field(
        default_factory=list,
        max_length=8,
        description="What the drone can do; the rules' class requirements name these: "
        "`manual_takeover` (a pilot can take manual control), `geofencing` (it enforces "
        "electronic fences), `remote_id` (it broadcasts its identity and position), "
        "`micro_power_radio` (it uses only micro-power radio; micro class). A missing one moves "
        "the drone to a larger class.",
    )

    @model_validator(mode="after")
    def _weights(self) -> DroneCreate:
        if (
            self.empty_weight_kg is not None
            and self.max_takeoff_weight_kg is not None
            and self.empty_weight_kg > self.max_takeoff_weight_kg
        ):
            raise ValueError("empty_weight_kg is larger than max_takeoff_weight_kg")
        return self


class DronePublic(BaseModel):
    """A registered drone as answered, with why it has its class."""

    id: str
    operator_id: str
    serial: str
    model: str
    empty_weight_kg: float | None
    max_takeoff_weight_kg: float | None
    max_speed_mps: float
    max_altitude_m: float | None
    vertical_rate_mps: float
    capabilities: list[str]
    drone_class: str = Field(description="Derived by the deployment's rule set.")
    class_reason: str = Field(
        default="", description="Why the rules give this class (what kept it out of smaller ones)."
    )
    created_at: datetime


# -- flights -----------------------------------------------------------------------------------
class Departure(Strict):
    """The departure window of a flight request."""

    earliest: Time
    latest: Time

    _t = field_validator("earliest", "latest")(classmethod(lambda cls, v: check_time(v)))


class RouteSpec(Strict):
    """Exactly one of: ``waypoints``; ``from`` + ``to``; ``area`` + ``lower_m`` + ``upper_m`` +
    ``duration_s``."""

    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=True)
    waypoints: list[list[float]] | None = Field(
        default=None, description="[[lon, lat, altitude_m AGL], ...], flown as filed"
    )
    from_: list[float] | None = Field(default=None, alias="from", description="[lon, lat]")
    to: list[float] | None = Field(default=None, description="[lon, lat]")
    area: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon")
    lower_m: float | None = None
    upper_m: float | None = None
    duration_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_form(self) -> RouteSpec:
        forms = [
            self.waypoints is not None,
            self.from_ is not None or self.to is not None,
            self.area is not None,
        ]
        if sum(forms) != 1:
            raise ValueError("give exactly one of: waypoints; from and to; area")
        if self.waypoints is not None:
            if len(self.waypoints) < 2:
                raise ValueError("waypoints: at least two [lon, lat, altitude_m] rows")
            for i, w in enumerate(self.waypoints):
                if len(w) != 3 or not all(math.isfinite(v) for v in w):
                    raise ValueError(
                        f"waypoints[{i}]: want [lon, lat, altitude_m] of finite numbers"
                    )
        if forms[1]:
            for name, p in (("from", self.from_), ("to", self.to)):
                if p is None or len(p) != 2 or not all(math.isfinite(v) for v in p):
                    raise ValueError(f"{name}: want [lon, lat]")
        if self.area is not None:
            if self.lower_m is None or self.upper_m is None or self.duration_s is None:
                raise ValueError("an area operation needs lower_m, upper_m and duration_s")
            if not self.lower_m < self.upper_m:
                raise ValueError("lower_m must be below upper_m")
        return self


class FlightCreate(Strict):
    """The scenario ``request`` event, plus an optional client ``request_id`` (idempotency)."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request_id": "3f1c2b9e-delivery-0001",
                    "drone": "DR-001",
                    "priority": 0,
                    "departure": {
                        "earliest": "2026-12-01T07:05:00+08:00",
                        "latest": "2026-12-01T07:30:00+08:00",
                    },
                    "speed_mps": 12,
                    "route": {
                        "waypoints": [
                            [120.38, 36.07, 0],
                            [120.38, 36.07, 90],
                            [120.42, 36.09, 90],
                            [120.42, 36.09, 0],
                        ]
                    },
                }
            ]
        },
    )
    request_id: str | None = Field(default=None, min_length=1, max_length=100)
    flight: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_REF_CHARS,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="your name for the flight (yours alone: other operators may use it too)",
    )
    drone: str = Field(min_length=1, max_length=64)
    priority: int = Field(default=0, ge=0, le=1000)
    departure: Departure
    speed_mps: float | None = Field(default=None, gt=0, le=150)
    route: RouteSpec
    # The flight-activity workflow (QINGKONG_WORKFLOW; see GET /v1/workflow).
    task: str | None = Field(
        default=None, max_length=32, description="task type (e.g. routine, medical_rescue)"
    )
    operations: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="features that need an application (relay_network, dangerous_goods, "
        "dropping_objects, over_crowds, moving_vehicle, swarm)",
    )
    application: dict[str, Any] | None = Field(
        default=None, description="the application's contents (GET /v1/workflow lists them)"
    )
    at_own_site: bool = Field(
        default=False, description="police/customs/airport flights over their own base or site"
    )
    long_term: str | None = Field(
        default=None,
        max_length=64,
        description="the approved long-term application this routine flight is filed under",
    )


class FlightPublic(BaseModel):
    """The replay's decision object plus the flight's lifecycle facts."""

    model_config = ConfigDict(extra="allow")
    flight: str
    status: str
    state: str
    decided_at: float | None = None
    departure: float | None = None
    delay_s: float | None = None
    trajectory: list[list[float]] | None = None
    reasons: list[dict[str, Any]] = Field(default_factory=list)
    operator: str
    drone: str
    request_id: str | None = None
    priority: int = 0
    departure_time: datetime | None = None
    review_comment: str = ""


class FlightList(BaseModel):
    """A page of flights."""

    items: list[FlightPublic]
    count: int


class ReviewVerdict(Strict):
    """A regulator's verdict on a pending request."""

    approve: bool
    comment: str = Field(default="", max_length=2000)


class NotificationPublic(BaseModel):
    """A notification of a change to a flight."""

    id: int
    flight: str
    kind: str
    created_at: datetime
    payload: dict[str, Any]


class Health(BaseModel):
    """The service is up: its version, deployment and planner clock."""

    status: str
    version: str
    deployment: str
    epoch: datetime
    now_s: float


class Ready(BaseModel):
    """The service can decide: its database answers and the planner is loaded."""

    ready: bool
    database: str
    zones: int
    live_flights: int
    applied_seq: int
    kernels: dict[str, Any] | None = None
    """Kernel warm-up progress (:meth:`api.warmup.KernelWarmup.progress`)."""
