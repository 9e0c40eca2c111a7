"""The corridor file format: GeoJSON ``LineString`` corridors and ``Point`` vertiports, read
into :class:`Corridor` and :class:`Vertiport` records (see :mod:`airspace.corridors`)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airspace.errors import AirspaceError

QINGDAO_CORRIDORS_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "qingdao_corridors.geojson"
)
"""The illustrative Qingdao demo corridor network shipped with qingkong."""

_REQUIRED = ("id", "lower_m", "upper_m", "width_m", "speed_max_mps")


class CorridorFormatError(AirspaceError):
    """A corridor file cannot be read; the message names the feature and field."""

    def __init__(self, message: str, *, corridor: str | None = None, field: str | None = None):
        self.corridor = corridor
        self.field = field
        where = []
        if corridor is not None:
            where.append(f"corridor {corridor!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class Corridor:
    """One corridor as filed: centreline in lon/lat and its limits."""

    id: str
    coords_lonlat: tuple[tuple[float, float], ...]
    lower_m: float
    upper_m: float
    width_m: float
    speed_max_mps: float
    oneway: bool = False
    properties: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Vertiport:
    """A vertiport or hub: where flights enter and leave the network."""

    id: str
    lon: float
    lat: float
    name: str = ""
    kind: str = "vertiport"


def _number(props: dict, key: str, cid: str | None) -> float:
    if key not in props or props[key] is None:
        raise CorridorFormatError("is missing", corridor=cid, field=key)
    v = props[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        raise CorridorFormatError(f"must be a finite number, got {v!r}", corridor=cid, field=key)
    return float(v)


def _read_source(source: str | Path | dict) -> dict:
    if isinstance(source, dict):
        return source
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CorridorFormatError(f"cannot read corridor file {path}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorridorFormatError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc


def parse_corridors(source: str | Path | dict) -> tuple[list[Corridor], list[Vertiport]]:
    """Read corridors and vertiports from a GeoJSON FeatureCollection (path or dict).

    Raises
    ------
    CorridorFormatError
        Naming the corridor (or feature number) and the field to fix.
    """
    doc = _read_source(source)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise CorridorFormatError("a corridor file must be a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise CorridorFormatError("FeatureCollection has no 'features' list")
    corridors: list[Corridor] = []
    vertiports: list[Vertiport] = []
    seen: set[str] = set()
    for n, feat in enumerate(features):
        if not isinstance(feat, dict):
            raise CorridorFormatError(f"feature #{n} is not an object")
        props = feat.get("properties") or {}
        geom = feat.get("geometry") or {}
        fid = props.get("id", feat.get("id"))
        cid = str(fid) if fid is not None else f"#{n}"
        gtype = geom.get("type")
        coords = geom.get("coordinates")
        if gtype == "Point":
            if fid is None:
                raise CorridorFormatError("vertiport has no id", corridor=cid, field="id")
            lon, lat = _lonlat(coords, cid)
            vertiports.append(
                Vertiport(
                    id=cid,
                    lon=lon,
                    lat=lat,
                    name=str(props.get("name", "")),
                    kind=str(props.get("kind", "vertiport")),
                )
            )
            if cid in seen:
                raise CorridorFormatError("id used twice", corridor=cid, field="id")
            seen.add(cid)
            continue
        if gtype not in ("LineString", "MultiLineString"):
            raise CorridorFormatError(
                f"geometry must be a LineString (corridor) or Point (vertiport), got {gtype!r}",
                corridor=cid,
                field="geometry",
            )
        if fid is None:
            raise CorridorFormatError("is missing", corridor=cid, field="id")
        if cid in seen:
            raise CorridorFormatError("id used twice", corridor=cid, field="id")
        seen.add(cid)
        lower, upper = _number(props, "lower_m", cid), _number(props, "upper_m", cid)
        width, speed = _number(props, "width_m", cid), _number(props, "speed_max_mps", cid)
        if not upper > lower:
            raise CorridorFormatError(
                f"upper_m ({upper}) must be above lower_m ({lower})", corridor=cid, field="upper_m"
            )
        if lower < 0:
            raise CorridorFormatError("must be >= 0 m AGL", corridor=cid, field="lower_m")
        if width <= 0:
            raise CorridorFormatError("must be positive", corridor=cid, field="width_m")
        if speed <= 0:
            raise CorridorFormatError("must be positive", corridor=cid, field="speed_max_mps")
        oneway = props.get("oneway", False)
        if not isinstance(oneway, bool):
            raise CorridorFormatError(
                f"must be true or false, got {oneway!r}", corridor=cid, field="oneway"
            )
        parts = [coords] if gtype == "LineString" else coords
        if not isinstance(parts, list) or not parts:
            raise CorridorFormatError("has no coordinates", corridor=cid, field="geometry")
        for k, part in enumerate(parts):
            if not isinstance(part, list) or len(part) < 2:
                raise CorridorFormatError(
                    "a LineString needs at least two positions", corridor=cid, field="geometry"
                )
            pts = tuple(_lonlat(p, cid) for p in part)
            corridors.append(
                Corridor(
                    id=cid if len(parts) == 1 else f"{cid}.{k}",
                    coords_lonlat=pts,
                    lower_m=lower,
                    upper_m=upper,
                    width_m=width,
                    speed_max_mps=speed,
                    oneway=oneway,
                    properties=dict(props),
                )
            )
    if not corridors:
        raise CorridorFormatError("the file holds no corridor (LineString) features")
    return corridors, vertiports


def _lonlat(p: Any, cid: str) -> tuple[float, float]:
    if (
        not isinstance(p, list | tuple)
        or len(p) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2])
    ):
        raise CorridorFormatError(
            f"position {p!r} is not [lon, lat]", corridor=cid, field="geometry"
        )
    lon, lat = float(p[0]), float(p[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CorridorFormatError(
            f"position {p!r} is out of range; positions are [lon, lat]",
            corridor=cid,
            field="geometry",
        )
    return lon, lat


# --------------------------------------------------------------------------- network
