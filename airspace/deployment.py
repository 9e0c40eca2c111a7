"""A deployment: the place-specific facts every other module reads (projection, time zone,
ground elevation, separation minima, rule set). One immutable object, passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Deployment:
    """Where qingkong runs and with which defaults.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"qingdao"``.
    centre_lon, centre_lat : float
        Centre of the served area in degrees; the default local projection is centred here.
    crs : str or None
        Metric CRS for internal geometry (e.g. ``"EPSG:4549"``). ``None`` selects a local
        azimuthal-equidistant projection around the centre.
    timezone : str
        IANA time zone in which schedules without an explicit offset are evaluated.
    ground_elevation_m : float
        Ground height above mean sea level (terrain is flat); AMSL limits become AGL by
        subtracting it.
    geoid_undulation_m : float
        WGS84 ellipsoid height of mean sea level here; WGS84 heights become AMSL by
        subtracting it.
    separation_horizontal_m, separation_vertical_m : float
        Default separation minima S_h and S_v.
    rules : str
        Key of the national rule set (see :mod:`airspace.rules`).
    locale : str
        Default user-interface language.
    terrain : str or None
        Path of a GeoTIFF terrain model (:mod:`airspace.terrain`); ``None``: flat ground at
        ``ground_elevation_m``. ``QINGKONG_TERRAIN`` sets it for the service.
    workflow : str
        The flight-activity workflow (:mod:`airspace.workflow`): ``cn`` (China's 2024 interim
        regulation), ``eu`` or ``none``; ``QINGKONG_WORKFLOW`` overrides it.
    """

    name: str = "qingdao"
    centre_lon: float = 120.38
    centre_lat: float = 36.07
    crs: str | None = "EPSG:4549"
    timezone: str = "Asia/Shanghai"
    ground_elevation_m: float = 0.0
    geoid_undulation_m: float = 0.0
    separation_horizontal_m: float = 50.0
    separation_vertical_m: float = 20.0
    rules: str = "CN"
    locale: str = "zh-CN"
    workflow: str = "cn"
    terrain: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The deployment's time zone."""
        return ZoneInfo(self.timezone)

    def with_(self, **changes: object) -> Deployment:
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


QINGDAO = Deployment()
"""Qingdao: CGCS2000 / 3-degree Gauss-Krüger zone CM 120°E, Asia/Shanghai, Chinese rules."""


def local_deployment(centre_lon: float, centre_lat: float, **kwargs: object) -> Deployment:
    """A deployment anywhere else: local azimuthal-equidistant projection, UTC, default rules."""
    defaults: dict[str, object] = {
        "name": "local",
        "crs": None,
        "timezone": "UTC",
        "rules": "CN",
        "locale": "en",
    }
    defaults.update(kwargs)
    return Deployment(centre_lon=centre_lon, centre_lat=centre_lat, **defaults)  # type: ignore[arg-type]
