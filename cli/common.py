"""The conventions every qingkong command shares: exit 2 with a one-line message on bad input
(:class:`BadInput`), ``--json`` for data on stdout (:func:`emit_json`)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


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
