"""Reading any supported zone file: detect the format, parse, and report the repairs.

Formats: ED-269 (``UASZoneList`` or ``features`` layout, or a bare list of zones), ED-318
(GeoJSON with ``geometry.layer``), plain GeoJSON, BlueSky ``.scn`` geofences. JSON, or YAML for
``.yaml``/``.yml`` files.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from airspace.deployment import QINGDAO, Deployment
from airspace.errors import ZoneFormatError
from airspace.formats.bluesky import read_bluesky
from airspace.formats.ed269 import read_ed269
from airspace.formats.ed318 import has_layer, read_ed318
from airspace.formats.fields import Context, ZoneWarning
from airspace.formats.geojson import read_geojson
from airspace.zones import Zone

ED269_UASZONELIST = "ED-269 (UASZoneList)"
ED269_FEATURES = "ED-269 (features)"
ED318 = "ED-318"
GEOJSON = "GeoJSON"
BLUESKY = "BlueSky scenario"


@dataclass
class ZoneFile:
    """What reading a zone file gave: the zones, the repairs made, the detected format."""

    zones: list[Zone]
    warnings: list[ZoneWarning] = field(default_factory=list)
    format: str = ""
    source: str = ""


def _looks_like_ed269_zone(item: object) -> bool:
    return (
        isinstance(item, dict)
        and item.get("type") != "Feature"
        and ("restriction" in item or isinstance(item.get("geometry"), list))
    )


def detect_format(doc: object) -> str:
    """The format of a parsed zone document (one of the module's format names).

    Raises
    ------
    ZoneFormatError
        When the document is none of the supported formats.
    """
    if isinstance(doc, list):
        if doc and all(_looks_like_ed269_zone(d) for d in doc):
            return ED269_UASZONELIST
    elif isinstance(doc, dict):
        if "UASZoneList" in doc:
            return ED269_UASZONELIST
        if doc.get("type") == "Feature":
            return ED318 if has_layer(doc.get("geometry")) else GEOJSON
        features = doc.get("features")
        if isinstance(features, list):
            if doc.get("type") != "FeatureCollection" and all(
                _looks_like_ed269_zone(f) for f in features
            ):
                return ED269_FEATURES
            geoms = [f.get("geometry") for f in features if isinstance(f, dict)]
            if any(has_layer(g) for g in geoms):
                return ED318
            return GEOJSON
    raise ZoneFormatError(
        "unknown zone format: expected ED-269 (`UASZoneList` or `features`), ED-318 or a GeoJSON FeatureCollection"
    )


def parse_zone_document(
    doc: object, *, deployment: Deployment = QINGDAO, source: str = ""
) -> ZoneFile:
    """Zones of an already-parsed JSON/YAML document, with warnings and the detected format."""
    fmt = detect_format(doc)
    ctx = Context(tz=deployment.tz)
    if fmt in (ED269_UASZONELIST, ED269_FEATURES):
        zones = read_ed269(ctx, doc)  # type: ignore[arg-type]
    elif fmt == ED318:
        assert isinstance(doc, dict)  # detect_format says ED-318 of JSON objects only
        zones = read_ed318(ctx, doc if doc.get("type") != "Feature" else {"features": [doc]})
    else:
        zones = read_geojson(ctx, doc)  # type: ignore[arg-type]
    _warn_duplicates(ctx, zones)
    return ZoneFile(zones, ctx.warnings, fmt, source)


def _warn_duplicates(ctx: Context, zones: list[Zone]) -> None:
    if not zones:
        ctx.warn(None, "the file holds no zones")
    for ident, n in Counter(z.identifier for z in zones).items():
        if n > 1:
            ctx.for_zone(ident).warn(
                "identifier", f"identifier used by {n} zones; kept as separate zones"
            )


def _load_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ZoneFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ZoneFormatError(f"{path}: is a directory, not a zone file") from None
    except UnicodeDecodeError as e:
        raise ZoneFormatError(f"{path}: not UTF-8 text ({e.reason})") from None
    except OSError as e:
        raise ZoneFormatError(f"{path}: cannot read ({e.strerror})") from None


def _parse_text(text: str, name: str, suffix: str) -> object:
    if suffix in (".yaml", ".yml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise ZoneFormatError(f"{name}: not valid YAML ({str(e).splitlines()[0]})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ZoneFormatError(
            f"{name}: not valid JSON ({e.msg} at line {e.lineno} column {e.colno})"
        ) from None


def read_zone_file(
    source: str | Path | dict | list, *, deployment: Deployment = QINGDAO
) -> ZoneFile:
    """Read zones from a file path, JSON text or parsed document, keeping the warnings.

    Parameters
    ----------
    source : str, Path, dict or list
        A path to an ED-269 / ED-318 / GeoJSON (JSON or YAML) or BlueSky ``.scn`` file, JSON
        text, or the parsed document.
    deployment : Deployment
        Its time zone is used for date-times written without an offset.

    Returns
    -------
    ZoneFile
        ``zones``, ``warnings`` (repairs made, each naming zone and field), ``format``.

    Raises
    ------
    ZoneFormatError
        Missing file, bad JSON, unknown format, or a zone that cannot be read (naming the zone
        and field).

    Examples
    --------
    >>> from airspace.formats import QINGDAO_ZONES_PATH
    >>> zf = read_zone_file(QINGDAO_ZONES_PATH)
    >>> zf.format
    'ED-269 (UASZoneList)'
    """
    if isinstance(source, dict | list):
        return parse_zone_document(source, deployment=deployment)
    if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        return parse_zone_document(_parse_text(source, "zone text", ".json"), deployment=deployment)
    path = Path(source)
    text = _load_text(path)
    if path.suffix.lower() == ".scn":
        ctx = Context(tz=deployment.tz)
        zones = read_bluesky(ctx, text)
        _warn_duplicates(ctx, zones)
        return ZoneFile(zones, ctx.warnings, BLUESKY, str(path))
    doc = _parse_text(text, str(path), path.suffix.lower())
    try:
        return parse_zone_document(doc, deployment=deployment, source=str(path))
    except ZoneFormatError as e:
        if e.zone is None and e.field is None and str(e).startswith("unknown zone format"):
            raise ZoneFormatError(f"{path}: {e}") from None
        raise


def load_zones(source: str | Path | dict | list, *, deployment: Deployment = QINGDAO) -> list[Zone]:
    """The zones of a zone file or document (see :func:`read_zone_file`), warnings dropped.

    Examples
    --------
    >>> from airspace.formats import QINGDAO_ZONES_PATH
    >>> len(load_zones(QINGDAO_ZONES_PATH)) >= 5
    True
    """
    return read_zone_file(source, deployment=deployment).zones
