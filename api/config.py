"""The one settings object of the approval service, read from ``QINGKONG_*`` environment
variables (or passed explicitly by the CLI and the tests)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from airspace.deployment import QINGDAO, Deployment
from planner.bounds import RequestBounds

DEPLOYMENTS: dict[str, Deployment] = {"qingdao": QINGDAO}


class Settings(BaseSettings):
    """Service settings. Every field can be set as ``QINGKONG_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="QINGKONG_", extra="ignore")

    database_url: str = "sqlite:///./qingkong.sqlite"
    deployment: str = "qingdao"
    epoch: str = "2026-01-01T00:00:00+08:00"
    """The service clock's zero: planner seconds are counted from this instant."""
    demo: bool = False
    """Load the Qingdao demo airspace and corridors and create one key per role."""
    demo_key_ttl_s: float = Field(default=7 * 86400.0, gt=0)
    """Demo keys expire this long after the start that made them (the next demo start
    revokes them anyway)."""
    corridors_path: str | None = None
    """A corridor network GeoJSON (demo mode: the Qingdao corridors)."""
    max_payload_bytes: int = Field(default=2_000_000, gt=0)
    max_vertices: int = Field(default=10_000, gt=0)
    max_list: int = Field(default=1000, gt=0)
    separation_horizontal_m: float | None = None
    separation_vertical_m: float | None = None
    max_flight_duration_s: float = Field(default=12 * 3600.0, gt=0, le=7 * 86400.0)
    """Longest flight a request may ask for (rule ``bounds.max_duration_s``)."""
    max_departure_window_s: float = Field(default=24 * 3600.0, gt=0, le=30 * 86400.0)
    """Widest departure window (``latest - earliest``; rule ``bounds.max_window_s``)."""
    max_altitude_m: float = Field(default=5000.0, gt=0, le=20_000.0)
    """Highest altitude (m AGL) a request may name (rule ``bounds.max_altitude_m``)."""
    min_speed_mps: float = Field(default=1.0, gt=0, le=100.0)
    """Slowest cruise speed of a route flight (rule ``bounds.min_speed_mps``)..."""
    min_speed_by_class_mps: dict[str, float] = Field(default_factory=lambda: {"micro": 0.5})
    """...unless its drone class is named here (JSON, e.g. ``{"micro": 0.5}``)."""
    max_query_window_s: float = Field(default=31 * 86400.0, gt=0, le=3660 * 86400.0)
    """Longest time window of one geo-awareness query."""
    warmup: bool = True
    """Compile (or load from cache) the planner kernels at start-up."""

    def request_bounds(self) -> RequestBounds:
        """The planner's :class:`~planner.bounds.RequestBounds` from these settings."""
        return RequestBounds(
            max_duration_s=self.max_flight_duration_s,
            max_window_s=self.max_departure_window_s,
            max_altitude_m=self.max_altitude_m,
            min_speed_mps=self.min_speed_mps,
            min_speed_by_class_mps=dict(self.min_speed_by_class_mps),
        )

    def deployment_obj(self) -> Deployment:
        """The :class:`Deployment` named by ``deployment``."""
        try:
            return DEPLOYMENTS[self.deployment]
        except KeyError:
            raise ValueError(
                f"QINGKONG_DEPLOYMENT={self.deployment!r} is unknown; choose one of {sorted(DEPLOYMENTS)}"
            ) from None
