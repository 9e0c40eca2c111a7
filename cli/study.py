"""The ``qingkong study`` commands: ``run``, ``report``, ``compare`` and ``schema``.

Conventions of every qingkong command: bad input exits 2 with one ``error: ...`` line; a study
with a failed run or a failed safety check exits 1 (the other runs still finish and are saved);
``--json`` prints data on stdout, progress and summaries go to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from cli.common import BadInput, emit_json
from scenarios.study.model import StudyError, load_study, study_schema
from scenarios.study.results import ResultsError


@click.group(name="study")
def study_group() -> None:
    """Capacity studies: sweep whole replayed days on Dask, curves, comparisons.

    A study file names the axes to sweep (demand, seeds, corridor networks, separation and
    layer spacing, zone sets); every combination is one replayed day. See 'qingkong study schema'.
    """


def _row_line(row: dict[str, Any]) -> str:
    params = " ".join(f"{k}={v}" for k, v in json.loads(row.get("params") or "{}").items())
    if row.get("status") != "ok":
        return f"FAILED {row['run_id']} {params}: {row.get('error', '')}"
    safety = "" if row.get("safety_ok", True) else "  SAFETY CHECK FAILED"
    return (
        f"{row['run_id']} {params}: {row['approved']:,} approved, {100 * row['rejected_share']:.1f} % "
        f"rejected, p95 delay {row['delay_p95_s']:.0f} s ({row['wall_s']:.1f} s){safety}"
    )


@study_group.command(name="run")
@click.argument("study_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Results folder (results.parquet, report.html); an existing one is resumed.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on an existing Dask cluster (tcp://host:8786) instead of local worker processes.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Local worker processes (default: one per core). Ignored with --scheduler.",
)
@click.option("--csv", "csv", is_flag=True, help="Also write results.csv.")
@click.option(
    "--numba-cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="numba cache folder local workers share (default: $NUMBA_CACHE_DIR or ~/.cache/qingkong/numba).",
)
@click.option("--no-report", is_flag=True, help="Do not write report.html at the end.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no per-run lines.")
def run_command(
    study_file: Path,
    out: Path,
    scheduler: str | None,
    workers: int | None,
    csv: bool,
    numba_cache: Path | None,
    no_report: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run a study file: every run a replayed day, in parallel on Dask; resumable.

    Exits 1 when a run failed or a final safety check failed (the others are still run and saved).
    """
    from tqdm import tqdm

    from scenarios.study.report import write_report
    from scenarios.study.runner import ClusterError, run_study
    from scenarios.study.runs import expand

    try:
        study = load_study(study_file)
        total = len(expand(study))
    except StudyError as exc:
        raise BadInput(str(exc)) from None
    bar: list[Any] = []
    where = f"Dask scheduler {scheduler}" if scheduler else "a local Dask cluster"

    def on_start(todo: int, skipped: int) -> None:
        if not quiet:
            click.echo(
                f"{study.name}: {total} runs, {skipped} already done in {out}, {todo} to run on {where}",
                err=True,
            )
        bar.append(tqdm(total=todo, unit="run", disable=quiet or todo == 0, file=sys.stderr))

    def on_row(row: dict[str, Any], done: int, todo: int) -> None:
        if bar:
            if not quiet:
                bar[0].write(_row_line(row), file=sys.stderr)
            bar[0].update(1)

    try:
        outcome = run_study(
            study,
            out,
            scheduler=scheduler,
            workers=workers,
            csv=csv,
            cache_dir=numba_cache,
            on_row=on_row,
            on_start=on_start,
        )
    except ClusterError as exc:
        raise BadInput(str(exc)) from None
    finally:
        if bar:
            bar[0].close()
    report = None if no_report else write_report(out)
    for w in outcome.warnings:
        click.echo(f"warning: {w}", err=True)
    summary = {
        "study": study.name,
        "runs": outcome.runs,
        "skipped": outcome.skipped,
        "finished": outcome.ok,
        "failed": [
            {
                "run_id": r["run_id"],
                "params": json.loads(r.get("params") or "{}"),
                "error": r.get("error"),
            }
            for r in outcome.failed
        ],
        "unsafe": [r["run_id"] for r in outcome.unsafe],
        "workers": outcome.workers,
        "numba_cache_dirs": sorted(set(outcome.cache_dirs.values())),
        "wall_s": round(outcome.wall_s, 2),
        "results": str(out / "results.parquet"),
        "report": None if report is None else str(report),
    }
    if as_json:
        emit_json(summary)
    if not quiet:
        click.echo(
            f"{outcome.ok} runs finished, {len(outcome.failed)} failed, {outcome.skipped} skipped "
            f"(already done) in {outcome.wall_s:.1f} s"
            + (f" on {outcome.workers} workers" if outcome.workers else ""),
            err=True,
        )
        if report is not None:
            click.echo(f"report: {report}", err=True)
    if outcome.failed:
        click.echo(
            f"error: {len(outcome.failed)} runs failed (see report.html or --json)", err=True
        )
    if outcome.unsafe:
        click.echo(f"error: the final safety check failed in {len(outcome.unsafe)} runs", err=True)
    if outcome.failed or outcome.unsafe:
        sys.exit(1)


@study_group.command(name="report")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help="Print the capacity curves and knees as JSON."
)
def report_command(results: Path, as_json: bool) -> None:
    """Rebuild RESULTS/report.html from the results folder."""
    from scenarios.study.report import report_json, write_report

    try:
        path = write_report(results)
        if as_json:
            emit_json(report_json(results))
    except ResultsError as exc:
        raise BadInput(str(exc)) from None
    click.echo(f"report: {path}", err=True)


@study_group.command(name="compare")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.argument("results_b", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--axis", help="Compare two values of this axis of one study (e.g. network).")
@click.option("--a", "a", help="Setting A (a value of --axis).")
@click.option("--b", "b", help="Setting B (a value of --axis).")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="Metric column to compare (repeatable; default: shares, delays, re-plans, revocations, peak).",
)
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
def compare_command(
    results: Path,
    results_b: Path | None,
    axis: str | None,
    a: str | None,
    b: str | None,
    metrics: tuple[str, ...],
    confidence: float,
    as_json: bool,
) -> None:
    """Paired differences B − A on identical demand, with confidence intervals.

    Either two values of one axis of a study (RESULTS --axis network --a demo --b dense), or
    two results folders (RESULTS RESULTS_B) paired on their demand (flights, seed, ...).
    """
    from scenarios.study.compare import (
        DEFAULT_METRICS,
        CompareError,
        compare_axis,
        compare_folders,
    )
    from scenarios.study.results import read_rows

    kw = {"metrics": metrics or DEFAULT_METRICS, "confidence": confidence}
    try:
        rows = read_rows(results)
        if results_b is not None:
            if axis is not None:
                raise BadInput("give either a second results folder or --axis, not both")
            pair_on, diffs = compare_folders(rows, read_rows(results_b), **kw)
            label_a, label_b = str(results), str(results_b)
        else:
            if axis is None:
                raise BadInput(
                    "name what to compare: --axis AXIS (with --a/--b) or a second results folder"
                )
            label_a, label_b, diffs = compare_axis(rows, axis, a, b, **kw)
            pair_on = ["every other axis"]
    except (ResultsError, CompareError) as exc:
        raise BadInput(str(exc)) from None
    if as_json:
        emit_json(
            {
                "a": label_a,
                "b": label_b,
                "paired_on": pair_on,
                "confidence": confidence,
                "differences": [d.to_json() for d in diffs],
            }
        )
        return
    click.echo(f"B − A with B = {label_b}, A = {label_a}; pairs share {', '.join(pair_on)}")
    click.echo(f"{'metric':<18}{'pairs':>6}{'A':>12}{'B':>12}{'B − A':>12}   {confidence:.0%} CI")
    for d in diffs:
        ci = "–" if d.ci_low is None else f"[{d.ci_low:,.3f}, {d.ci_high:,.3f}]"
        click.echo(
            f"{d.metric:<18}{d.pairs:>6}{d.mean_a:>12,.3f}{d.mean_b:>12,.3f}{d.mean_diff:>12,.3f}   {ci}"
        )


@study_group.command(name="schema")
def schema_command() -> None:
    """Print the JSON Schema of study files (for editors and validators)."""
    emit_json(study_schema())
