"""Benchmark: replay a generated day of Qingdao demand in process and report wall time and
decisions per second (the numbers quoted in the README).

    .venv/bin/python bench/replay.py --flights 20000 --seed 1

Writes the replay document and a small timing summary under ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

# bench/ holds scripts named like packages (bench/planner.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from scenarios.format import scenario_from_dict  # noqa: E402
from scenarios.generate import generate_day  # noqa: E402
from scenarios.replay import load_airspace, replay  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flights", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    doc = generate_day("qingdao", flights=args.flights, seed=args.seed)
    t1 = time.perf_counter()
    scenario = scenario_from_dict(doc, base_dir=RESULTS)
    airspace = load_airspace(scenario)
    t2 = time.perf_counter()
    result = replay(scenario, airspace=airspace, progress=args.progress)
    t3 = time.perf_counter()
    m = result.document["metrics"]
    summary = {
        "flights": args.flights,
        "seed": args.seed,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
        "generate_s": round(t1 - t0, 2),
        "parse_and_load_s": round(t2 - t1, 2),
        "replay_wall_s": m["timing"]["wall_s"],
        "decisions": m["timing"]["decisions"],
        "decisions_per_s": m["timing"]["decisions_per_s"],
        "safety_check_and_metrics_s": round(t3 - t2 - m["timing"]["wall_s"], 2),
        "approved": m["approved"],
        "pending": m["pending"],
        "rejected": m["rejected"],
        "rejected_by_reason": m["rejected_by_reason"],
        "delay_s": m["delay_s"],
        "replans": m["replans"],
        "revocations": m["revocations"],
        "peak_airborne": m["peak_airborne"],
        "safety": {
            k: m["safety"][k]
            for k in (
                "ok",
                "flights",
                "pairs_checked",
                "conflicts",
                "conflicts_at_one_instant",
                "zone_violations",
            )
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"replay-{args.flights}-seed{args.seed}.summary.json").write_text(
        json.dumps(summary, indent=1)
    )
    (RESULTS / f"replay-{args.flights}-seed{args.seed}.json").write_text(
        json.dumps(result.document)
    )
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
