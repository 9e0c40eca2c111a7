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
    router_cache_size: int = Field(default=1024, gt=0)
    """Entries each corridor-router cache keeps (paths per origin/destination, endpoints,
    travel times per speed; least recently used dropped): bounds the service's memory."""
    warmup_background: bool = False
    """Warm up in a background thread: health answers at once, ``/v1/ready`` shows progress
    and decisions wait for the kernels (``qingkong serve`` turns it on unless set)."""

    def deployment_obj(self) -> Deployment:
        """The :class:`Deployment` named by ``deployment``."""
        try:
            return DEPLOYMENTS[self.deployment]
        except KeyError:
            raise ValueError(
                f"QINGKONG_DEPLOYMENT={self.deployment!r} is unknown; choose one of {sorted(DEPLOYMENTS)}"
            ) from None
