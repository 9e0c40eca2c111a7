"""Run a study on Dask: every run is one independent task; results stream into the results
folder as runs finish; a re-run skips finished runs.

By default the runner starts a :class:`distributed.LocalCluster` of worker *processes* (one per
core, one thread each: the planner is single-threaded Python and numba). ``scheduler`` connects to
an existing cluster instead (``tcp://host:8786``, started with ``dask scheduler`` and ``dask
worker``), so the same study runs on many machines.

numba cache: every local worker gets the same ``NUMBA_CACHE_DIR``; one warm-up task compiles (or
loads) the planner's kernels into it before the runs start, then every other worker loads them
from the cache instead of compiling. Workers of an external cluster keep the environment they
were started with: the runner reports the cache folders they use and warns when one has none.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.study.execute import execute_run, warm_up
from scenarios.study.model import Study
from scenarios.study.results import ResultsFolder, save_study
from scenarios.study.runs import Run, expand

DEFAULT_NUMBA_CACHE = Path.home() / ".cache" / "qingkong" / "numba"


class ClusterError(RuntimeError):
    """The Dask cluster cannot be started or reached; the message says which and why."""


@dataclass
class StudyOutcome:
    """What a ``study run`` did: how many runs, skipped, finished, failed, and where it ran."""

    runs: int
    skipped: int
    ok: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    unsafe: list[dict[str, Any]] = field(default_factory=list)
    """Runs whose final safety check found a conflict or zone violation."""
    workers: int = 0
    cache_dirs: dict[str, str] = field(default_factory=dict)
    wall_s: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _failed_row(run: Run, study: str, error: str) -> dict[str, Any]:
    import json

    return {
        "run_id": run.run_id,
        "status": "failed",
        "study": study,
        **run.params,
        "params": json.dumps(run.params),
        "error": error,
        "finished_at": time.time(),
    }


def _size(run: Run) -> int:
    return int(run.task["scenario"].get("generate", {}).get("flights", 0))


def numba_cache_dir(explicit: Path | str | None = None) -> Path:
    """The numba cache folder the study's workers share: ``explicit``, ``$NUMBA_CACHE_DIR`` or
    ``~/.cache/qingkong/numba``."""
    chosen = explicit or os.environ.get("NUMBA_CACHE_DIR") or DEFAULT_NUMBA_CACHE
    return Path(chosen).expanduser().resolve()


def start_client(scheduler: str | None, workers: int | None, cache_dir: Path) -> tuple[Any, Any]:
    """A Dask client of ``scheduler``, or of a new local cluster (returned too, to close it)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="15s"), None
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_port=0,
        host="127.0.0.1",
        env={"NUMBA_CACHE_DIR": str(cache_dir)},
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def warm_workers(client: Any) -> dict[str, str]:
    """Compile or load the kernels on one worker, then on every other one (from the cache)."""
    addrs = sorted(client.scheduler_info(n_workers=-1)["workers"])
    if not addrs:
        raise ClusterError("the Dask cluster has no workers")
    first = client.submit(
        warm_up, workers=[addrs[0]], pure=False, key=f"qk-warm-{uuid.uuid4().hex}"
    )
    dirs = {addrs[0]: first.result()}
    rest = [
        client.submit(warm_up, workers=[a], pure=False, key=f"qk-warm-{uuid.uuid4().hex}")
        for a in addrs[1:]
    ]
    for a, fut in zip(addrs[1:], rest, strict=True):
        dirs[a] = fut.result()
    return dirs


def run_study(
    study: Study,
    out_dir: Path | str,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    csv: bool = False,
    cache_dir: Path | str | None = None,
    on_row: Callable[[dict[str, Any], int, int], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> StudyOutcome:
    """Run every run of ``study`` not finished yet in ``out_dir`` on Dask.

    Parameters
    ----------
    study : Study
        From :func:`scenarios.study.model.load_study`.
    out_dir : path
        The results folder (created; existing results are kept and finished runs skipped).
    scheduler : str, optional
        Address of an existing Dask scheduler; a local cluster of processes otherwise.
    workers : int, optional
        Local worker processes (default: one per core).
    csv : bool
        Also write ``results.csv``.
    cache_dir : path, optional
        The shared ``NUMBA_CACHE_DIR`` of local workers (see :func:`numba_cache_dir`).
    on_row : callable, optional
        Called with each finished row, the number finished and the number to run.
    on_start : callable, optional
        Called with the number of runs to do and the number skipped, once workers are ready.

    Returns
    -------
    StudyOutcome
    """
    from distributed import as_completed

    started = time.perf_counter()
    runs = expand(study)
    results = ResultsFolder(out_dir, csv=csv)
    save_study(out_dir, study.to_json(), [r.run_id for r in runs])
    done = results.done()
    todo = [r for r in runs if r.run_id not in done]
    outcome = StudyOutcome(runs=len(runs), skipped=len(runs) - len(todo))
    if not todo:
        if on_start is not None:
            on_start(0, outcome.skipped)
        outcome.wall_s = time.perf_counter() - started
        return outcome
    cache = numba_cache_dir(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache))
    client, cluster = start_client(scheduler, workers, cache)
    try:
        outcome.cache_dirs = warm_workers(client)
        outcome.workers = len(outcome.cache_dirs)
        if not all(outcome.cache_dirs.values()):
            outcome.warnings.append(
                "some workers have no NUMBA_CACHE_DIR and compile into their own cache; start them "
                "with NUMBA_CACHE_DIR set to one shared folder"
            )
        if on_start is not None:
            on_start(len(todo), outcome.skipped)
        by_key: dict[str, Run] = {}
        futures = []
        # Biggest days first (submitted first and with a higher priority): a long run started
        # last would leave the other workers idle at the end.
        for r in sorted(todo, key=lambda r: -_size(r)):
            key = f"qk-run-{r.run_id}-{uuid.uuid4().hex[:8]}"
            by_key[key] = r
            futures.append(
                client.submit(execute_run, r.task, key=key, pure=False, priority=_size(r))
            )
        for finished, fut in enumerate(as_completed(futures), start=1):
            run = by_key[fut.key]
            try:
                row = fut.result()
            except Exception as exc:  # the worker died or the task could not run
                row = _failed_row(run, study.name, f"{type(exc).__name__}: {exc}")
            results.add(row)
            if row.get("status") == "ok":
                outcome.ok += 1
                if row.get("safety_ok") is False:
                    outcome.unsafe.append(row)
            else:
                outcome.failed.append(row)
            if on_row is not None:
                on_row(row, finished, len(todo))
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    outcome.wall_s = time.perf_counter() - started
    return outcome
