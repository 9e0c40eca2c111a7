"""Errors raised for bad airspace input. Each message says what is wrong and where."""


class AirspaceError(ValueError):
    """Base class: bad geometry, bad zone data, bad coordinates."""


class ZoneFormatError(AirspaceError):
    """A zone file or zone record cannot be read; the message names the zone and field."""

    def __init__(self, message: str, *, zone: str | None = None, field: str | None = None):
        self.zone = zone
        self.field = field
        where = []
        if zone:
            where.append(f"zone {zone!r}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class CoordinateError(AirspaceError):
    """Coordinates out of range, NaN, or apparently in lat/lon order."""
