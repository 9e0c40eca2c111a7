"""Benchmark: scaling of a study on Dask, two local worker processes against one, and both
against the same runs replayed one after another in this process (the baseline).

    .venv/bin/python bench/study.py --flights 500 --runs 4

Every configuration replays the same generated days (seeds 1..runs). Cluster start-up and the
numba warm-up are timed apart from the runs (fixed costs a long study pays once). Scaling
efficiency = makespan(1 worker) / (2 x makespan(2 workers)); the target is >= 80 %. The machine's
load average is recorded before and after: on a shared machine it moves the numbers. ``cpu_share``
is the CPU the workers got per worker during the makespan (1.0: a whole core each); on a loaded
machine it, not Dask, bounds the speed-up. ``cpu_per_run_2_vs_1`` near 1 means two workers do no
extra work (no recompiling, no duplicated set-up).
Writes ``bench/results/study-<flights>x<runs>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds scripts named like packages (bench/planner.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from scenarios.study.execute import execute_run, warm_up  # noqa: E402
from scenarios.study.model import study_from_dict  # noqa: E402
from scenarios.study.runner import numba_cache_dir, start_client, warm_workers  # noqa: E402
from scenarios.study.runs import expand  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _stats(walls: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(walls), 2),
        "p99_s": round(float(np.percentile(walls, 99)), 2),
        "min_s": round(min(walls), 2),
        "max_s": round(max(walls), 2),
    }


def _dask(tasks: list[dict], workers: int, cache: Path) -> dict:
    t0 = time.perf_counter()
    client, cluster = start_client(None, workers, cache)
    t1 = time.perf_counter()
    try:
        warm_workers(client)
        t2 = time.perf_counter()
        futures = [client.submit(execute_run, t, pure=False) for t in tasks]
        rows = client.gather(futures)
        t3 = time.perf_counter()
    finally:
        client.close()
        cluster.close()
    assert all(r["status"] == "ok" for r in rows), [r.get("error") for r in rows]
    return {
        "workers": workers,
        "cluster_start_s": round(t1 - t0, 2),
        "warm_up_s": round(t2 - t1, 2),
        "makespan_s": round(t3 - t2, 2),
        "per_run": _stats([r["wall_s"] for r in rows]),
        "per_run_cpu": _stats([r["cpu_s"] for r in rows]),
        "cpu_share": round(sum(r["cpu_s"] for r in rows) / (workers * (t3 - t2)), 3),
        "approved": [r["approved"] for r in rows],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flights", type=int, default=500, help="requests per generated day")
    ap.add_argument("--runs", type=int, default=4, help="days (seeds 1..runs)")
    args = ap.parse_args()
    cache = numba_cache_dir()
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache))
    study = study_from_dict(
        {
            "qingkong_study": 1,
            "name": "bench",
            "scenario": {"generate": {"city": "qingdao"}},
            "sweep": {"flights": [args.flights], "seed": list(range(1, args.runs + 1))},
        },
        base_dir=tempfile.gettempdir(),
    )
    tasks = [r.task for r in expand(study)]
    load_before = os.getloadavg()

    warm_up()
    t0 = time.perf_counter()
    base_rows = [execute_run(t) for t in tasks]
    baseline_s = time.perf_counter() - t0
    one = _dask(tasks, 1, cache)
    two = _dask(tasks, 2, cache)
    assert one["approved"] == two["approved"] == [r["approved"] for r in base_rows]

    summary = {
        "flights_per_run": args.flights,
        "runs": args.runs,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cores": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "baseline_in_process": {
            "total_s": round(baseline_s, 2),
            "per_run": _stats([r["wall_s"] for r in base_rows]),
            "per_run_cpu": _stats([r["cpu_s"] for r in base_rows]),
        },
        "dask_1_worker": one,
        "dask_2_workers": two,
        "speedup_2_vs_1": round(one["makespan_s"] / two["makespan_s"], 3),
        "scaling_efficiency_2_vs_1": round(one["makespan_s"] / (2 * two["makespan_s"]), 3),
        "cpu_per_run_2_vs_1": round(
            two["per_run_cpu"]["median_s"] / one["per_run_cpu"]["median_s"], 3
        ),
        "speedup_1_worker_vs_baseline": round(baseline_s / one["makespan_s"], 3),
        "speedup_2_workers_vs_baseline": round(baseline_s / two["makespan_s"], 3),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"study-{args.flights}x{args.runs}.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
