"""The one settings object of the approval service, read from ``QINGKONG_*`` environment
variables (or passed explicitly by the CLI and the tests)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from airspace.deployment import QINGDAO, Deployment

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
    corridors_path: str | None = None
    """A corridor network GeoJSON (demo mode: the Qingdao corridors)."""
    max_payload_bytes: int = Field(default=2_000_000, gt=0)
    max_vertices: int = Field(default=10_000, gt=0)
    max_list: int = Field(default=1000, gt=0)
    separation_horizontal_m: float | None = None
    separation_vertical_m: float | None = None
    warmup: bool = True
    """Compile (or load from cache) the planner kernels at start-up."""
    tactical_lookahead_s: float = Field(default=60.0, gt=0, le=600)
    """Tactical conflict detection: how far ahead live tracks are predicted (straight lines)."""
    tactical_sep_h_m: float | None = Field(default=None, gt=0)
    tactical_sep_v_m: float | None = Field(default=None, gt=0)
    """Tactical separation minima (``None``: the deployment's)."""
    tactical_cycle_s: float = Field(default=1.0, gt=0, le=60)
    tactical_clear_after_s: float = Field(default=2.0, ge=0, le=600)
    """An encounter no longer predicted for this long is cleared (no re-raise on flicker)."""
    surveillance_max_age_s: float = Field(default=10.0, gt=0, le=600)
    """A surveillance track not reported for this long leaves the picture."""
    surveillance_max_tracks: int = Field(default=20_000, gt=0)
    tactical_background: bool = True
    """Run the tactical cycle on a background thread (false: cycles are run by hand)."""
    # -- telemetry and conformance (issue 13) ---------------------------------------------------
    mqtt_url: str | None = None
    """Subscribe to ``qingkong/v1/telemetry/{operator}/{drone}`` on this broker
    (``mqtt://user:password@host:1883``); unset: HTTP telemetry only."""
    conformance_lateral_m: float = Field(default=30.0, gt=0)
    conformance_vertical_m: float = Field(default=15.0, gt=0)
    conformance_time_s: float = Field(default=60.0, gt=0)
    conformance_contingent_s: float = Field(default=30.0, gt=0)
    """A deviation lasting this long makes the flight contingent."""
    lost_link_s: float = Field(default=5.0, gt=0)
    telemetry_auto_activate: bool = False
    """Activate an accepted flight on its first airborne position at its departure."""
    telemetry_airborne_m: float = 2.0
    telemetry_max_batch: int = Field(default=10_000, gt=0)
    telemetry_max_age_s: float = Field(default=300.0, gt=0)
    telemetry_max_ahead_s: float = Field(default=5.0, ge=0)
    telemetry_retention_s: float = Field(default=30 * 86400.0, gt=0)

    # -- the live traffic picture (issue 14) ---------------------------------------------------
    traffic_max_age_s: float = Field(default=10.0, gt=0, le=600)
    """A track not reported for this long leaves /v1/traffic and the tactical cycle's
    telemetry tracks."""
    traffic_max_area_km2: float = Field(default=400.0, gt=0)
    """The largest box a public or sensor key may ask for."""
    traffic_max_area_full_km2: float = Field(default=20_000.0, gt=0)
    """The largest box police, regulators, admins and operators may ask for (a whole city)."""
    traffic_rate_per_min: int = Field(default=120, gt=0)
    """Traffic requests (list, details, stream openings) per key in any minute."""
    traffic_stream_s: float = Field(default=1.0, gt=0, le=60)
    """How often GET /v1/traffic/stream sends the picture."""
    basemap_url: str | None = None
    """An XYZ/WMTS tile URL template for the console (``{z}/{x}/{y}``, e.g. Tianditu with its
    key or OpenStreetMap); unset: the bundled offline outline of Qingdao."""
    basemap_attribution: str = ""
    """The basemap's attribution, shown on the map (required by most tile providers)."""

    def deployment_obj(self) -> Deployment:
        """The :class:`Deployment` named by ``deployment``."""
        try:
            return DEPLOYMENTS[self.deployment]
        except KeyError:
            raise ValueError(
                f"QINGKONG_DEPLOYMENT={self.deployment!r} is unknown; choose one of {sorted(DEPLOYMENTS)}"
            ) from None
