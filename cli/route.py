"""``qingkong route``: the fastest corridor routes between two positions, printed as text or as
GeoJSON (one LineString per route with ``[lon, lat, altitude_m]`` positions and the time of each
point in ``properties.times``).

Exit status: 0 with at least one route, 1 when every route is blocked, 2 on bad input.
"""

from __future__ import annotations

import click

from airspace.corridors import QINGDAO_CORRIDORS_PATH
from airspace.deployment import QINGDAO
from airspace.geoawareness import ZoneIndex
from cli.common import BadInput, emit_json, parse_at
from cli.corridors import load_network, load_zone_file
from planner.routing import Router, RoutingError


def _lonlat(text: str, option: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise BadInput(
            f"{option} {text!r} must be LON,LAT in degrees, e.g. 120.384,36.062"
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadInput(f"{option} {text!r} is out of range; give LON,LAT (longitude first)")
    return lon, lat


@click.command(name="route")
@click.option(
    "--corridors",
    "corridors_file",
    type=click.Path(dir_okay=False),
    help="Corridor network GeoJSON (default: the Qingdao demo network).",
)
@click.option("--from", "origin", required=True, help="Origin LON,LAT.")
@click.option("--to", "destination", required=True, help="Destination LON,LAT.")
@click.option(
    "--zones", "zones_file", type=click.Path(dir_okay=False), help="Zone file to route around."
)
@click.option("--at", "at", help="Departure time, RFC 3339 (default: now).")
@click.option(
    "--k", "k", default=1, show_default=True, type=click.IntRange(1, 20), help="Routes wanted."
)
@click.option(
    "--speed", "speed_mps", type=float, help="Cruise speed in m/s (default: corridor limits)."
)
@click.option(
    "--vertical-rate",
    "vertical_rate_mps",
    default=3.0,
    show_default=True,
    help="Climb/descent m/s.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the routes as a GeoJSON FeatureCollection."
)
def route_command(
    corridors_file: str | None,
    origin: str,
    destination: str,
    zones_file: str | None,
    at: str | None,
    k: int,
    speed_mps: float | None,
    vertical_rate_mps: float,
    as_json: bool,
) -> None:
    """Fastest corridor routes from --from to --to around the active zones."""
    a, b = _lonlat(origin, "--from"), _lonlat(destination, "--to")
    epoch = parse_at(at, whole_seconds=True, example_for_zone=False)
    net = load_network(corridors_file or QINGDAO_CORRIDORS_PATH)
    zones = load_zone_file(zones_file)
    router = Router(net, ZoneIndex(zones, QINGDAO) if zones else None, QINGDAO)
    try:
        plans = router.routes(
            a, b, 0.0, epoch, k=k, speed_mps=speed_mps, vertical_rate_mps=vertical_rate_mps
        )
    except RoutingError as e:
        raise BadInput(str(e)) from None
    if as_json:
        emit_json(
            {
                "type": "FeatureCollection",
                "departure": epoch.isoformat(),
                "features": [p.to_geojson_feature(epoch) for p in plans],
            }
        )
    else:
        if not plans:
            click.echo("no route: every corridor route is blocked by active zones at that time")
        for i, p in enumerate(plans, 1):
            layers = sorted(set(p.edge_layers_m))
            click.echo(
                f"route {i}: {p.entry_vertiport or f'node {p.entry_node}'} -> "
                f"{p.exit_vertiport or f'node {p.exit_node}'}, {len(p.edges)} edges, "
                f"{p.length_m / 1000:.2f} km, {p.duration_s / 60:.1f} min, layers "
                f"{', '.join(f'{h:g}' for h in layers)} m"
            )
            if p.authorisation_zones:
                click.echo(f"  needs authorisation: {', '.join(p.authorisation_zones)}")
    if not plans:
        raise SystemExit(1)
