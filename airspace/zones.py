"""The zone model: what real UAS geographical-zone data holds, normalised.

A :class:`Zone` has one or more :class:`ZoneVolume` (stacked "wedding cake" volumes), a
restriction, descriptive fields and applicability (permanent, a dated window, weekly daily
periods). Horizontal shapes are kept in lon/lat degrees; vertical limits are kept in metres
with their reference, and the original unit of measure is remembered so that exports can
write the file's own units back.

The file formats live in :mod:`airspace.formats`; schedule evaluation in
:mod:`airspace.schedule`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from functools import cached_property, lru_cache

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import Polygon

from airspace.deployment import Deployment
from airspace.terrain import terrain_for

FEET_M = 0.3048
UNBOUNDED_SENTINEL = 99999.0
"""ED-269/ED-318 files write 99999 (in any unit) for "no upper limit"."""


class Restriction(StrEnum):
    """What a zone does to flights inside it (ED-269 ``restriction``)."""

    PROHIBITED = "PROHIBITED"
    REQ_AUTHORISATION = "REQ_AUTHORISATION"
    CONDITIONAL = "CONDITIONAL"
    NO_RESTRICTION = "NO_RESTRICTION"

    @classmethod
    def parse(cls, value: str) -> Restriction:
        """Accept the canonical spellings, ``REQ_AUTHORIZATION`` and any case."""
        v = str(value).strip().upper().replace("-", "_").replace(" ", "_")
        if v == "REQ_AUTHORIZATION":
            v = "REQ_AUTHORISATION"
        return cls(v)


class VerticalReference(StrEnum):
    """What a vertical limit is measured from."""

    AGL = "AGL"
    AMSL = "AMSL"
    WGS84 = "WGS84"

    @classmethod
    def parse(cls, value: str) -> VerticalReference:
        """Accept the canonical spellings and the aliases SFC, W84, MSL, ALT and STD, any case."""
        v = str(value).strip().upper()
        aliases = {"SFC": "AGL", "W84": "WGS84", "MSL": "AMSL", "ALT": "AMSL", "STD": "AMSL"}
        return cls(aliases.get(v, v))


@dataclass(frozen=True)
class Circle:
    """A circle on the ground: centre in degrees, radius in metres."""

    center_lon: float
    center_lat: float
    radius_m: float

    def to_polygon(self, tolerance_m: float = 1.0) -> Polygon:
        """A lon/lat polygon that contains the circle and lies within ``tolerance_m`` of it.

        Vertices sit on a circumscribed regular polygon: each is the geodesic point at the
        circumscribed radius and its azimuth from the centre (the same points an
        azimuthal-equidistant projection centred on the circle gives), so distances from the
        centre are exact. One vectorised geodesic call: no projection object per circle.
        """
        r = float(self.radius_m)
        n = max(
            16, math.ceil(math.pi / math.acos(max(-1.0, 1.0 - tolerance_m / (r + tolerance_m))))
        )
        r_out = r / math.cos(math.pi / n)
        azimuth_deg = np.degrees(np.linspace(0.0, 2.0 * math.pi, n, endpoint=False))
        lon, lat, _ = _WGS84.fwd(
            np.full(n, self.center_lon), np.full(n, self.center_lat), azimuth_deg, np.full(n, r_out)
        )
        return Polygon(np.column_stack([lon, lat]))


_WGS84 = Geod(ellps="WGS84")


@dataclass(frozen=True)
class ZoneVolume:
    """One volume of a zone: a horizontal shape and a vertical band.

    ``lower_m`` / ``upper_m`` are metres in their own reference; ``None`` means unbounded
    (the ground, or no ceiling). ``uom`` is the unit the source file used (``"M"``/``"FT"``).
    """

    horizontal: Polygon | Circle
    lower_m: float | None = None
    upper_m: float | None = None
    lower_reference: VerticalReference = VerticalReference.AGL
    upper_reference: VerticalReference = VerticalReference.AGL
    uom: str = "M"

    @cached_property
    def polygon(self) -> Polygon:
        """The horizontal shape as a lon/lat polygon (circles within 1 m, containing them)."""
        if isinstance(self.horizontal, Circle):
            return self.horizontal.to_polygon()
        return self.horizontal

    def band_agl_m(self, deployment: Deployment) -> tuple[float, float]:
        """The vertical band as heights above ground, ``-inf``/``inf`` where unbounded.

        With a terrain model (:mod:`airspace.terrain`) an AMSL / WGS84 limit is a different true
        height over each point; the band is widened to hold them all (lower limit over the
        highest ground under the shape, upper limit over the lowest), so that no part of the
        zone is missed.
        """
        lo_ground = hi_ground = None
        agl = VerticalReference.AGL
        if deployment.terrain and (self.lower_reference != agl or self.upper_reference != agl):
            lo_ground, hi_ground = _ground_range_m(self.polygon, deployment)
        lo = (
            -math.inf
            if self.lower_m is None
            else to_agl_m(self.lower_m, self.lower_reference, deployment, hi_ground)
        )
        hi = (
            math.inf
            if self.upper_m is None
            else to_agl_m(self.upper_m, self.upper_reference, deployment, lo_ground)
        )
        return lo, hi


@lru_cache(maxsize=4096)
def _ground_range_m(polygon: Polygon, deployment: Deployment) -> tuple[float, float]:
    return terrain_for(deployment).ground_range_m(polygon)


def to_agl_m(
    value_m: float,
    reference: VerticalReference,
    deployment: Deployment,
    ground_m: float | None = None,
) -> float:
    """Convert a height in metres from ``reference`` to above-ground-level: over ``ground_m``
    (m AMSL, e.g. from :mod:`airspace.terrain`), else over the deployment's flat ground."""
    if reference == VerticalReference.AGL:
        return float(value_m)
    amsl = float(value_m)
    if reference == VerticalReference.WGS84:
        amsl -= deployment.geoid_undulation_m
    return amsl - (deployment.ground_elevation_m if ground_m is None else ground_m)


def from_agl_m(value_m: float, reference: VerticalReference, deployment: Deployment) -> float:
    """Inverse of :func:`to_agl_m`."""
    if reference == VerticalReference.AGL:
        return float(value_m)
    amsl = float(value_m) + deployment.ground_elevation_m
    if reference == VerticalReference.WGS84:
        amsl += deployment.geoid_undulation_m
    return amsl


@dataclass(frozen=True)
class DailyPeriod:
    """A daily time window on some weekdays (ED-269 ``schedule`` / ``dailyPeriod``).

    ``days`` holds ``MON``..``SUN`` (empty = every day). ``start``/``end`` are wall-clock times;
    ``utc`` says they were written with a ``Z`` and are UTC, otherwise they are in the
    deployment's time zone. ``end`` before ``start`` runs past midnight; ``None`` times mean
    the whole day.
    """

    days: tuple[str, ...] = ()
    start: time | None = None
    end: time | None = None
    utc: bool = False


@dataclass(frozen=True)
class Applicability:
    """When a zone applies: permanent, or between ``start`` and ``end`` (aware datetimes,
    either may be open), optionally only during ``periods``."""

    permanent: bool = True
    start: datetime | None = None
    end: datetime | None = None
    periods: tuple[DailyPeriod, ...] = ()


@dataclass(frozen=True)
class Zone:
    """A UAS geographical zone (ED-269 ``UASZone`` / ED-318 feature), normalised."""

    identifier: str
    restriction: Restriction
    volumes: tuple[ZoneVolume, ...]
    name: str = ""
    applicability: tuple[Applicability, ...] = ()
    country: str = ""
    type: str = "COMMON"
    reason: tuple[str, ...] = ()
    other_reason_info: str = ""
    message: str = ""
    restriction_conditions: tuple[str, ...] = ()
    authority: tuple[dict, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)
    """Fields kept only to be written back (``uSpaceClass``, multilingual names, region...)."""

    @property
    def is_permanent(self) -> bool:
        """Whether the zone applies at all times (no applicability, or a permanent one)."""
        return not self.applicability or any(
            a.permanent and a.start is None and a.end is None and not a.periods
            for a in self.applicability
        )

    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """The lon/lat bounding box ``(west, south, east, north)`` of all volumes."""
        return shapely.total_bounds([v.polygon for v in self.volumes])  # type: ignore[return-value]
