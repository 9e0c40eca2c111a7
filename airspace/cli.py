"""Command-line pieces of ``airspace``: the ``qingkong zones`` and ``qingkong corridors``
groups, and the conventions every qingkong command shares (exit 2 with a one-line message on
bad input, ``--json`` for data on stdout)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


class BadInput(click.ClickException):
    """Bad input from the user: printed as one line ``error: ...``, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        """Print the message as ``error: ...`` on stderr."""
        click.echo(f"error: {self.format_message()}", err=True)


def emit_json(obj: Any) -> None:
    """Write ``obj`` as JSON on stdout (the ``--json`` output of every command)."""
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write("\n")


@click.group(name="zones")
def zones_group() -> None:
    """Read, check and convert zone files (ED-269, ED-318, GeoJSON)."""


@click.group(name="corridors")
def corridors_group() -> None:
    """Check corridor networks (GeoJSON LineStrings and vertiports)."""


import airspace.corridors_cli  # noqa: E402,F401  (registers `corridors check`)
from airspace import zones_cli  # noqa: E402,F401  (registers `zones check` and `zones convert`)
