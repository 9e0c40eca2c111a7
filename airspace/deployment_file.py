"""Deployments described in a TOML file, so that qingkong can serve a place other than Qingdao
without code: ``QINGKONG_DEPLOYMENT=path/to/deployment.toml`` (a built-in name such as
``qingdao`` still works).

A file holds one table per concern; every key is optional and defaults to the built-in
Qingdao value, except that a file without ``crs`` gets a local azimuthal-equidistant projection
around its centre::

    name = "bern"
    [centre]
    lon = 7.4774
    lat = 46.9749
    [projection]
    crs = "EPSG:2056"          # or leave out: local azimuthal equidistant around the centre
    [time]
    zone = "Europe/Zurich"
    [ground]
    elevation_m = 540.0        # ground above mean sea level (flat terrain)
    geoid_undulation_m = 49.5  # WGS84 ellipsoid height of mean sea level here
    terrain = "bern-dem.tif"   # optional GeoTIFF DEM relative to this file (or a named one,
                               # "qingdao-illustrative"); absent: flat
    [separation]
    horizontal_m = 0.01        # ASTM F3548 volume semantics
    vertical_m = 0.01
    [rules]
    set = "EU"
    [ui]
    locale = "en"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyproj import CRS
from pyproj.exceptions import CRSError

from airspace.deployment import QINGDAO, Deployment
from airspace.rulesets import RULESETS
from airspace.terrain import named_or_path

NAMED: dict[str, Deployment] = {"qingdao": QINGDAO}
"""Deployments known by name."""

_KEYS: dict[tuple[str, str], str] = {
    ("centre", "lon"): "centre_lon",
    ("centre", "lat"): "centre_lat",
    ("projection", "crs"): "crs",
    ("time", "zone"): "timezone",
    ("ground", "elevation_m"): "ground_elevation_m",
    ("ground", "geoid_undulation_m"): "geoid_undulation_m",
    ("ground", "terrain"): "terrain",
    ("separation", "horizontal_m"): "separation_horizontal_m",
    ("separation", "vertical_m"): "separation_vertical_m",
    ("rules", "set"): "rules",
    ("rules", "workflow"): "workflow",
    ("ui", "locale"): "locale",
}
_NUMBERS = {
    "centre_lon",
    "centre_lat",
    "ground_elevation_m",
    "geoid_undulation_m",
    "separation_horizontal_m",
    "separation_vertical_m",
}


_WORKFLOWS = ("cn", "eu", "none")


class DeploymentFileError(ValueError):
    """A deployment file cannot be used; the message names the file and the key."""


def load_deployment(name_or_path: str | Path) -> Deployment:
    """The deployment a setting names: a built-in name (``qingdao``) or a TOML file.

    Examples
    --------
    >>> load_deployment("qingdao").crs
    'EPSG:4549'
    """
    text = str(name_or_path)
    if text.lower() in NAMED:
        return NAMED[text.lower()]
    path = Path(text)
    if path.suffix.lower() != ".toml" and not path.is_file():
        raise DeploymentFileError(
            f"deployment {text!r} is neither a known name ({', '.join(sorted(NAMED))}) "
            "nor a .toml file"
        )
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise DeploymentFileError(
            f"{path}: cannot read the deployment file ({e.strerror})"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise DeploymentFileError(f"{path}: not valid TOML ({e})") from None
    return deployment_from_dict(doc, source=str(path))


def deployment_from_dict(doc: dict[str, Any], *, source: str = "deployment") -> Deployment:
    """A :class:`Deployment` from the tables of a deployment file (see the module docstring)."""
    fields: dict[str, Any] = {"name": str(doc.get("name") or Path(source).stem)}
    known_tables = {t for t, _ in _KEYS}
    for key, value in doc.items():
        if key == "name":
            continue
        if key not in known_tables or not isinstance(value, dict):
            raise DeploymentFileError(
                f"{source}: unknown entry {key!r}; expected name and the tables "
                f"{', '.join(sorted(known_tables))}"
            )
        for sub, sub_value in value.items():
            field = _KEYS.get((key, sub))
            if field is None:
                allowed = sorted(s for t, s in _KEYS if t == key)
                raise DeploymentFileError(
                    f"{source}: unknown key {key}.{sub}; [{key}] takes {', '.join(allowed)}"
                )
            fields[field] = _checked(field, sub_value, f"{source}: {key}.{sub}")
    if "terrain" in fields:
        base = None if source == "deployment" else Path(source).parent
        fields["terrain"] = str(named_or_path(fields["terrain"], base))
    fields.setdefault("workflow", "none")
    if "crs" not in fields:
        fields["crs"] = None if "centre_lon" in fields or "centre_lat" in fields else QINGDAO.crs
    if fields["crs"] == "local":
        fields["crs"] = None
    return Deployment(**fields)


def _checked(field: str, value: Any, what: str) -> Any:
    if field in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DeploymentFileError(f"{what}: expected a number, got {value!r}")
        value = float(value)
        if field == "centre_lon" and not -180.0 <= value <= 180.0:
            raise DeploymentFileError(f"{what}: longitude {value} is outside -180..180")
        if field == "centre_lat" and not -90.0 <= value <= 90.0:
            raise DeploymentFileError(
                f"{what}: latitude {value} is outside -90..90 (lon and lat swapped?)"
            )
        if field.startswith("separation") and value <= 0.0:
            raise DeploymentFileError(f"{what}: a separation minimum must be above 0 m")
        return value
    if not isinstance(value, str):
        raise DeploymentFileError(f"{what}: expected a string, got {value!r}")
    if field == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise DeploymentFileError(
                f"{what}: {value!r} is not an IANA time zone (e.g. 'Europe/Zurich')"
            ) from None
    elif field == "rules":
        if value.upper() not in RULESETS:
            raise DeploymentFileError(
                f"{what}: unknown rule set {value!r}; known: {', '.join(sorted(RULESETS))}"
            )
        return value.upper()
    elif field == "workflow":
        if value.lower() not in _WORKFLOWS:
            raise DeploymentFileError(
                f"{what}: unknown workflow {value!r}; known: {', '.join(_WORKFLOWS)}"
            )
        return value.lower()
    elif field == "crs" and value != "local":
        try:
            crs = CRS.from_user_input(value)
        except CRSError:
            raise DeploymentFileError(f"{what}: {value!r} is not a CRS PROJ knows") from None
        if not crs.is_projected:
            raise DeploymentFileError(f"{what}: {value!r} is not a metric (projected) CRS")
    return value
