"""The conventions every qingkong command shares: exit 2 with a one-line message on bad input
(:class:`BadInput`), ``--json`` for data on stdout (:func:`emit_json`), ``--at`` instants
(:func:`parse_at`)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from airspace.clock import now_utc

EXAMPLE_AT = "2026-12-01T09:00:00+08:00"
"""The RFC 3339 instant the ``--at`` messages give as an example."""


class BadInput(click.ClickException):
    """Bad input from the user: printed as one line ``error: ...``, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        """Print ``error: <message>`` on stderr."""
        click.echo(f"error: {self.format_message()}", err=True)


def emit_json(obj: Any) -> None:
    """Write ``obj`` as JSON on stdout (the ``--json`` output of every command)."""
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def parse_at(
    text: str | None, *, whole_seconds: bool = False, example_for_zone: bool = True
) -> datetime:
    """The instant an ``--at`` option names: RFC 3339 with an offset or ``Z``; now (UTC) without.

    ``whole_seconds`` cuts "now" to whole seconds; ``example_for_zone`` adds the example to the
    message for a date-time without an offset. Bad text is :class:`BadInput`.

    >>> parse_at("2026-12-01T09:00:00+08:00").isoformat()
    '2026-12-01T09:00:00+08:00'
    >>> parse_at("2026-12-01T09:00:00", example_for_zone=False)
    Traceback (most recent call last):
    ...
    cli.common.BadInput: --at '2026-12-01T09:00:00' needs a time zone offset or Z
    """
    if text is None:
        return now_utc(whole_seconds=whole_seconds)
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"--at {text!r} is not an RFC 3339 date-time (e.g. {EXAMPLE_AT})") from None
    if t.tzinfo is None:
        example = f" (e.g. {EXAMPLE_AT})" if example_for_zone else ""
        raise BadInput(f"--at {text!r} needs a time zone offset or Z{example}")
    return t
