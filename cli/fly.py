"""``qingkong scenario fly``: fly a scenario's approved flights as telemetry with injected
faults and report the conformance metrics (see :mod:`scenarios.fly`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cli.common import BadInput, emit_json
from scenarios.format import ScenarioError, load_scenario


def _share(value: str) -> float:
    """``5%`` or ``0.05`` as a share in [0, 1]."""
    try:
        share = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise BadInput(f"--faults {value!r}: give a share such as 5% or 0.05") from None
    if not 0 <= share <= 1:
        raise BadInput(f"--faults {value!r}: must be between 0% and 100%")
    return share


@click.command(name="fly")
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--faults", default="5%", show_default=True, help="Share of flights given a fault.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed of the faults.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON on stdout.")
def fly_command(
    scenario_file: Path, faults: str, seed: int, out: Path | None, as_json: bool
) -> None:
    """Fly a scenario's approved flights as telemetry with injected faults (drift, altitude
    bust, late departure, lost link, a drone without approval, another operator's positions)
    through conformance monitoring; report alerts, detection latency and false alerts.

    Exits 1 when a fault went undetected or a nominal flight was alerted.
    """
    from scenarios.fly import fly

    share = _share(faults)
    try:
        scenario = load_scenario(scenario_file)
        click.echo(f"qingkong: flying {scenario.name} (replaying its requests first)", err=True)
        doc = fly(scenario, faults=share, seed=seed)
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None
    if out is not None:
        out.write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    m = doc["metrics"]
    if as_json:
        emit_json(doc)
    else:
        lat = {k: "-" if v is None else f"{v:.2f}" for k, v in m["detection_latency_s"].items()}
        click.echo(
            f"flights {m['flights']}, faults {m['faults']}, conforming {m['conforming_share']:.1%}, "
            f"detection latency p50 {lat['p50']} s, max {lat['max']} s"
        )
        for code, n in m["alerts_by_code"].items():
            click.echo(f"  {code:22s} {n}")
        click.echo(f"missed faults: {len(m['missed'])}, false alerts: {len(m['false_alerts'])}")
    if m["missed"] or m["false_alerts"]:
        click.echo("error: a fault was missed or a nominal flight alerted", err=True)
        sys.exit(1)
