"""The one clock: instants as planner seconds after an epoch, RFC 3339 at the edge.

Inside the service every time is *planner seconds* (``t_s``, a float) after an aware epoch;
people and files see RFC 3339 with an offset, shown in the deployment's time zone. This
module is the only place that converts between the two (and reads "now"), so every layer
above (``planner``, ``api``, ``scenarios``) uses it instead of its own copy.

Examples
--------
>>> from datetime import datetime, timezone
>>> from zoneinfo import ZoneInfo
>>> clock = Clock(datetime(2026, 12, 1, tzinfo=timezone.utc), ZoneInfo("Asia/Shanghai"))
>>> clock.to_seconds(parse_rfc3339("2026-12-01T09:00:00+08:00"))
3600.0
>>> clock.to_datetime(3600.0).isoformat()
'2026-12-01T01:00:00+00:00'
>>> clock.say(3600.0)
'2026-12-01T09:00:00+08:00 (t=3600 s)'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo


def is_aware(t: datetime) -> bool:
    """Whether ``t`` carries a time zone (an offset that is not ``None``).

    >>> is_aware(datetime(2026, 12, 1)), is_aware(datetime(2026, 12, 1, tzinfo=UTC))
    (False, True)
    """
    return t.tzinfo is not None and t.tzinfo.utcoffset(t) is not None


def require_aware(t: datetime, what: str = "times") -> datetime:
    """``t`` itself if it carries a time zone; ``ValueError`` otherwise.

    >>> require_aware(datetime(2026, 12, 1), "epoch")
    Traceback (most recent call last):
    ...
    ValueError: epoch must carry a time zone (RFC 3339 with an offset or Z)
    """
    if not is_aware(t):
        raise ValueError(f"{what} must carry a time zone (RFC 3339 with an offset or Z)")
    return t


def read_datetime(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 date-time as written (``Z`` read as UTC), aware when the text
    gives an offset and naive otherwise: callers that need an offset check it and word their
    own message (:func:`parse_rfc3339` does both).

    >>> read_datetime("2026-12-01T09:00:00Z").isoformat()
    '2026-12-01T09:00:00+00:00'
    >>> read_datetime("2026-12-01T09:00:00").tzinfo is None
    True
    """
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 date-time as an aware datetime; ``Z`` means UTC.

    Raises ``ValueError`` for text that is no date-time and for one without an offset (the
    callers word their own messages).

    >>> parse_rfc3339("2026-12-01T09:00:00Z").isoformat()
    '2026-12-01T09:00:00+00:00'
    >>> parse_rfc3339("2026-12-01T09:00:00")
    Traceback (most recent call last):
    ...
    ValueError: '2026-12-01T09:00:00' has no time zone offset
    """
    t = read_datetime(str(text).strip())
    if not is_aware(t):
        raise ValueError(f"{text!r} has no time zone offset")
    return t


def now_utc(*, whole_seconds: bool = False) -> datetime:
    """The current instant, aware, in UTC (optionally cut to whole seconds)."""
    t = datetime.now(UTC)
    return t.replace(microsecond=0) if whole_seconds else t


@dataclass(frozen=True)
class Clock:
    """Planner seconds after ``epoch`` and back; ``tz`` is the zone people read times in.

    Parameters
    ----------
    epoch : datetime
        Aware instant of ``t_s = 0``.
    tz : tzinfo
        The deployment's time zone, for display.
    """

    epoch: datetime
    tz: tzinfo = UTC

    def __post_init__(self) -> None:
        """Refuse a naive epoch."""
        require_aware(self.epoch, "epoch")

    def to_seconds(self, t: datetime) -> float:
        """Planner seconds of an aware instant."""
        require_aware(t)
        return (t - self.epoch).total_seconds()

    def to_datetime(self, t_s: float) -> datetime:
        """The aware instant of planner seconds ``t_s`` (in the epoch's zone)."""
        return self.epoch + timedelta(seconds=float(t_s))

    def local(self, t_s: float) -> datetime:
        """The instant of ``t_s`` in the deployment's time zone."""
        return self.to_datetime(t_s).astimezone(self.tz)

    def rfc3339(self, t_s: float, timespec: str = "seconds") -> str:
        """RFC 3339 text of ``t_s`` in the deployment's time zone.

        >>> Clock(datetime(2026, 12, 1, tzinfo=UTC)).rfc3339(90.5, "milliseconds")
        '2026-12-01T00:01:30.500+00:00'
        """
        return self.local(t_s).isoformat(timespec=timespec)

    def say(self, t_s: float) -> str:
        """Planner seconds as people read them: RFC 3339 in the deployment's time zone, with
        the planner seconds after it (``2026-12-01T08:00:00+08:00 (t=3600 s)``); just the
        seconds when the instant is out of range."""
        try:
            local = self.local(t_s)
        except (OverflowError, ValueError):
            return f"t={t_s:g} s"
        return f"{local.isoformat(timespec='seconds')} (t={t_s:.0f} s)"


def at_whole_us(epoch: datetime, t_s: float, rounding: Callable[[float], int]) -> datetime:
    """``epoch + t_s`` rounded to a whole microsecond by ``math.floor`` or ``math.ceil``
    (outward for intervals); float noise below a nanosecond is not rounded outward."""
    t_us = t_s * 1e6
    nearest = round(t_us)
    return epoch + timedelta(microseconds=nearest if abs(t_us - nearest) < 1e-3 else rounding(t_us))
