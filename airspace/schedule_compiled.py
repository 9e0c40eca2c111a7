"""A zone's schedule compiled to planner time once, for the queries that follow: its active
intervals over a horizon of whole weeks, as integer microseconds after the clock's epoch.
A query clips them to its window in integers, so the schedule is not evaluated again until a
query reaches past the horizon (which is then widened and evaluated once more).

The answers are those of :func:`airspace.schedule.active_seconds` over the window
``[clock.to_datetime(t_lo_s), clock.to_datetime(t_hi_s) + 1 µs]``, to the bit: the active
set of a window is the horizon's active set clipped to it (merged intervals are maximal, so
clipped ones stay so); the window's ends are the microseconds ``Clock.to_datetime`` rounds
to; seconds are made from whole microseconds as ``timedelta.total_seconds`` makes them. Where
the clock's time zone changes its UTC offset inside the horizon (daylight saving), wall-clock
times can repeat and aware datetimes of one zone compare by wall clock, so such a horizon is
not compiled: those queries evaluate the schedule as before.

Examples
--------
>>> from datetime import UTC, datetime, time
>>> from airspace.zones import Applicability, DailyPeriod, Restriction, Zone
>>> clock = Clock(datetime(2026, 12, 1, tzinfo=UTC))
>>> daily = Applicability(permanent=False, periods=(DailyPeriod((), time(9), time(10)),))
>>> s = CompiledSchedule(Zone("Z", Restriction.PROHIBITED, (), applicability=(daily,)), clock)
>>> s.within(0.0, 2 * 86400.0)
[(32400.0, 36000.0), (118800.0, 122400.0)]
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airspace.clock import Clock
from airspace.schedule import active_intervals, active_seconds
from airspace.zones import Zone

_US = timedelta(microseconds=1)
_DAY = timedelta(days=1)
_WEEK_US = 7 * 86_400 * 1_000_000


class CompiledSchedule:
    """The active intervals of ``zone`` on ``clock``, evaluated once per horizon."""

    def __init__(self, zone: Zone, clock: Clock):
        self.zone = zone
        self.clock = clock
        self._horizon: tuple[int, int, list[tuple[int, int]] | None] = (0, -1, [])
        """``(lo_us, hi_us, spans_us)``, replaced whole (readers on other threads see one
        horizon); ``spans_us`` is ``None`` where the horizon is not compiled (the offset
        changes in it)."""

    def within(self, t_lo_s: float, t_hi_s: float) -> list[tuple[float, float]]:
        """The active intervals inside ``[t_lo_s, t_hi_s]`` (planner seconds), as
        :func:`~airspace.schedule.active_seconds` gives them (see the module docstring)."""
        t0 = timedelta(seconds=float(t_lo_s)) // _US
        t1 = timedelta(seconds=float(t_hi_s)) // _US + 1
        if t1 <= t0:
            return []
        if not self.zone.applicability:
            return [(t0 / 1_000_000, t1 / 1_000_000)]
        lo_us, hi_us, spans_us = self._horizon
        if t0 < lo_us or t1 > hi_us:
            lo_us, hi_us, spans_us = self._horizon = self._cover(t0, t1, lo_us, hi_us)
        if spans_us is None:
            epoch = self.clock.epoch
            return active_seconds(self.zone, self.clock, epoch + t0 * _US, epoch + t1 * _US)
        out: list[tuple[float, float]] = []
        for a, b in spans_us:
            if a >= t1:
                break
            lo, hi = max(a, t0), min(b, t1)
            if lo < hi:
                out.append((lo / 1_000_000, hi / 1_000_000))
        return out

    def _cover(
        self, t0_us: int, t1_us: int, old_lo_us: int, old_hi_us: int
    ) -> tuple[int, int, list[tuple[int, int]] | None]:
        """The horizon widened to whole weeks around the old one and ``[t0_us, t1_us]``, with
        a week to spare each side, and the schedule evaluated over it once."""
        lo = min(t0_us, old_lo_us) if old_hi_us >= old_lo_us else t0_us
        hi = max(t1_us, old_hi_us)
        lo = (lo // _WEEK_US - 1) * _WEEK_US
        hi = (-(-hi // _WEEK_US) + 1) * _WEEK_US
        epoch = self.clock.epoch
        try:
            start, end = epoch + lo * _US, epoch + hi * _US
        except OverflowError:  # near the ends of the calendar: no horizon, as before
            return t0_us, t1_us, None
        if _offset_changes(self.clock, start, end):
            return lo, hi, None
        spans = active_intervals(self.zone, start, end, self.clock.tz)
        return lo, hi, [((a - epoch) // _US, (b - epoch) // _US) for a, b in spans]


def _offset_changes(clock: Clock, start: datetime, end: datetime) -> bool:
    """Whether the clock's time zone has more than one UTC offset from ``start`` to ``end``
    (read at every day's boundary; no zone changes its offset and back within a day)."""
    tz = clock.tz
    first = start.astimezone(tz).utcoffset()
    t = start
    while t < end:
        t = min(t + _DAY, end)
        if t.astimezone(tz).utcoffset() != first:
            return True
    return False
