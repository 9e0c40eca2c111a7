"""``qingkong zones check`` and ``qingkong zones convert``: read any supported zone file, report
what it holds and what was repaired, or write it in another format.

``check --json`` prints the normalised zones as GeoJSON, one Feature per volume (the contract
other tools read: see :func:`airspace.formats.zones_to_geojson`).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import click

from airspace.deployment import QINGDAO
from airspace.errors import AirspaceError
from airspace.formats import (
    QINGDAO_ZONES_PATH,
    ZoneFile,
    read_zone_file,
    zones_to_ed269,
    zones_to_ed318,
    zones_to_geojson,
)
from airspace.schedule import is_active
from airspace.zones import Restriction, Zone, ZoneVolume
from cli.common import BadInput, emit_json, parse_at


@click.group(name="zones")
def zones_group() -> None:
    """Read, check and convert zone files (ED-269, ED-318, GeoJSON)."""


def _read(file: str | None, demo: bool) -> ZoneFile:
    if demo and file:
        raise BadInput("give either FILE or --demo, not both")
    if not demo and not file:
        raise BadInput("missing FILE (a zone file: ED-269, ED-318, GeoJSON) or --demo")
    try:
        return read_zone_file(QINGDAO_ZONES_PATH if demo else Path(file), deployment=QINGDAO)  # type: ignore[arg-type]
    except AirspaceError as e:
        raise BadInput(str(e)) from None


def _limit(value_m: float | None, ref: str) -> str:
    return "unbounded" if value_m is None else f"{value_m:g} m {ref}"


def _band(v: ZoneVolume) -> str:
    lower = "GND" if v.lower_m is None else _limit(v.lower_m, v.lower_reference.value)
    band = f"{lower} .. {_limit(v.upper_m, v.upper_reference.value)}"
    return f"{band} (file in feet)" if v.uom == "FT" else band


def _summary(zf: ZoneFile, zones: list[Zone], at: datetime) -> list[str]:
    tz = QINGDAO.tz
    active = [is_active(z, at, tz) for z in zones]
    counts = Counter(z.restriction for z in zones)
    lines = [
        f"file: {zf.source}",
        f"format: {zf.format}",
        f"zones: {len(zones)}",
        f"volumes: {sum(len(z.volumes) for z in zones)}",
        "by restriction: " + ", ".join(f"{r.value} {counts[r]}" for r in Restriction if counts[r]),
        f"active at {at.isoformat()}: {sum(active)} of {len(zones)}",
    ]
    for z, a in zip(zones, active, strict=True):
        lines.append(
            f"  {z.identifier}: {z.restriction.value}, {len(z.volumes)} volume(s), "
            f"{'active' if a else 'inactive'}{'' if z.is_permanent else ' (scheduled)'}"
        )
        lines.extend(f"    {_band(v)}" for v in z.volumes)
    lines.append(f"warnings: {len(zf.warnings)}")
    lines.extend(f"  - {w}" for w in zf.warnings)
    return lines


@zones_group.command("check")
@click.argument("file", required=False)
@click.option(
    "--at", "at_text", metavar="RFC3339", help="Instant for the `active` flags (default: now)."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the normalised zones as GeoJSON, one Feature per volume.",
)
@click.option(
    "--demo", is_flag=True, help="Check the shipped Qingdao demo airspace (illustrative data)."
)
def check_command(file: str | None, at_text: str | None, as_json: bool, demo: bool) -> None:
    """Read a zone file (ED-269, ED-318, GeoJSON, BlueSky geofences) and report on it.

    Prints the format, zone and volume counts, zones by restriction, which are active, and
    the repairs made. Exits 2 with a one-line message when the file cannot be read.
    """
    at = parse_at(at_text)
    zf = _read(file, demo)
    if demo:
        zf.source = str(QINGDAO_ZONES_PATH)
    if as_json:
        for w in zf.warnings:
            click.echo(f"warning: {w}", err=True)
        emit_json(zones_to_geojson(zf.zones, at=at, deployment=QINGDAO))
        return
    click.echo("\n".join(_summary(zf, zf.zones, at)))


@zones_group.command("convert")
@click.argument("file")
@click.option(
    "--to",
    "target",
    type=click.Choice(["ed269", "ed318", "geojson"]),
    required=True,
    help="Output format (GeoJSON writes one Feature per volume, circles as polygons).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of stdout.",
)
def convert_command(file: str, target: str, output: Path | None) -> None:
    """Convert a zone file to ED-269 (UASZoneList layout), ED-318 or GeoJSON."""
    zf = _read(file, False)
    for w in zf.warnings:
        click.echo(f"warning: {w}", err=True)
    if target == "ed269":
        doc = zones_to_ed269(zf.zones)
    elif target == "ed318":
        doc = zones_to_ed318(zf.zones)
    else:
        doc = zones_to_geojson(zf.zones, deployment=QINGDAO)
    if output is None:
        emit_json(doc)
        return
    try:
        output.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise BadInput(f"{output}: cannot write ({e.strerror})") from None
