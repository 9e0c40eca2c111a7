"""Plain GeoJSON zone files, read and written.

Reading accepts a FeatureCollection (or one Feature) of Polygons, MultiPolygons and circles
(``{type: Circle, center, radius_m}``, or a Point with a ``radius_m`` property). Properties may
be our own (``id``, ``name``, ``restriction``, ``lower_m``, ``upper_m``, ``reference``,
``schedule``, ``message``) or Flight Blender's geofence ones (``lower_limit``/``upper_limit``,
metres). Features sharing an ``id`` are the volumes of one zone. A feature without a restriction
is a geofence: read as PROHIBITED, with a warning.

Writing (:func:`zones_to_geojson`) is the ``qingkong zones check --json`` contract: one Feature
per volume with ``id``, ``name``, ``restriction``, ``lower_m``, ``upper_m`` (``null`` when
unbounded), ``reference``, ``active`` and the lon/lat polygon (circles within 1 m).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from airspace.deployment import QINGDAO, Deployment
from airspace.formats.applicability import parse_applicability
from airspace.formats.ed269 import check_band, horizontal
from airspace.formats.fields import (
    Context,
    i18n_text,
    limit_m,
    parse_datetime,
    reference,
    restriction,
    uom,
)
from airspace.formats.geometry import polygon_coordinates
from airspace.schedule import is_active
from airspace.zones import (
    Applicability,
    Restriction,
    VerticalReference,
    Zone,
    ZoneVolume,
    from_agl_m,
    to_agl_m,
)


def _shapes(ctx: Context, geom: object, props: dict, f: str) -> list:
    if isinstance(geom, dict) and geom.get("type") == "Point":
        radius = props.get("radius_m", props.get("radius"))
        if radius is None:
            raise ctx.error(f, "a Point zone needs a radius_m property (a circle in metres)")
        return horizontal(
            ctx, {"type": "Circle", "center": geom.get("coordinates"), "radius": radius}, f
        )
    if not isinstance(geom, dict):
        raise ctx.error(f, "missing geometry")
    return horizontal(ctx, geom, f)


def schedule_windows(ctx: Context, value: object, field_name: str) -> tuple[Applicability, ...]:
    """``[{start, end}]`` RFC 3339 windows (either end may be open) to applicability items."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ctx.error(field_name, "expected a list of {start, end} windows")
    out = []
    for i, w in enumerate(value):
        f = f"{field_name}[{i}]"
        if not isinstance(w, dict):
            raise ctx.error(f, f"expected {{start, end}}, got {w!r}")
        start = parse_datetime(ctx, w.get("start"), f"{f}.start")
        end = parse_datetime(ctx, w.get("end"), f"{f}.end")
        if start is not None and end is not None and end <= start:
            raise ctx.error(f"{f}.end", "window ends before it starts")
        out.append(Applicability(permanent=False, start=start, end=end))
    return tuple(out)


def _limits(ctx: Context, props: dict) -> tuple[float | None, float | None, str]:
    if "lower_m" in props or "upper_m" in props:
        return (
            limit_m(ctx, props.get("lower_m"), "M", "properties.lower_m"),
            limit_m(ctx, props.get("upper_m"), "M", "properties.upper_m"),
            "M",
        )
    for lo, hi in (("lower_limit", "upper_limit"), ("lower", "upper")):
        if lo in props or hi in props:
            unit = uom(ctx, props.get("uom"), "properties.uom")
            return (
                limit_m(ctx, props.get(lo), unit, f"properties.{lo}"),
                limit_m(ctx, props.get(hi), unit, f"properties.{hi}"),
                unit,
            )
    ctx.warn("properties", "no vertical limits; the zone covers all heights")
    return None, None, "M"


def _references(
    ctx: Context, props: dict, bounded: bool
) -> tuple[VerticalReference, VerticalReference]:
    if "reference" in props:
        r = reference(ctx, props["reference"], "properties.reference")
        return r, r
    if "lower_reference" in props or "upper_reference" in props:
        return (
            reference(ctx, props.get("lower_reference"), "properties.lower_reference"),
            reference(ctx, props.get("upper_reference"), "properties.upper_reference"),
        )
    if bounded:
        ctx.warn("properties.reference", "no vertical reference given; limits read as AGL")
    return VerticalReference.AGL, VerticalReference.AGL


def _feature(ctx: Context, feature: object, index: int) -> tuple[str, dict, list[ZoneVolume]]:
    if not isinstance(feature, dict):
        raise ctx.for_zone(f"#{index + 1}").error(
            None, f"expected a Feature, got {type(feature).__name__}"
        )
    props = feature.get("properties") or {}
    ident = props.get("id", props.get("identifier", feature.get("id")))
    if ident is None or str(ident).strip() == "":
        ident = f"zone-{index + 1}"
        ctx.for_zone(ident).warn("properties.id", f"feature {index + 1} has no id; named {ident!r}")
    zctx = ctx.for_zone(str(ident))
    lower, upper, unit = _limits(zctx, props)
    lower_ref, upper_ref = _references(zctx, props, lower is not None or upper is not None)
    check_band(zctx, lower, upper, lower_ref == upper_ref, "properties")
    shapes = _shapes(zctx, feature.get("geometry"), props, "geometry")
    return (
        str(ident),
        props,
        [ZoneVolume(s, lower, upper, lower_ref, upper_ref, unit) for s in shapes],
    )


def read_geojson(ctx: Context, doc: dict) -> list[Zone]:
    """Zones of a plain GeoJSON FeatureCollection or Feature."""
    features = [doc] if doc.get("type") == "Feature" else doc.get("features")
    if not isinstance(features, list):
        raise ctx.error("features", "expected a list of Features")
    order: list[str] = []
    volumes: dict[str, list[ZoneVolume]] = {}
    first_props: dict[str, dict] = {}
    for i, f in enumerate(features):
        ident, props, vols = _feature(ctx, f, i)
        if ident not in volumes:
            order.append(ident)
            volumes[ident] = []
            first_props[ident] = props
        volumes[ident].extend(vols)
    zones = []
    for ident in order:
        props = first_props[ident]
        zctx = ctx.for_zone(ident)
        if props.get("restriction") is None:
            zctx.warn(
                "properties.restriction", "no restriction given; read as a PROHIBITED geofence"
            )
            restr = Restriction.PROHIBITED
        else:
            restr = restriction(zctx, props.get("restriction"), "properties.restriction")
        if "applicability" in props:
            applicability = parse_applicability(
                zctx, props["applicability"], "properties.applicability"
            )
        else:
            applicability = schedule_windows(zctx, props.get("schedule"), "properties.schedule")
        zones.append(
            Zone(
                identifier=ident,
                restriction=restr,
                volumes=tuple(volumes[ident]),
                name=i18n_text(props.get("name"))[0],
                message=i18n_text(props.get("message"))[0],
                applicability=applicability,
            )
        )
    return zones


def _band(
    v: ZoneVolume, deployment: Deployment
) -> tuple[float | None, float | None, VerticalReference]:
    ref = v.upper_reference if v.upper_m is not None else v.lower_reference
    lower, upper = v.lower_m, v.upper_m
    if lower is not None and v.lower_reference != ref:
        lower = from_agl_m(to_agl_m(lower, v.lower_reference, deployment), ref, deployment)
    if upper is not None and v.upper_reference != ref:
        upper = from_agl_m(to_agl_m(upper, v.upper_reference, deployment), ref, deployment)
    return lower, upper, ref


def zones_to_geojson(
    zones: Sequence[Zone], *, at: datetime | None = None, deployment: Deployment = QINGDAO
) -> dict:
    """Zones as a GeoJSON FeatureCollection, one Feature per volume.

    Parameters
    ----------
    zones : sequence of Zone
    at : datetime, optional
        Instant for the ``active`` property (aware); default now.
    deployment : Deployment
        Gives the time zone for local schedules and the ground/geoid heights used when a
        volume's lower and upper limits have different references (both are written in the
        upper limit's reference).

    Returns
    -------
    dict
        Features with properties ``id``, ``name``, ``restriction``, ``lower_m``, ``upper_m``
        (``None`` when unbounded), ``reference``, ``active``, ``volume`` (index in the zone).

    Examples
    --------
    >>> zones_to_geojson([])
    {'type': 'FeatureCollection', 'features': []}
    """
    at = datetime.now(UTC) if at is None else at
    tz = deployment.tz
    features = []
    for z in zones:
        active = is_active(z, at, tz)
        for k, v in enumerate(z.volumes):
            lower, upper, ref = _band(v, deployment)
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": polygon_coordinates(v.polygon)},
                    "properties": {
                        "id": z.identifier,
                        "name": z.name,
                        "restriction": z.restriction.value,
                        "lower_m": lower,
                        "upper_m": upper,
                        "reference": ref.value,
                        "active": active,
                        "volume": k,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}
