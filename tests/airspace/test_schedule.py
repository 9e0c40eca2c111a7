"""When zones are active: permanent, dated windows, weekly daily periods in UTC or local time,
periods past midnight, and the invariants of ``active_intervals``."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airspace.schedule import WEEKDAYS, active_intervals, is_active
from airspace.zones import Applicability, DailyPeriod, Restriction, Zone

SH = ZoneInfo("Asia/Shanghai")
ZURICH = ZoneInfo("Europe/Zurich")


def zone(*applicability: Applicability) -> Zone:
    return Zone("Z", Restriction.PROHIBITED, (), applicability=applicability)


def weekly(*periods: DailyPeriod, start=None, end=None) -> Zone:
    return zone(Applicability(permanent=False, start=start, end=end, periods=periods))


def test_permanent_zone_is_active_over_the_whole_window():
    t0, t1 = datetime(2026, 12, 1, tzinfo=SH), datetime(2026, 12, 3, tzinfo=SH)
    assert active_intervals(zone(), t0, t1, SH) == [(t0, t1)]
    assert active_intervals(zone(Applicability(permanent=True)), t0, t1, SH) == [(t0, t1)]


def test_dated_window_is_clipped_to_the_query():
    a = Applicability(
        permanent=False,
        start=datetime(2026, 12, 1, 9, tzinfo=SH),
        end=datetime(2026, 12, 1, 11, tzinfo=SH),
    )
    z = zone(a)
    assert active_intervals(
        z, datetime(2026, 12, 1, 10, tzinfo=SH), datetime(2026, 12, 2, tzinfo=SH), SH
    ) == [(datetime(2026, 12, 1, 10, tzinfo=SH), datetime(2026, 12, 1, 11, tzinfo=SH))]
    assert not is_active(z, datetime(2026, 12, 1, 11, tzinfo=SH), SH)  # the end is exclusive
    assert is_active(z, datetime(2026, 12, 1, 9, tzinfo=SH), SH)


def test_local_period_follows_the_deployment_clock():
    z = weekly(DailyPeriod(("TUE",), time(9), time(17)))
    assert is_active(z, datetime(2026, 12, 1, 9, 0, tzinfo=SH), SH)  # Tuesday
    assert not is_active(z, datetime(2026, 12, 1, 17, 0, tzinfo=SH), SH)
    assert not is_active(z, datetime(2026, 12, 2, 10, 0, tzinfo=SH), SH)  # Wednesday
    # the same zone read by a deployment in Zurich is on Zurich's clock
    assert is_active(z, datetime(2026, 12, 1, 9, 0, tzinfo=ZURICH), ZURICH)
    assert is_active(z, datetime(2026, 12, 1, 9, 0, tzinfo=ZURICH), SH)  # 16:00 in Shanghai
    assert not is_active(z, datetime(2026, 12, 1, 12, 0, tzinfo=ZURICH), SH)  # 19:00 in Shanghai


def test_utc_period_ignores_the_deployment_clock():
    z = weekly(DailyPeriod(("SAT", "SUN"), time(17), time(23, 59, 59), utc=True))
    saturday_18z = datetime(2022, 6, 18, 18, tzinfo=UTC)
    assert is_active(z, saturday_18z, SH) and is_active(z, saturday_18z, ZURICH)
    assert not is_active(z, datetime(2022, 6, 18, 16, tzinfo=UTC), SH)


def test_period_until_23_59_59_runs_to_midnight():
    z = weekly(DailyPeriod(("SAT", "SUN"), time(17), time(23, 59, 59), utc=True))
    assert is_active(z, datetime(2022, 6, 18, 23, 59, 59, 900000, tzinfo=UTC), SH)
    intervals = active_intervals(
        z, datetime(2022, 6, 18, tzinfo=UTC), datetime(2022, 6, 20, tzinfo=UTC), SH
    )
    assert intervals == [
        (datetime(2022, 6, 18, 17, tzinfo=UTC), datetime(2022, 6, 19, tzinfo=UTC)),
        (datetime(2022, 6, 19, 17, tzinfo=UTC), datetime(2022, 6, 20, tzinfo=UTC)),
    ]


def test_fractional_last_second_does_not_spill_into_the_next_day():
    z = weekly(DailyPeriod(("SAT",), time(17), time(23, 59, 59, 990000), utc=True))
    assert is_active(z, datetime(2022, 6, 18, 23, 59, 59, 995000, tzinfo=UTC), SH)
    assert not is_active(z, datetime(2022, 6, 19, 0, 0, 0, 500000, tzinfo=UTC), SH)


def test_whole_days_merge_across_midnight():
    z = weekly(DailyPeriod(("SAT", "SUN"), time(0), time(23, 59, 59)))
    intervals = active_intervals(
        z, datetime(2026, 12, 4, tzinfo=SH), datetime(2026, 12, 8, tzinfo=SH), SH
    )
    assert intervals == [(datetime(2026, 12, 5, tzinfo=SH), datetime(2026, 12, 7, tzinfo=SH))]


def test_period_past_midnight_belongs_to_its_start_day():
    z = weekly(DailyPeriod(("FRI",), time(22), time(2)))
    assert is_active(z, datetime(2026, 12, 4, 23, tzinfo=SH), SH)  # Friday night
    assert is_active(z, datetime(2026, 12, 5, 1, 30, tzinfo=SH), SH)  # early Saturday
    assert not is_active(z, datetime(2026, 12, 5, 23, tzinfo=SH), SH)  # Saturday night
    assert not is_active(z, datetime(2026, 12, 4, 1, 30, tzinfo=SH), SH)  # early Friday


def test_periods_inside_a_dated_season_only():
    z = weekly(
        DailyPeriod(("SAT",), time(9), time(12)),
        start=datetime(2026, 12, 1, tzinfo=SH),
        end=datetime(2027, 1, 1, tzinfo=SH),
    )
    assert is_active(z, datetime(2026, 12, 5, 10, tzinfo=SH), SH)
    assert not is_active(z, datetime(2027, 1, 2, 10, tzinfo=SH), SH)
    assert not is_active(z, datetime(2026, 11, 28, 10, tzinfo=SH), SH)


def test_expired_zone_is_never_active():
    a = Applicability(
        permanent=False,
        start=datetime(2022, 1, 1, tzinfo=UTC),
        end=datetime(2023, 1, 1, tzinfo=UTC),
    )
    assert (
        active_intervals(
            zone(a), datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC), SH
        )
        == []
    )


def test_empty_or_reversed_window_gives_nothing():
    t = datetime(2026, 12, 1, tzinfo=SH)
    assert active_intervals(zone(), t, t, SH) == []
    assert active_intervals(zone(), t, t - timedelta(hours=1), SH) == []


def test_naive_window_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        active_intervals(zone(), datetime(2026, 12, 1), datetime(2026, 12, 2, tzinfo=SH), SH)


# --- invariants against a brute-force reading of the wall clock --------------------------------


def naive_in_period(p: DailyPeriod, t: datetime, tz) -> bool:
    """Obviously-correct twin: look at the wall clock at ``t`` and at the day before."""
    local = t.astimezone(UTC if p.utc else tz)
    start = p.start or time(0)
    end = time(0) if p.end is None or p.end >= time(23, 59, 59) else p.end
    days = set(p.days) or set(WEEKDAYS)
    today = WEEKDAYS[local.weekday()] in days
    yesterday = WEEKDAYS[(local.weekday() - 1) % 7] in days
    now = local.time().replace(tzinfo=None)
    if end > start:
        return today and start <= now < end
    return (today and now >= start) or (yesterday and now < end)


periods = st.builds(
    DailyPeriod,
    days=st.lists(st.sampled_from(WEEKDAYS), max_size=3, unique=True).map(tuple),
    start=st.one_of(st.none(), st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))),
    end=st.one_of(
        st.none(),
        st.just(time(23, 59, 59)),
        st.builds(time, st.integers(0, 23), st.sampled_from([0, 30, 59])),
    ),
    utc=st.booleans(),
)
instants = st.integers(0, 30 * 24 * 3600).map(
    lambda s: datetime(2026, 11, 20, tzinfo=UTC) + timedelta(seconds=s)
)


@settings(max_examples=200, deadline=None)
@given(periods, instants, st.integers(1, 5 * 24 * 3600), st.sampled_from([SH, ZURICH]))
def test_intervals_are_sorted_disjoint_inside_the_window_and_match_the_clock(p, t0, span_s, tz):
    z = weekly(p)
    t1 = t0 + timedelta(seconds=span_s)
    intervals = active_intervals(z, t0, t1, tz)
    for lo, hi in intervals:
        assert t0 <= lo < hi <= t1
    for (_, hi), (lo, _) in zip(intervals, intervals[1:], strict=False):
        assert hi < lo
    for k in range(12):
        t = t0 + (t1 - t0) * (k / 12)
        inside = any(lo <= t < hi for lo, hi in intervals)
        assert inside == naive_in_period(p, t, tz) == is_active(z, t, tz)
