"""EUROCAE ED-318 zone files (GeoJSON profile), read and written.

Each Feature is one zone. Its geometry carries the vertical limits in ``geometry.layer``
(``upper``, ``upperReference``, ``lower``, ``lowerReference``, ``uom`` ``m``/``ft``; upper
99999 = unlimited); a zone of several volumes is a GeometryCollection whose members each have
their own ``layer``; a circle is a ``Point`` with ``extent: {subType: Circle, radius}``.
Limits are numbers in ED-318, so an unbounded lower limit is written as the ground (0 AGL).
Properties: ``identifier``, ``country``, ``name`` (multilingual ``[{text, lang}]``), ``type``
(the restriction, spelled ``REQ_AUTHORIZATION``), ``variant`` (ED-269's ``type``), ``reason``,
``otherReasonInfo``, ``message``, ``restrictionConditions``, ``limitedApplicability``,
``zoneAuthority`` (texts multilingual).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from airspace.formats.applicability import applicability_to_json, parse_applicability
from airspace.formats.ed269 import (
    AUTHORITY_I18N_FIELDS,
    EXTRA_FIELDS,
    check_band,
    describe,
    horizontal,
    identifier,
)
from airspace.formats.fields import Context, limit_in_uom, limit_m, reference, restriction, uom
from airspace.formats.geometry import circle, polygon_coordinates
from airspace.zones import (
    UNBOUNDED_SENTINEL,
    Circle,
    Restriction,
    VerticalReference,
    Zone,
    ZoneVolume,
)

ED318_RESTRICTION = {
    Restriction.PROHIBITED: "PROHIBITED",
    Restriction.REQ_AUTHORISATION: "REQ_AUTHORIZATION",
    Restriction.CONDITIONAL: "CONDITIONAL",
    Restriction.NO_RESTRICTION: "NO_RESTRICTION",
}


def has_layer(geometry: object) -> bool:
    """Whether a GeoJSON geometry (or a member of a collection) carries an ED-318 ``layer``."""
    if not isinstance(geometry, dict):
        return False
    if isinstance(geometry.get("layer"), dict):
        return True
    return any(has_layer(g) for g in geometry.get("geometries") or ())


def _volumes(ctx: Context, geom: object, f: str, inherited: dict | None = None) -> list[ZoneVolume]:
    if not isinstance(geom, dict):
        raise ctx.error(f, "missing geometry")
    layer = geom.get("layer", inherited)
    if geom.get("type") == "GeometryCollection":
        members = geom.get("geometries")
        if not isinstance(members, list) or not members:
            raise ctx.error(f"{f}.geometries", "expected a non-empty list of geometries")
        return [
            v
            for k, g in enumerate(members)
            for v in _volumes(ctx, g, f"{f}.geometries[{k}]", layer)
        ]
    if not isinstance(layer, dict):
        raise ctx.error(
            f"{f}.layer", "missing vertical limits (geometry.layer with lower/upper/uom)"
        )
    unit = uom(ctx, layer.get("uom"), f"{f}.layer.uom")
    lower = limit_m(ctx, layer.get("lower"), unit, f"{f}.layer.lower")
    upper = limit_m(ctx, layer.get("upper"), unit, f"{f}.layer.upper")
    lower_ref = reference(ctx, layer.get("lowerReference"), f"{f}.layer.lowerReference")
    upper_ref = reference(ctx, layer.get("upperReference"), f"{f}.layer.upperReference")
    check_band(ctx, lower, upper, lower_ref == upper_ref, f"{f}.layer")
    if geom.get("type") == "Point":
        extent = geom.get("extent") or {}
        if str(extent.get("subType", "Circle")).lower() != "circle":
            raise ctx.error(
                f"{f}.extent.subType", f"unsupported extent {extent.get('subType')!r}; use Circle"
            )
        shapes = [circle(ctx, geom.get("coordinates"), extent.get("radius"), f)]
    else:
        shapes = horizontal(ctx, geom, f)
    return [ZoneVolume(s, lower, upper, lower_ref, upper_ref, unit) for s in shapes]


def zone_from_ed318(ctx: Context, feature: object, index: int) -> Zone:
    """One ED-318 Feature to a :class:`Zone`."""
    if not isinstance(feature, dict):
        raise ctx.for_zone(f"#{index + 1}").error(
            None, f"expected a Feature, got {type(feature).__name__}"
        )
    props = feature.get("properties") or {}
    ident = identifier(ctx, props.get("identifier", feature.get("id")), index)
    zctx = ctx.for_zone(ident)
    return Zone(
        identifier=ident,
        restriction=restriction(
            zctx, props.get("type", props.get("restriction")), "properties.type"
        ),
        volumes=tuple(_volumes(zctx, feature.get("geometry"), "geometry")),
        applicability=parse_applicability(
            zctx,
            props.get("limitedApplicability", props.get("applicability")),
            "properties.limitedApplicability",
        ),
        type=str(props.get("variant") or "COMMON"),
        **describe(zctx, props, {}),
    )


def read_ed318(ctx: Context, doc: dict) -> list[Zone]:
    """All zones of an ED-318 FeatureCollection."""
    features = doc.get("features")
    if not isinstance(features, list):
        raise ctx.error("features", "expected a list of Features")
    return [zone_from_ed318(ctx, f, i) for i, f in enumerate(features)]


def _i18n(zone: Zone, key: str, text: str, lang: str) -> list:
    return zone.extra.get("i18n", {}).get(key) or [{"text": text, "lang": lang}]


def _volume_geometry(v: ZoneVolume) -> dict:
    if isinstance(v.horizontal, Circle):
        c = v.horizontal
        g: dict = {
            "type": "Point",
            "coordinates": [c.center_lon, c.center_lat],
            "extent": {"subType": "Circle", "radius": c.radius_m},
        }
    else:
        g = {"type": "Polygon", "coordinates": polygon_coordinates(v.horizontal)}
    # ED-318 limits are numbers: 99999 is "no upper limit", and an open lower limit is the ground
    upper = UNBOUNDED_SENTINEL if v.upper_m is None else cast(float, limit_in_uom(v.upper_m, v.uom))
    lower = 0 if v.lower_m is None else limit_in_uom(v.lower_m, v.uom)
    g["layer"] = {
        "upper": int(upper) if upper == int(upper) else upper,
        "upperReference": v.upper_reference.value,
        "lower": lower,
        "lowerReference": (VerticalReference.AGL if v.lower_m is None else v.lower_reference).value,
        "uom": v.uom.lower(),
    }
    return g


def zone_to_ed318(zone: Zone, *, lang: str = "en-GB") -> dict:
    """A :class:`Zone` as an ED-318 Feature; plain texts are tagged with ``lang``."""
    if len(zone.volumes) == 1:
        geometry = _volume_geometry(zone.volumes[0])
    else:
        geometry = {
            "type": "GeometryCollection",
            "geometries": [_volume_geometry(v) for v in zone.volumes],
        }
    p: dict = {"identifier": zone.identifier}
    if zone.country:
        p["country"] = zone.country
    p["name"] = _i18n(zone, "name", zone.name, lang)
    p["type"] = ED318_RESTRICTION[zone.restriction]
    p["variant"] = zone.type
    if zone.restriction_conditions:
        rc = zone.restriction_conditions
        p["restrictionConditions"] = rc[0] if len(rc) == 1 else list(rc)
    p["reason"] = list(zone.reason)
    if zone.other_reason_info:
        p["otherReasonInfo"] = _i18n(zone, "otherReasonInfo", zone.other_reason_info, lang)
    if zone.message:
        p["message"] = _i18n(zone, "message", zone.message, lang)
    limited = applicability_to_json(zone.applicability, ed269=False)
    if limited:
        p["limitedApplicability"] = limited
    authority_i18n = zone.extra.get("authority_i18n") or [{} for _ in zone.authority]
    p["zoneAuthority"] = [
        {
            k: (langs.get(k) or [{"text": v, "lang": lang}]) if k in AUTHORITY_I18N_FIELDS else v
            for k, v in a.items()
        }
        for a, langs in zip(zone.authority, authority_i18n, strict=False)
    ]
    for key in EXTRA_FIELDS:
        if key in zone.extra:
            p[key] = zone.extra[key]
    return {"type": "Feature", "geometry": geometry, "properties": p}


def zones_to_ed318(zones: Sequence[Zone], *, name: str = "", lang: str = "en-GB") -> dict:
    """Zones as an ED-318 GeoJSON FeatureCollection.

    Examples
    --------
    >>> zones_to_ed318([])["type"]
    'FeatureCollection'
    """
    doc: dict = {"type": "FeatureCollection"}
    if name:
        doc["name"] = name
    doc["features"] = [zone_to_ed318(z, lang=lang) for z in zones]
    return doc
