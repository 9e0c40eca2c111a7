"""The scenario commands of ``qingkong``: ``replay``, ``scenario generate``, ``scenario check``,
``scenario import-bluesky`` and ``scenario import-openutm``.

Conventions of every qingkong command: bad input exits 2 with one ``error: ...`` line; a replay
whose final safety check fails exits 1; data goes to files (``--out``) or stdout (``--json``),
the human summary to the terminal.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
import yaml

from cli.common import BadInput, emit_json
from scenarios.format import ScenarioError, load_scenario


def _write_document(doc: dict[str, Any], path: Path, header: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(
            json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8"
        )
        return
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(
        doc, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=None, width=120
    )
    path.write_text(header + body, encoding="utf-8")


def summary_table(document: dict[str, Any]) -> str:
    """The terminal summary of a replay document."""
    m = document["metrics"]
    timing = m.get("timing", {})
    req = max(1, m["requests"])
    lines = [
        f"{document['scenario']} ({document.get('backend', '')})",
        "",
        f"  {'requests':<26}{m['requests']:>8}",
    ]
    for key in ("approved", "pending", "rejected"):
        extra = ""
        by = m.get(f"{key}_by_reason") or {}
        if by:
            extra = "   " + ", ".join(
                f"{k} {v}" for k, v in sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))
            )
        lines.append(f"  {key:<26}{m[key]:>8}  ({100.0 * m[key] / req:5.1f} %){extra}")
    d = m["delay_s"]
    lines.append(
        f"  {'delay (s)':<26}mean {d['mean']:.1f}  p50 {d['p50']:.1f}  p95 {d['p95']:.1f}  max {d['max']:.1f}"
        f"  ({d['delayed']} delayed)"
    )
    lines.append(f"  {'re-plans / revocations':<26}{m['replans']:>8} / {m['revocations']}")
    lines.append(f"  {'reviews':<26}{m['reviews']:>8}")
    peak_at = m.get("peak_airborne_at")
    when = ""
    if peak_at is not None and document.get("start"):
        when = " at " + (
            datetime.fromisoformat(document["start"]) + timedelta(seconds=peak_at)
        ).strftime("%H:%M")
    lines.append(f"  {'peak airborne':<26}{m['peak_airborne']:>8}{when}")
    lines.append(
        f"  {'final states':<26}" + ", ".join(f"{k} {v}" for k, v in m["final_states"].items())
    )
    if m.get("event_errors"):
        lines.append(
            f"  {'events refused':<26}{m['event_errors']:>8}  (see 'errors' in the replay JSON)"
        )
    if "wall_s" in timing:
        lines.append(
            f"  {'wall time':<26}{timing['wall_s']:>8.2f} s  ({timing['decisions_per_s']} decisions/s)"
        )
    s = m.get("safety")
    if s is not None:
        verdict = "OK" if s["ok"] else "FAILED"
        lines.append(
            f"  {'final safety check':<26}{verdict:>8}  ({s['conflicts']} conflicts, {s['zone_violations']} zone "
            f"violations among {s['flights']} flights)"
        )
    return "\n".join(lines)


@click.command(name="replay")
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the replay JSON here.",
)
@click.option(
    "--plots",
    "plots_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write PNG plots here.",
)
@click.option(
    "--server", help="Replay against a running qingkong service (base URL) instead of in process."
)
@click.option(
    "--key",
    envvar="QINGKONG_API_KEY",
    help="Admin API key for --server (default: $QINGKONG_API_KEY).",
)
@click.option(
    "--unmanaged",
    is_flag=True,
    help="Baseline without a UTM: fly every waypoint/area request as filed (shows what the safety check finds).",
)
@click.option(
    "--tactical",
    is_flag=True,
    help="Also fly the approved plans past the tactical detector (metrics.tactical: encounters).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the replay JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary table.")
def replay_command(
    scenario_file: Path,
    out: Path | None,
    plots_dir: Path | None,
    server: str | None,
    key: str | None,
    unmanaged: bool,
    as_json: bool,
    quiet: bool,
    tactical: bool = False,
) -> None:
    """Replay a scenario file (YAML or JSON) and report decisions, metrics and safety.

    Exits 1 when the final independent safety check finds a conflict or zone violation.
    """
    from scenarios.replay import load_airspace, replay

    try:
        scenario = load_scenario(scenario_file)
        airspace = load_airspace(scenario)
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None
    backend: Any = None
    if server and unmanaged:
        raise BadInput("--server and --unmanaged exclude each other")
    if unmanaged:
        from scenarios.backends import UnmanagedBackend

        backend = UnmanagedBackend(scenario)
    if server:
        from scenarios.http import HttpBackend, ServerError

        if not key:
            raise BadInput("--server needs an admin API key: --key KEY or QINGKONG_API_KEY")
        try:
            backend = HttpBackend(server, key, scenario, airspace)
        except ServerError as exc:
            raise BadInput(str(exc)) from None
    progress = False if quiet else None
    try:
        result = replay(scenario, backend=backend, airspace=airspace, progress=progress)
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None
    doc = result.document
    if tactical:
        from airspace.projection import Projection
        from scenarios.tactical import tactical_metrics

        doc["metrics"]["tactical"] = tactical_metrics(
            doc,
            Projection.for_deployment(scenario.deployment),
            sep_h_m=scenario.separation_h_m,
            sep_v_m=scenario.separation_v_m,
        )
    if out is not None:
        _write_document(doc, out if out.suffix else out.with_suffix(".json"))
    if plots_dir is not None:
        from scenarios.plots import write_plots

        write_plots(doc, plots_dir, zones=result.zones, corridors=result.corridors)
    if as_json:
        emit_json(doc)
    if not quiet:
        click.echo(summary_table(doc), err=as_json)
        if tactical:
            tm = doc["metrics"]["tactical"]
            click.echo(
                f"tactical: {tm['encounters']} encounters raised among {tm['flights_involved']} "
                f"flights ({tm['lookahead_s']:g} s look-ahead, up to {tm['max_in_air']} in the air)",
                err=as_json,
            )
    if not result.ok:
        click.echo("error: the final safety check failed (see metrics.safety)", err=True)
        sys.exit(1)


@click.group(name="scenario")
def scenario_group() -> None:
    """Make, check and import scenario files."""


@scenario_group.command(name="generate")
@click.option(
    "--city", default="qingdao", show_default=True, help="City whose airspace and corridors to use."
)
@click.option(
    "--flights",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Number of requests.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same day)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (.yaml or .json; JSON reads faster for big days). Default: stdout as YAML.",
)
def generate_command(city: str, flights: int, seed: int, out: Path | None) -> None:
    """Generate a realistic day of demand: deliveries, inspections, surveys, emergencies."""
    from scenarios.generate import generate_day

    try:
        doc = generate_day(
            city, flights=flights, seed=seed, out_dir=out.parent if out else Path.cwd()
        )
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    header = (
        f"# {doc['description']}.\n"
        f"# Made by: qingkong scenario generate --city {city} --flights {flights} --seed {seed}\n"
    )
    if out is None:
        click.echo(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), nl=False)
    else:
        _write_document(doc, out, header)
        click.echo(f"wrote {out} ({flights} requests, {len(doc['drones'])} drones)", err=True)


@scenario_group.command(name="check")
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path))
def check_command(scenario_file: Path) -> None:
    """Read a scenario, its zones and corridors, and say what it holds (exit 2 if unreadable)."""
    from scenarios.replay import load_airspace

    try:
        sc = load_scenario(scenario_file)
        air = load_airspace(sc)
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None
    kinds: dict[str, int] = {}
    for e in sc.events:
        kinds[e.type] = kinds.get(e.type, 0) + 1
    click.echo(
        f"{sc.name}: start {sc.start.isoformat()}, {len(air.zones)} zones, "
        f"{'no corridors' if air.corridors is None else f'{air.corridors.graph.number_of_edges()} corridor edges'}, "
        f"{len(sc.drones)} drones, events: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    )


@scenario_group.command(name="schema")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON Schema here (default: stdout).",
)
def schema_command(out: Path | None) -> None:
    """Print the JSON Schema of scenario files, for editors that complete and check YAML/JSON
    (e.g. a `# yaml-language-server: $schema=scenario.schema.json` first line)."""
    from scenarios.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


def _report(report: list[dict[str, Any]], out: Path | None) -> None:
    counts: dict[str, int] = {}
    for r in report:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    for r in report:
        if r["status"] != "ignored":
            where = f"{os.path.basename(r['file'])}:{r.get('line', r.get('feature', ''))}"
            click.echo(
                f"{r['status']:>15}  {where:<28} {r.get('command', '')}: {r['why']}", err=True
            )
    click.echo(
        "summary: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + (f"; wrote {out}" if out else ""),
        err=True,
    )


_input_files = click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
_scenario_out = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scenario to write.",
)


@scenario_group.command(name="import-bluesky")
@_input_files
@_scenario_out
@click.option(
    "--start",
    default="2026-12-01T00:00:00+00:00",
    show_default=True,
    help="Scenario start (t = 0).",
)
@click.option(
    "--window-s", type=float, default=600.0, show_default=True, help="Departure window length."
)
@click.option("--include-crewed", is_flag=True, help="Also file crewed aircraft as flights.")
def import_bluesky_command(
    files: tuple[Path, ...], out: Path, start: str, window_s: float, include_crewed: bool
) -> None:
    """Turn BlueSky .scn drone routes into a scenario; report what is not understood."""
    from scenarios.readers.bluesky import BlueSkyError
    from scenarios.readers.bluesky_scenario import bluesky_to_scenario

    try:
        doc, report = bluesky_to_scenario(
            files, out_dir=out.parent, start=start, window_s=window_s, include_crewed=include_crewed
        )
    except BlueSkyError as exc:
        raise BadInput(str(exc)) from None
    _write_document(doc, out)
    _report(report, out)


@scenario_group.command(name="import-openutm")
@_input_files
@_scenario_out
@click.option(
    "--altitude-m", type=float, default=60.0, show_default=True, help="Cruise height AGL."
)
@click.option(
    "--speed-mps", type=float, default=10.0, show_default=True, help="Cruise ground speed."
)
@click.option(
    "--spacing-s", type=float, default=0.0, show_default=True, help="Seconds between requests."
)
def import_openutm_command(
    files: tuple[Path, ...], out: Path, altitude_m: float, speed_mps: float, spacing_s: float
) -> None:
    """Turn openutm GeoJSON LineString trajectories into a scenario of waypoint requests."""
    from scenarios.readers.openutm import TrajectoryFileError, openutm_to_scenario

    try:
        doc, report = openutm_to_scenario(
            files, altitude_m=altitude_m, speed_mps=speed_mps, spacing_s=spacing_s
        )
    except TrajectoryFileError as exc:
        raise BadInput(str(exc)) from None
    _write_document(doc, out)
    _report(report, out)
