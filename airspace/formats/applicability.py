"""Reading and writing when a zone applies, as ED-269 ``applicability`` and ED-318
``limitedApplicability`` write it: permanent, dated windows, weekly daily periods (``schedule``
or ``dailyPeriod`` lists of ``{day, startTime, endTime}``).

Normalised so that equal meanings compare equal: anything that is "always" (a permanent item
without dates or periods, or a whole-day-every-day period) becomes an empty applicability
tuple, which :mod:`airspace.schedule` reads as permanently active.
"""

from __future__ import annotations

from airspace.formats.fields import (
    Context,
    format_datetime,
    format_time_of_day,
    parse_datetime,
    parse_time_of_day,
)
from airspace.schedule import WEEKDAYS
from airspace.zones import Applicability, DailyPeriod

_DAY_NAMES = {d: d for d in WEEKDAYS} | {
    "MONDAY": "MON",
    "TUESDAY": "TUE",
    "WEDNESDAY": "WED",
    "THURSDAY": "THU",
    "FRIDAY": "FRI",
    "SATURDAY": "SAT",
    "SUNDAY": "SUN",
}


def _days(ctx: Context, value: object, field_name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ctx.error(field_name, f"expected a list of weekdays (MON..SUN, ANY), got {value!r}")
    out: list[str] = []
    for d in items:
        key = str(d).strip().upper()
        if key == "ANY":
            return ()
        if key not in _DAY_NAMES:
            raise ctx.error(
                field_name, f"unknown weekday {d!r}; use MON, TUE, WED, THU, FRI, SAT, SUN or ANY"
            )
        if _DAY_NAMES[key] not in out:
            out.append(_DAY_NAMES[key])
    return tuple(sorted(out, key=WEEKDAYS.index))


def _period(ctx: Context, p: object, field_name: str) -> DailyPeriod:
    if not isinstance(p, dict):
        raise ctx.error(field_name, f"expected an object {{day, startTime, endTime}}, got {p!r}")
    days = _days(ctx, p.get("day", p.get("days")), f"{field_name}.day")
    start, start_utc = parse_time_of_day(ctx, p.get("startTime"), f"{field_name}.startTime")
    end, end_utc = parse_time_of_day(ctx, p.get("endTime"), f"{field_name}.endTime")
    if start is not None and end is not None and start_utc != end_utc:
        raise ctx.error(
            field_name, "startTime and endTime mix UTC (Z) and local time; write both the same way"
        )
    for key in ("startEvent", "endEvent"):
        if p.get(key):
            ctx.warn(
                f"{field_name}.{key}",
                f"event {p[key]!r} (sunrise/sunset) not supported; the zone is taken as active all that day",
            )
            if key == "startEvent":
                start = None
            else:
                end = None
    return DailyPeriod(days=days, start=start, end=end, utc=start_utc or end_utc)


def _is_whole_day_every_day(p: DailyPeriod) -> bool:
    return not p.days and p.start is None and p.end is None


def parse_applicability(ctx: Context, value: object, field_name: str) -> tuple[Applicability, ...]:
    """ED-269 ``applicability`` / ED-318 ``limitedApplicability`` to the model (normalised)."""
    if value is None:
        return ()
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise ctx.error(field_name, f"expected a list of applicability objects, got {value!r}")
    out: list[Applicability] = []
    for i, a in enumerate(items):
        f = f"{field_name}[{i}]"
        if not isinstance(a, dict):
            raise ctx.error(f, f"expected an object, got {a!r}")
        start = parse_datetime(ctx, a.get("startDateTime"), f"{f}.startDateTime")
        end = parse_datetime(ctx, a.get("endDateTime"), f"{f}.endDateTime")
        if start is not None and end is not None and end <= start:
            raise ctx.error(
                f"{f}.endDateTime",
                f"ends ({end.isoformat()}) before it starts ({start.isoformat()})",
            )
        raw_periods: list = []
        for key in ("schedule", "dailyPeriod"):
            v = a.get(key)
            if v is None:
                continue
            if not isinstance(v, list):
                v = [v]
            raw_periods.extend((f"{f}.{key}[{j}]", p) for j, p in enumerate(v))
        periods = tuple(_period(ctx, p, pf) for pf, p in raw_periods)
        if any(_is_whole_day_every_day(p) for p in periods):
            periods = ()
        if start is None and end is None and not periods:
            return ()
        out.append(Applicability(permanent=False, start=start, end=end, periods=periods))
    return tuple(out)


def applicability_to_json(applicability: tuple[Applicability, ...], *, ed269: bool) -> list[dict]:
    """The model back to ED-269 ``applicability`` (``ed269=True``) or ED-318
    ``limitedApplicability`` items (an empty list for a permanent zone in ED-318)."""
    if not applicability:
        return [{"permanent": "YES"}] if ed269 else []
    out = []
    for a in applicability:
        item: dict = {"permanent": "NO"} if ed269 else {}
        if a.start is not None:
            item["startDateTime"] = format_datetime(a.start)
        if a.end is not None:
            item["endDateTime"] = format_datetime(a.end)
        if a.periods:
            item["schedule"] = [
                {
                    "day": list(p.days) or ["ANY"],
                    "startTime": format_time_of_day(p.start, p.utc),
                    "endTime": format_time_of_day(p.end, p.utc),
                }
                for p in a.periods
            ]
        out.append(item)
    return out
