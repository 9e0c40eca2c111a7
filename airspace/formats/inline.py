"""Zones written inline in a scenario file or an API body (the form of DESIGN.md).

::

    id: TFR-SAIL-WEEK
    restriction: PROHIBITED
    geometry: {type: Polygon, coordinates: [[[120.43, 36.05], ...]]}   # or {type: Circle, center: [lon, lat], radius_m: 800}
    lower_m: 0
    upper_m: 300
    reference: AGL
    schedule: [{start: 3600, end: 7200}]    # seconds after the scenario start, or RFC 3339; absent = permanent

Optional: ``name``, ``message``, ``volumes`` (a list of ``{geometry, lower_m, upper_m,
reference}`` for stacked volumes instead of the single ``geometry``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from airspace.formats.ed269 import check_band, horizontal
from airspace.formats.fields import (
    Context,
    i18n_text,
    limit_m,
    number,
    parse_datetime,
    reference,
    restriction,
)
from airspace.zones import Applicability, VerticalReference, Zone, ZoneVolume


def _instant(ctx: Context, value: object, start: datetime, f: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        s = number(ctx, value, f)
        try:
            return start + timedelta(seconds=s)
        except OverflowError:
            raise ctx.error(f, f"{s:g} seconds after the start is out of range") from None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=ctx.tz)
    return parse_datetime(ctx, value, f)


def _volume(ctx: Context, d: dict, f: str) -> list[ZoneVolume]:
    ref = VerticalReference.AGL
    if d.get("reference") is not None:
        ref = reference(ctx, d["reference"], f"{f}reference")
    lower = limit_m(ctx, d.get("lower_m"), "M", f"{f}lower_m")
    upper = limit_m(ctx, d.get("upper_m"), "M", f"{f}upper_m")
    check_band(ctx, lower, upper, True, f.rstrip(".") or "upper_m")
    shapes = horizontal(ctx, d.get("geometry"), f"{f}geometry")
    return [ZoneVolume(s, lower, upper, ref, ref, "M") for s in shapes]


def zone_from_dict(d: dict, *, start: datetime, tz: tzinfo, warnings: list | None = None) -> Zone:
    """A zone from its inline scenario form.

    Parameters
    ----------
    d : dict
        The zone mapping (see the module docstring).
    start : datetime
        Aware instant that numeric schedule times count from (the scenario's ``t = 0``).
    tz : tzinfo
        Time zone for RFC 3339 times written without an offset.
    warnings : list, optional
        Receives a :class:`~airspace.formats.fields.ZoneWarning` per repair made (an unclosed
        ring closed, a self-intersecting one split), so that callers can say what was repaired.

    Returns
    -------
    Zone

    Raises
    ------
    ZoneFormatError
        Naming the zone and the field to fix.

    Examples
    --------
    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> sh = ZoneInfo("Asia/Shanghai")
    >>> z = zone_from_dict({"id": "TFR", "restriction": "PROHIBITED",
    ...     "geometry": {"type": "Circle", "center": [120.43, 36.05], "radius_m": 800},
    ...     "lower_m": 0, "upper_m": 300, "schedule": [{"start": 3600, "end": 7200}]},
    ...     start=datetime(2026, 12, 1, 7, tzinfo=sh), tz=sh)
    >>> z.applicability[0].start.hour, z.volumes[0].horizontal.radius_m
    (8, 800.0)
    """
    if not isinstance(d, dict):
        raise Context(tz=tz).error(None, f"a zone must be a mapping, got {type(d).__name__}")
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    ident = d.get("id", d.get("identifier"))
    ctx = Context(tz=tz) if warnings is None else Context(tz=tz, warnings=warnings)
    if ident is None or str(ident).strip() == "":
        raise ctx.error("id", "missing zone id")
    ctx = ctx.for_zone(str(ident))
    restr = restriction(ctx, d.get("restriction"), "restriction")
    if "volumes" in d:
        vols = d["volumes"]
        if not isinstance(vols, list) or not vols:
            raise ctx.error(
                "volumes", "expected a non-empty list of {geometry, lower_m, upper_m, reference}"
            )
        volumes = []
        for i, v in enumerate(vols):
            if not isinstance(v, dict):
                raise ctx.error(f"volumes[{i}]", "expected a mapping")
            volumes.extend(_volume(ctx, {"reference": d.get("reference")} | v, f"volumes[{i}]."))
    else:
        volumes = _volume(ctx, d, "")
    applicability: list[Applicability] = []
    schedule = d.get("schedule")
    if schedule is not None:
        if not isinstance(schedule, list):
            raise ctx.error("schedule", "expected a list of {start, end} windows")
        for i, w in enumerate(schedule):
            f = f"schedule[{i}]"
            if not isinstance(w, dict):
                raise ctx.error(f, f"expected {{start, end}}, got {w!r}")
            lo = _instant(ctx, w.get("start"), start, f"{f}.start")
            hi = _instant(ctx, w.get("end"), start, f"{f}.end")
            if lo is not None and hi is not None and hi <= lo:
                raise ctx.error(f"{f}.end", "window ends before it starts")
            if lo is None and hi is None:
                applicability = []
                break
            applicability.append(Applicability(permanent=False, start=lo, end=hi))
    return Zone(
        identifier=str(ident),
        restriction=restr,
        volumes=tuple(volumes),
        name=i18n_text(d.get("name"))[0],
        message=i18n_text(d.get("message"))[0],
        applicability=tuple(applicability),
    )
