"""``qingkong corridors check``: load a corridor network and print what a network designer has
to fix (disconnected parts, dead ends, one-way traps, corridors through permanently
prohibited zones or above the true-height ceiling, bands without layers).

Exit status: 0 when the network is clean, 1 when issues were found, 2 on bad input.
"""

from __future__ import annotations

from pathlib import Path

import click

from airspace.corridors import QINGDAO_CORRIDORS_PATH, CorridorNetwork
from airspace.deployment import QINGDAO, Deployment
from airspace.errors import AirspaceError
from airspace.zones import Zone
from cli.common import BadInput, emit_json


@click.group(name="corridors")
def corridors_group() -> None:
    """Check corridor networks (GeoJSON LineStrings and vertiports)."""


def load_network(
    file: str | Path, deployment: Deployment = QINGDAO, snap_m: float = 5.0
) -> CorridorNetwork:
    """Load a corridor file for a command, turning format errors into :class:`BadInput`."""
    try:
        return CorridorNetwork.from_geojson(Path(file), deployment, snap_tolerance_m=snap_m)
    except AirspaceError as e:
        raise BadInput(str(e)) from None


def load_zone_file(file: str | Path | None, deployment: Deployment = QINGDAO) -> list[Zone]:
    """Load a zone file (any supported format) for a command; ``None`` gives no zones."""
    if file is None:
        return []
    from airspace.formats import load_zones

    try:
        return load_zones(Path(file), deployment=deployment)
    except (AirspaceError, OSError) as e:
        raise BadInput(str(e)) from None


@corridors_group.command(name="check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--demo", is_flag=True, help="Check the shipped Qingdao demo network.")
@click.option(
    "--zones",
    "zones_file",
    type=click.Path(dir_okay=False),
    help="Zone file (ED-269, ED-318, GeoJSON).",
)
@click.option("--snap-m", default=5.0, show_default=True, help="Endpoint snap tolerance in metres.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check_command(
    file: str | None, demo: bool, zones_file: str | None, snap_m: float, as_json: bool
) -> None:
    """Report what to fix in the corridor network FILE (GeoJSON LineStrings + vertiports)."""
    if demo == bool(file):
        raise BadInput("give FILE (a corridor GeoJSON file) or --demo")
    net = load_network(QINGDAO_CORRIDORS_PATH if demo else file, snap_m=snap_m)  # type: ignore[arg-type]
    report = net.report(load_zone_file(zones_file))
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(
            f"{report.corridors} corridors, {report.vertiports} vertiports -> {report.nodes} nodes, "
            f"{report.edges} directed edges, {report.total_length_m / 1000:.1f} km, "
            f"{len(report.component_sizes)} component(s)"
        )
        for issue in report.issues:
            where = (
                issue.corridor
                or issue.vertiport
                or (f"node {issue.node}" if issue.node is not None else "")
            )
            click.echo(f"{issue.kind}: {where}: {issue.message}")
        click.echo("ok" if report.ok else f"{len(report.issues)} issue(s) to fix")
    if not report.ok:
        raise SystemExit(1)
