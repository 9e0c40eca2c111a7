"""EUROCAE ED-269 zone files, read and written.

Two layouts exist in the wild and both are read: ``{"title", "description", "features": [zone,
...]}`` (interuss/uas_standards, Flight Blender) and ``{"formatVersion", "createdAt",
"UASZoneList": [zone, ...]}`` (the InterUSS CIS samples). Each zone has ``geometry``: a list of
volumes with ``uomDimensions``, ``lowerLimit``/``upperLimit`` and their vertical references, and
a ``horizontalProjection`` that is a GeoJSON Polygon or a ``Circle`` (``center`` [lon, lat],
``radius`` in metres).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airspace.formats.applicability import applicability_to_json, parse_applicability
from airspace.formats.fields import (
    Context,
    i18n_text,
    limit_in_uom,
    limit_m,
    reference,
    restriction,
    texts,
    uom,
)
from airspace.formats.geometry import circle, polygon_coordinates, polygons
from airspace.zones import Circle, Zone, ZoneVolume

AUTHORITY_I18N_FIELDS = ("name", "service", "contactName")
EXTRA_FIELDS = ("uSpaceClass", "region", "regulationExemption", "extendedProperties", "dataSource")


def identifier(ctx: Context, value: object, index: int) -> str:
    """The zone identifier, required; numbers are read as text."""
    if value is None or str(value).strip() == "":
        raise ctx.for_zone(f"#{index + 1}").error("identifier", "missing zone identifier")
    return str(value).strip()


def authorities(
    ctx: Context, value: object, field_name: str
) -> tuple[tuple[dict, ...], list | None]:
    """Zone authorities as plain-text dicts (nulls dropped) plus the multilingual originals."""
    if value is None:
        return (), None
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise ctx.error(field_name, f"expected a list of authority objects, got {value!r}")
    out, i18n, any_i18n = [], [], False
    for i, a in enumerate(items):
        if not isinstance(a, dict):
            raise ctx.error(f"{field_name}[{i}]", f"expected an object, got {a!r}")
        plain, langs = {}, {}
        for k, v in a.items():
            if v is None:
                continue
            text, original = i18n_text(v) if isinstance(v, list | dict) else (v, None)
            plain[k] = text
            if original is not None:
                langs[k] = original
                any_i18n = True
        out.append(plain)
        i18n.append(langs)
    return tuple(out), (i18n if any_i18n else None)


def describe(ctx: Context, d: dict, extra: dict) -> dict:
    """The descriptive fields ED-269 and ED-318 share, as :class:`Zone` keyword arguments."""
    name, name_i18n = i18n_text(d.get("name"))
    message, message_i18n = i18n_text(d.get("message"))
    other, other_i18n = i18n_text(d.get("otherReasonInfo"))
    for key, v in (("name", name_i18n), ("message", message_i18n), ("otherReasonInfo", other_i18n)):
        if v is not None:
            extra.setdefault("i18n", {})[key] = v
    authority, authority_i18n = authorities(ctx, d.get("zoneAuthority"), "zoneAuthority")
    if authority_i18n is not None:
        extra["authority_i18n"] = authority_i18n
    for key in EXTRA_FIELDS:
        if d.get(key) is not None:
            extra[key] = d[key]
    return {
        "name": name,
        "message": message,
        "other_reason_info": other,
        "country": str(d.get("country") or ""),
        "reason": texts(d.get("reason")),
        "restriction_conditions": texts(d.get("restrictionConditions")),
        "authority": authority,
        "extra": extra,
    }


def _volumes(ctx: Context, value: object) -> tuple[ZoneVolume, ...]:
    items = value
    if isinstance(value, dict):
        ctx.warn("geometry", "a single volume object instead of a list; read as one volume")
        items = [value]
    if not isinstance(items, list) or not items:
        raise ctx.error("geometry", "expected a non-empty list of volumes")
    out: list[ZoneVolume] = []
    for j, v in enumerate(items):
        f = f"geometry[{j}]"
        if not isinstance(v, dict):
            raise ctx.error(f, f"expected a volume object, got {v!r}")
        unit = uom(ctx, v.get("uomDimensions"), f"{f}.uomDimensions")
        lower = limit_m(ctx, v.get("lowerLimit"), unit, f"{f}.lowerLimit")
        upper = limit_m(ctx, v.get("upperLimit"), unit, f"{f}.upperLimit")
        lower_ref = reference(ctx, v.get("lowerVerticalReference"), f"{f}.lowerVerticalReference")
        upper_ref = reference(ctx, v.get("upperVerticalReference"), f"{f}.upperVerticalReference")
        check_band(ctx, lower, upper, lower_ref == upper_ref, f)
        hp = v.get("horizontalProjection")
        for shape in horizontal(ctx, hp, f"{f}.horizontalProjection"):
            out.append(ZoneVolume(shape, lower, upper, lower_ref, upper_ref, unit))
    return tuple(out)


def check_band(
    ctx: Context, lower: float | None, upper: float | None, same_reference: bool, f: str
) -> None:
    """Refuse a vertical band whose lower limit is not below its upper limit."""
    if lower is not None and upper is not None and same_reference and lower >= upper:
        raise ctx.error(f, f"lower limit {lower:g} m is not below upper limit {upper:g} m")


def horizontal(ctx: Context, hp: object, f: str) -> list:
    """Shapes of a horizontal projection: Polygon, MultiPolygon or Circle."""
    if not isinstance(hp, dict):
        raise ctx.error(f, "missing horizontal projection (a Polygon or Circle object)")
    kind = str(hp.get("type", ""))
    if kind.lower() == "circle":
        return [circle(ctx, hp.get("center"), hp.get("radius", hp.get("radius_m")), f)]
    if kind == "Polygon":
        return polygons(ctx, hp.get("coordinates"), f"{f}.coordinates")
    if kind == "MultiPolygon":
        coords = hp.get("coordinates")
        if not isinstance(coords, list) or not coords:
            raise ctx.error(f"{f}.coordinates", "expected MultiPolygon coordinates")
        return [p for k, c in enumerate(coords) for p in polygons(ctx, c, f"{f}.coordinates[{k}]")]
    raise ctx.error(
        f"{f}.type", f"unsupported shape {kind or None!r}; use Polygon, MultiPolygon or Circle"
    )


def zone_from_ed269(ctx: Context, d: object, index: int) -> Zone:
    """One ED-269 ``UASZone`` object to a :class:`Zone`."""
    if not isinstance(d, dict):
        raise ctx.for_zone(f"#{index + 1}").error(
            None, f"expected a zone object, got {type(d).__name__}"
        )
    ident = identifier(ctx, d.get("identifier"), index)
    zctx = ctx.for_zone(ident)
    return Zone(
        identifier=ident,
        restriction=restriction(zctx, d.get("restriction"), "restriction"),
        volumes=_volumes(zctx, d.get("geometry")),
        applicability=parse_applicability(zctx, d.get("applicability"), "applicability"),
        type=str(d.get("type") or "COMMON"),
        **describe(zctx, d, {}),
    )


def read_ed269(ctx: Context, doc: dict | list) -> list[Zone]:
    """All zones of an ED-269 document in either layout (or a bare list of zones)."""
    items: Any
    if isinstance(doc, list):
        items = doc
    else:
        items = doc.get("UASZoneList") if "UASZoneList" in doc else doc.get("features")
    if not isinstance(items, list):
        raise ctx.error(
            "UASZoneList" if "UASZoneList" in doc else "features", "expected a list of zones"
        )
    return [zone_from_ed269(ctx, d, i) for i, d in enumerate(items)]


def horizontal_to_json(shape) -> dict:
    """A volume's horizontal shape as an ED-269 ``horizontalProjection``."""
    if isinstance(shape, Circle):
        return {
            "type": "Circle",
            "center": [shape.center_lon, shape.center_lat],
            "radius": shape.radius_m,
        }
    return {"type": "Polygon", "coordinates": polygon_coordinates(shape)}


def zone_to_ed269(zone: Zone) -> dict:
    """A :class:`Zone` as an ED-269 ``UASZone`` object."""
    d: dict = {"identifier": zone.identifier}
    if zone.country:
        d["country"] = zone.country
    d["name"] = zone.name
    d["type"] = zone.type
    d["restriction"] = zone.restriction.value
    if zone.restriction_conditions:
        d["restrictionConditions"] = list(zone.restriction_conditions)
    for key in ("region", "regulationExemption", "uSpaceClass"):
        if key in zone.extra:
            d[key] = zone.extra[key]
    d["reason"] = list(zone.reason)
    if zone.other_reason_info:
        d["otherReasonInfo"] = zone.other_reason_info
    d["message"] = zone.message
    d["applicability"] = applicability_to_json(zone.applicability, ed269=True)
    d["zoneAuthority"] = [dict(a) for a in zone.authority]
    d["geometry"] = [
        {
            "uomDimensions": v.uom,
            "lowerLimit": limit_in_uom(v.lower_m, v.uom),
            "lowerVerticalReference": v.lower_reference.value,
            "upperLimit": limit_in_uom(v.upper_m, v.uom),
            "upperVerticalReference": v.upper_reference.value,
            "horizontalProjection": horizontal_to_json(v.horizontal),
        }
        for v in zone.volumes
    ]
    if "extendedProperties" in zone.extra:
        d["extendedProperties"] = zone.extra["extendedProperties"]
    return d


def zones_to_ed269(
    zones: Sequence[Zone],
    *,
    layout: str = "UASZoneList",
    title: str = "",
    description: str = "",
    created_at: str | None = None,
) -> dict:
    """Zones as an ED-269 document.

    Parameters
    ----------
    zones : sequence of Zone
    layout : {"UASZoneList", "features"}
        ``UASZoneList`` writes ``formatVersion``/``createdAt``/``UASZoneList``; ``features``
        writes ``title``/``description``/``features``.
    title, description : str
        Document texts for the ``features`` layout (``description`` is kept in both).
    created_at : str, optional
        RFC 3339 creation time for the ``UASZoneList`` layout.

    Examples
    --------
    >>> zones_to_ed269([])["UASZoneList"]
    []
    """
    items = [zone_to_ed269(z) for z in zones]
    if layout == "features":
        return {"title": title, "description": description, "features": items}
    if layout != "UASZoneList":
        raise ValueError(f"unknown ED-269 layout {layout!r}; use 'UASZoneList' or 'features'")
    doc: dict = {"formatVersion": "1.0.0"}
    if created_at:
        doc["createdAt"] = created_at
    if description:
        doc["description"] = description
    doc["UASZoneList"] = items
    return doc
