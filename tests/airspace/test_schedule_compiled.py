"""Compiled schedules answer exactly what evaluating the schedule per query answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from airspace.clock import Clock
from airspace.schedule import active_seconds
from airspace.schedule_compiled import CompiledSchedule
from airspace.zones import Applicability, DailyPeriod, Restriction, Zone

ZONES = 60
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def _time(rng: random.Random) -> time | None:
    pick = rng.random()
    if pick < 0.1:
        return None
    if pick < 0.2:
        return time(23, 59, 59)
    if pick < 0.3:
        return time(0, 0)
    return time(rng.randrange(24), rng.choice((0, 15, 30, 45)), rng.choice((0, 0, 30)))


def _zone(rng: random.Random, epoch: datetime) -> Zone:
    items = []
    for _ in range(rng.randint(1, 3)):
        periods = tuple(
            DailyPeriod(
                tuple(rng.sample(DAYS, rng.randint(0, 3))),
                _time(rng),
                _time(rng),
                utc=rng.random() < 0.3,
            )
            for _ in range(rng.randint(0, 3))
        )
        start = end = None
        if rng.random() < 0.5:
            start = epoch + timedelta(hours=rng.uniform(-100, 300))
            start = start.astimezone(timezone(timedelta(hours=rng.choice((0, 8, -5)))))
        if rng.random() < 0.5:
            end = (start or epoch) + timedelta(hours=rng.uniform(-10, 400))
        items.append(Applicability(permanent=False, start=start, end=end, periods=periods))
    return Zone("Z", Restriction.PROHIBITED, (), applicability=tuple(items))


@pytest.mark.parametrize(
    "tz, epoch",
    [
        (ZoneInfo("Asia/Shanghai"), datetime(2026, 12, 1, tzinfo=UTC)),
        (
            ZoneInfo("Asia/Shanghai"),
            datetime(2026, 12, 5, 7, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
        ),
        (UTC, datetime(2026, 3, 1, tzinfo=UTC)),
        (ZoneInfo("Europe/Zurich"), datetime(2026, 3, 20, tzinfo=UTC)),
        (ZoneInfo("Europe/Zurich"), datetime(2026, 10, 20, tzinfo=UTC)),
        (ZoneInfo("Europe/Zurich"), datetime(2026, 6, 1, tzinfo=UTC)),
    ],
)
def test_compiled_schedules_answer_what_each_query_evaluates(tz, epoch):
    rng = random.Random(f"{tz} {epoch.isoformat()}")
    clock = Clock(epoch, tz)
    for _ in range(ZONES):
        zone = _zone(rng, epoch)
        compiled = CompiledSchedule(zone, clock)
        for _ in range(40):
            lo = rng.choice((rng.uniform(-5e5, 3e6), float(rng.randrange(-86400, 30 * 86400))))
            hi = lo + rng.choice(
                (0.0, -1.0, 1e-7, rng.uniform(0, 7200), rng.uniform(0, 40 * 86400))
            )
            expected = active_seconds(
                zone,
                clock,
                clock.to_datetime(lo),
                clock.to_datetime(hi) + timedelta(microseconds=1),
            )
            assert compiled.within(lo, hi) == expected, (zone, lo, hi)
