"""Field-level reading shared by every zone format: numbers, vertical limits, references,
restrictions, texts (plain or multilingual), dates and times of day.

Every reader works inside a :class:`Context` that knows which zone it is reading, collects
the warnings for quirks it repaired and builds :class:`~airspace.errors.ZoneFormatError`
messages that name the zone and the field to fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, tzinfo

from airspace.errors import ZoneFormatError
from airspace.zones import FEET_M, UNBOUNDED_SENTINEL, Restriction, VerticalReference

UOMS = {"M": "M", "FT": "FT", "METRE": "M", "METER": "M", "METRES": "M", "FEET": "FT"}
PREFERRED_LANG = "en"


@dataclass(frozen=True)
class ZoneWarning:
    """A quirk of the input that was repaired; says which zone and field."""

    message: str
    zone: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = []
        if self.zone:
            where.append(f"zone {self.zone!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Context:
    """Where a reader is (zone, field prefix) and the warnings gathered so far."""

    tz: tzinfo = UTC
    zone: str | None = None
    warnings: list[ZoneWarning] = field(default_factory=list)

    def for_zone(self, zone: str | None) -> Context:
        """A context for one zone that shares this context's warning list."""
        return Context(tz=self.tz, zone=zone, warnings=self.warnings)

    def warn(self, field_name: str | None, message: str) -> None:
        """Record a warning about ``field_name`` of the current zone."""
        self.warnings.append(ZoneWarning(message, self.zone, field_name))

    def error(self, field_name: str | None, message: str) -> ZoneFormatError:
        """A format error about ``field_name`` of the current zone (to raise)."""
        return ZoneFormatError(message, zone=self.zone, field=field_name)


def number(ctx: Context, value: object, field_name: str) -> float:
    """A finite float; numbers written as strings (``"0"``) are accepted with a warning."""
    if isinstance(value, bool) or value is None:
        raise ctx.error(field_name, f"expected a number, got {value!r}")
    if isinstance(value, int | float):
        out = float(value)
    elif isinstance(value, str):
        try:
            out = float(value.strip())
        except ValueError:
            raise ctx.error(field_name, f"expected a number, got {value!r}") from None
        if math.isfinite(out):
            ctx.warn(field_name, f"number written as a string ({value!r}); read as {out:g}")
    else:
        raise ctx.error(field_name, f"expected a number, got {type(value).__name__}")
    if not math.isfinite(out):
        raise ctx.error(field_name, f"must be a finite number, got {value!r}")
    return out


def uom(ctx: Context, value: object, field_name: str) -> str:
    """The unit of a vertical limit: ``"M"`` or ``"FT"`` (missing: metres, with a warning)."""
    if value is None or value == "":
        ctx.warn(field_name, "no unit of measure given; limits read as metres")
        return "M"
    key = str(value).strip().upper()
    if key not in UOMS:
        raise ctx.error(field_name, f"unknown unit {value!r}; use M or FT")
    return UOMS[key]


def limit_m(ctx: Context, value: object, unit: str, field_name: str) -> float | None:
    """A vertical limit in metres; ``None``/``null`` and 99999 (any unit) mean unbounded."""
    if value is None:
        return None
    n = number(ctx, value, field_name)
    if n == UNBOUNDED_SENTINEL:
        return None
    return n * FEET_M if unit == "FT" else n


def limit_in_uom(value_m: float | None, unit: str) -> float | None:
    """Write a limit back in its file's unit (inverse of :func:`limit_m`).

    Feet are rounded to 1e-6 ft so that ``250 ft -> 76.2 m -> 250 ft`` is exact; whole numbers
    are written as integers.
    """
    if value_m is None:
        return None
    v = round(value_m / FEET_M, 6) if unit == "FT" else value_m
    return int(v) if v == int(v) else v


def reference(ctx: Context, value: object, field_name: str) -> VerticalReference:
    """A vertical reference (AGL/AMSL/WGS84, aliases SFC/MSL/W84); missing means AGL."""
    if value is None or value == "":
        ctx.warn(field_name, "no vertical reference given; read as AGL")
        return VerticalReference.AGL
    try:
        return VerticalReference.parse(str(value))
    except ValueError:
        raise ctx.error(
            field_name, f"unknown vertical reference {value!r}; use AGL, AMSL or WGS84"
        ) from None


def restriction(ctx: Context, value: object, field_name: str) -> Restriction:
    """A restriction in any accepted spelling (``REQ_AUTHORIZATION`` too)."""
    if value is None or value == "":
        raise ctx.error(field_name, "missing restriction")
    if str(value).strip().upper() == "USPACE":
        ctx.warn(field_name, "U-space zone read as REQ_AUTHORISATION")
        return Restriction.REQ_AUTHORISATION
    try:
        return Restriction.parse(str(value))
    except ValueError:
        allowed = ", ".join(r.value for r in Restriction)
        raise ctx.error(
            field_name, f"unknown restriction {value!r}; use one of {allowed}"
        ) from None


def i18n_text(value: object) -> tuple[str, list | None]:
    """A text that may be multilingual (``[{"text", "lang"}]``).

    Returns the English text (or the first one) and the original list, or ``None`` when the
    value was a plain string.
    """
    if value is None:
        return "", None
    if isinstance(value, list):
        items = [v for v in value if isinstance(v, dict) and "text" in v]
        if not items:
            return " ".join(str(v) for v in value if v is not None), None
        chosen = next(
            (v for v in items if str(v.get("lang", "")).lower().startswith(PREFERRED_LANG)),
            items[0],
        )
        return str(chosen["text"]), value
    if isinstance(value, dict) and "text" in value:
        return str(value["text"]), [value]
    return str(value), None


def texts(value: object) -> tuple[str, ...]:
    """A list of strings that some files write as a single string."""
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        return tuple(
            i18n_text(v)[0] if isinstance(v, dict) else str(v) for v in value if v is not None
        )
    return (str(value),)


def parse_datetime(ctx: Context, value: object, field_name: str) -> datetime | None:
    """An RFC 3339 date-time; without an offset it is read in the deployment's time zone."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # YAML reads timestamps itself
        return value if value.tzinfo is not None else value.replace(tzinfo=ctx.tz)
    if not isinstance(value, str):
        raise ctx.error(field_name, f"expected an RFC 3339 date-time string, got {value!r}")
    text = value.strip()
    try:
        t = datetime.fromisoformat(_trim_fraction(text))
    except ValueError:
        raise ctx.error(field_name, f"not an RFC 3339 date-time: {value!r}") from None
    if t.tzinfo is None:
        ctx.warn(
            field_name, f"date-time {value!r} has no offset; read in the deployment's time zone"
        )
        t = t.replace(tzinfo=ctx.tz)
    return t


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _trim_fraction(text: str) -> str:
    return _FRACTION.sub(r"\1", text)


_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]00:?00)?$", re.IGNORECASE)


def parse_time_of_day(ctx: Context, value: object, field_name: str) -> tuple[time | None, bool]:
    """A wall-clock time ``HH:MM[:SS[.ff]][Z]``; returns the time and whether it is UTC.

    Times ending in ``Z`` are UTC; times without it are in the deployment's time zone.
    ``None`` means "not given" (start or end of the day).
    """
    if value is None or value == "":
        return None, False
    m = _TIME.match(str(value).strip())
    if not m:
        raise ctx.error(
            field_name,
            f"not a time of day: {value!r}; write HH:MM:SS with Z for UTC or without for local time",
        )
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    micro = int((m[4] or "0")[:6].ljust(6, "0"))
    if hour == 24 and minute == 0 and second == 0 and micro == 0:
        hour, minute, second, micro = 23, 59, 59, 0
    if hour > 23 or minute > 59 or second > 59:
        raise ctx.error(field_name, f"time of day out of range: {value!r}")
    return time(hour, minute, second, micro), m[5] is not None


def format_time_of_day(t: time | None, utc: bool) -> str | None:
    """Write a time of day as ED-269 does (``17:00:00.00Z``)."""
    if t is None:
        return None
    us = t.microsecond
    frac = f".{us // 10000:02d}" if us % 10000 == 0 else f".{us:06d}"
    return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}{frac}{'Z' if utc else ''}"


def format_datetime(t: datetime | None) -> str | None:
    """Write an aware date-time as RFC 3339 (UTC as ``Z``)."""
    if t is None:
        return None
    s = t.isoformat()
    return s[:-6] + "Z" if s.endswith("+00:00") else s
