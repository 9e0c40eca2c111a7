"""The one settings object of the approval service, read from ``QINGKONG_*`` environment
variables (or passed explicitly by the CLI and the tests)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from airspace.deployment import QINGDAO, Deployment
from airspace.deployment_file import DeploymentFileError, load_deployment
from airspace.terrain import QINGDAO_ILLUSTRATIVE_TIF, named_or_path
from airspace.workflow import Workflow, workflow_for
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
    units_path: str | None = None
    """Control sub-regions and their approving units (GeoJSON; demo mode: Qingdao's,
    illustrative). Without it every regulator sees the whole queue."""
    terrain: str | None = None
    """A GeoTIFF terrain model (DEM, any CRS, metres AMSL) true heights are measured from
    (:mod:`airspace.terrain`), or a named one (``qingdao-illustrative``); ``none``: flat ground
    even in the demo. Unset: the deployment's
    (demo Qingdao: the shipped ILLUSTRATIVE terrain, else flat)."""
    workflow: str | None = None
    """The flight-activity workflow: ``cn`` (China's 2024 regulation), ``eu`` or ``none``
    (:mod:`airspace.workflow`); unset: the deployment's (``cn`` for Qingdao)."""
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
    zone_files: str = ""
    """Zone files (ED-269, ED-318, GeoJSON) published at start-up, comma-separated paths."""
    interuss_public_keys: str = ""
    """InterUSS JWT keys: comma-separated PEM public-key file paths, or one JWKS URL."""
    interuss_audience: str = ""
    """Comma-separated audiences accepted in InterUSS JWTs (e.g. this service's host name)."""
    interuss_operators: str = ""
    """Token ``sub`` to operator id, ``sub=OP-ID`` pairs, comma-separated; others get
    ``uss-<sub>``, created on first use."""
    interuss_drone_class: str | None = None
    """Drone class for InterUSS flights that name none the rule set knows (default: light)."""
    v1_accepts_jwt: bool = False
    """Also accept JWTs on ``/v1`` (same keys and audiences; scopes ``qingkong.operator``,
    ``qingkong.regulator``, ``qingkong.admin``), so a city can plug in its identity provider."""
    interuss_restriction_sources: str = "qingkong"
    """Names a geospatial_map query may give as ``restriction_source`` for this service's zones."""
    interuss_rule_sets: str = ""
    """Names of the deployment's rule set in InterUSS requests besides its code (e.g. Rules1)."""

    def workflow_obj(self) -> Workflow | None:
        """The :class:`Workflow` named by ``workflow`` (``None`` for ``none``)."""
        try:
            return workflow_for(self.workflow or self.deployment_obj().workflow)
        except ValueError as e:
            raise ValueError(f"QINGKONG_WORKFLOW: {e}") from None

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
    offnominal_volumes: bool = True
    """Protect an off-nominal volume (``OFFNOM-<flight>``) around a nonconforming or
    contingent flight: new requests avoid it, accepted flights crossing it are re-planned."""
    offnominal_horizon_s: float = Field(default=60.0, gt=0, le=3600)
    """How far ahead the drone's motion is extrapolated, and how long the volume lasts."""
    offnominal_radius_m: float = Field(default=100.0, gt=0, le=5000)
    """Horizontal margin around the drone's position and extrapolated path."""
    offnominal_refresh_s: float = Field(default=5.0, gt=0)
    """Republish a flight's volume at most this often as its positions arrive."""
    router_cache_size: int = Field(default=1024, gt=0)
    """Entries each corridor-router cache keeps (paths per origin/destination, endpoints,
    travel times per speed; least recently used dropped): bounds the service's memory."""
    warmup_background: bool = False
    """Warm up in a background thread: health answers at once, ``/v1/ready`` shows progress
    and decisions wait for the kernels (``qingkong serve`` turns it on unless set)."""

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
        """The :class:`Deployment` named by ``deployment``: a name or a TOML file path, with
        ``terrain`` applied (the demo's Qingdao: the shipped ILLUSTRATIVE terrain)."""
        if self.deployment in DEPLOYMENTS:
            dep = DEPLOYMENTS[self.deployment]
        else:
            try:
                dep = load_deployment(self.deployment)
            except DeploymentFileError as e:
                raise ValueError(f"QINGKONG_DEPLOYMENT: {e}") from None
        terrain = self.terrain
        if terrain is None and self.demo and dep.name == "qingdao":
            terrain = str(QINGDAO_ILLUSTRATIVE_TIF)
        if terrain is None:
            return dep
        if terrain.lower() in ("", "none", "flat"):
            return dep.with_(terrain=None)
        path = named_or_path(terrain)
        if not path.is_file():
            raise ValueError(f"QINGKONG_TERRAIN: {terrain!r} is not a file (a GeoTIFF DEM)")
        return dep.with_(terrain=str(path))
