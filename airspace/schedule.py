"""When zones are active: evaluate applicability (permanent, dated windows, weekly daily
periods) at an instant or as the list of active intervals inside a time window.

Times are aware datetimes. Daily periods written in UTC (``...Z``) are evaluated in UTC, the
others in the deployment's time zone, so "every Saturday 17:00-23:59" means local wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta, tzinfo

from airspace.clock import Clock, require_aware
from airspace.zones import Applicability, DailyPeriod, Zone

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_LAST_SECOND = time(23, 59, 59)

Interval = tuple[datetime, datetime]


_aware = require_aware


def _period_intervals(p: DailyPeriod, t0: datetime, t1: datetime, tz: tzinfo) -> list[Interval]:
    zone = UTC if p.utc else tz
    out: list[Interval] = []
    day = t0.astimezone(zone).date() - timedelta(days=1)
    last = t1.astimezone(zone).date()
    days = {d.upper()[:3] for d in p.days if d and d.upper() != "ANY"}
    while day <= last:
        if not days or WEEKDAYS[day.weekday()] in days:
            start = (
                datetime.combine(day, p.start, zone)
                if p.start
                else datetime.combine(day, datetime.min.time(), zone)
            )
            if p.end is None:
                end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
            else:
                end = datetime.combine(day, p.end, zone)
                if end <= start:
                    end += timedelta(days=1)
                elif p.end >= _LAST_SECOND:
                    # "until 23:59:59" means until midnight, whatever fraction follows
                    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
            lo, hi = max(start, t0), min(end, t1)
            if lo < hi:
                out.append((lo, hi))
        day += timedelta(days=1)
    return out


def applicability_intervals(
    a: Applicability, t0: datetime, t1: datetime, tz: tzinfo
) -> list[Interval]:
    """Active intervals of one applicability item within ``[t0, t1]``."""
    lo = max(t0, a.start) if a.start else t0
    hi = min(t1, a.end) if a.end else t1
    if lo >= hi:
        return []
    if not a.periods:
        return [(lo, hi)]
    out: list[Interval] = []
    for p in a.periods:
        out.extend(_period_intervals(p, lo, hi, tz))
    return merge(out)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    out: list[Interval] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def active_intervals(zone: Zone, t0: datetime, t1: datetime, tz: tzinfo) -> list[Interval]:
    """The intervals within ``[t0, t1]`` during which ``zone`` is active, merged and sorted.

    Examples
    --------
    >>> from datetime import datetime, time
    >>> from zoneinfo import ZoneInfo
    >>> from airspace.zones import Zone, Restriction, Applicability, DailyPeriod
    >>> sh = ZoneInfo("Asia/Shanghai")
    >>> z = Zone("EV", Restriction.PROHIBITED, (), applicability=(
    ...     Applicability(permanent=False, periods=(DailyPeriod(("SAT",), time(9), time(12)),)),))
    >>> [(a.hour, b.hour) for a, b in active_intervals(
    ...     z, datetime(2026, 12, 5, tzinfo=sh), datetime(2026, 12, 6, tzinfo=sh), sh)]
    [(9, 12)]
    """
    _aware(t0, "window start")
    _aware(t1, "window end")
    if t1 <= t0:
        return []
    if not zone.applicability:
        return [(t0, t1)]
    out: list[Interval] = []
    for a in zone.applicability:
        out.extend(applicability_intervals(a, t0, t1, tz))
    return merge(out)


def active_seconds(
    zone: Zone, clock: Clock, t0: datetime, t1: datetime
) -> list[tuple[float, float]]:
    """:func:`active_intervals` within ``[t0, t1]`` as planner seconds of ``clock`` (schedules
    read in its time zone).

    >>> from datetime import UTC
    >>> from airspace.zones import Restriction
    >>> c = Clock(datetime(2026, 12, 1, tzinfo=UTC))
    >>> active_seconds(Zone("Z", Restriction.PROHIBITED, ()), c, c.to_datetime(0), c.to_datetime(60))
    [(0.0, 60.0)]
    """
    return [
        (clock.to_seconds(a), clock.to_seconds(b))
        for a, b in active_intervals(zone, t0, t1, clock.tz)
    ]


def is_active(zone: Zone, at: datetime, tz: tzinfo) -> bool:
    """Whether ``zone`` applies at the instant ``at``."""
    return bool(active_intervals(zone, at, at + timedelta(microseconds=1), tz))
