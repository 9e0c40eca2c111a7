"""Request and response models of surveillance reports (``POST /v1/surveillance``) and of the
tactical picture's open encounters."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas import Strict, check_time

MAX_TRACKS_PER_REPORT = 5000


class SurveillanceTrack(Strict):
    """One aircraft as a sensor sees it: where, when, how it moves, what it is."""

    id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="The sensor's track id (stable while it follows the aircraft).",
    )
    time: float | str = Field(
        description="When the position was measured: RFC 3339 with an offset, or planner seconds."
    )
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    altitude_m: float = Field(ge=-500, le=20_000)
    altitude_reference: Literal["AGL", "AMSL", "WGS84"] = Field(
        default="AGL", description="AGL: true height (default); AMSL: barometric/geoid; WGS84."
    )
    speed_mps: float = Field(ge=0, le=400, description="Ground speed.")
    track_deg: float = Field(ge=0, le=360, description="Ground track, clockwise from true north.")
    vertical_speed_mps: float = Field(default=0.0, ge=-100, le=100, description="Up is positive.")
    kind: Literal["crewed", "uncooperative", "drone"]

    _t = field_validator("time")(classmethod(lambda cls, v: check_time(v)))


class SurveillanceReport(Strict):
    """Tracks reported by a sensor or a surveillance feed."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tracks": [
                        {
                            "id": "HELI-QD-01",
                            "time": "2026-12-01T09:30:00+08:00",
                            "lon": 120.38,
                            "lat": 36.07,
                            "altitude_m": 150.0,
                            "speed_mps": 55.0,
                            "track_deg": 270.0,
                            "vertical_speed_mps": 0.0,
                            "kind": "crewed",
                        }
                    ]
                }
            ]
        },
    )
    tracks: list[SurveillanceTrack] = Field(min_length=1, max_length=MAX_TRACKS_PER_REPORT)


class SurveillanceAccepted(BaseModel):
    """What a surveillance report did."""

    accepted: int = Field(description="Reports newer than what was held, now in the picture.")
    duplicates: int = Field(description="Reports no newer than the held one (ignored).")
    live_tracks: int = Field(description="Surveillance tracks in the picture now.")


class EncounterPublic(BaseModel):
    """An open tactical encounter: two tracks predicted to lose separation."""

    encounter_id: int
    tracks: list[str]
    kinds: list[str]
    operators: list[str | None]
    flights: list[str | None]
    raised_at: str
    time_to_loss_s: float
    closest_approach_s: float
    closest_horizontal_m: float
    closest_vertical_m: float
