"""What the request bounds (planner/bounds.py) cost per decision, against the same process
without them, and how long the pathological requests of issue #10 take now.

    python bench/bounds.py [--requests 3000] [--seed 0] [--json]

Times ``Planner.decide`` on random waypoint requests over Qingdao (4-8 waypoints, 2-10 km,
20-90 m, 5-20 m/s) twice in one process: with the bounds, and with the bound check replaced by
one that finds nothing (the baseline). Reports medians, p99 and their ratio; then decides each
pathological request once and reports its time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench/planner.py must not shadow the planner package
if sys.path[1:2] == [str(ROOT / "bench")] or str(ROOT / "bench") in sys.path:
    sys.path.remove(str(ROOT / "bench"))
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))

import planner.validation as validation  # noqa: E402
from airspace.deployment import QINGDAO  # noqa: E402
from airspace.drones import Drone  # noqa: E402
from planner.decision import Planner  # noqa: E402
from planner.requests import AreaRoute, FlightRequest, WaypointRoute  # noqa: E402

EPOCH = datetime(2026, 12, 1, tzinfo=UTC)
DRONE = Drone("D", drone_class="light")


def requests(n: int, rng: np.random.Generator) -> list[FlightRequest]:
    out = []
    for i in range(n):
        k = int(rng.integers(4, 9))
        lon = 120.33 + rng.uniform(0, 0.1) + np.cumsum(rng.uniform(-0.01, 0.01, k))
        lat = 36.06 + rng.uniform(0, 0.08) + np.cumsum(rng.uniform(-0.01, 0.01, k))
        alt = np.r_[0.0, rng.uniform(20, 90, k - 2), 0.0]
        route = WaypointRoute(tuple(zip(lon, lat, alt, strict=True)))
        t0 = float(rng.uniform(0, 12 * 3600))
        out.append(FlightRequest(f"F-{i}", DRONE, route, t0, t0 + 1800, float(rng.uniform(5, 20))))
    return out


STATUSES: dict[str, int] = {}


def timed(reqs: list[FlightRequest]) -> np.ndarray:
    p = Planner(QINGDAO, epoch=EPOCH)
    lat = np.empty(len(reqs))
    STATUSES.clear()
    for i, r in enumerate(reqs):
        t0 = time.perf_counter()
        d, _ = p.decide(r, now_s=0.0)
        lat[i] = time.perf_counter() - t0
        STATUSES[str(d.status)] = STATUSES.get(str(d.status), 0) + 1
    return lat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    reqs = requests(args.requests, np.random.default_rng(args.seed))
    timed(reqs[:50])  # load kernels
    real = validation.bound_findings
    validation.bound_findings = lambda *a, **k: []
    try:
        base = timed(reqs)
    finally:
        validation.bound_findings = real
    bounded = timed(reqs)
    statuses = dict(STATUSES)
    short = WaypointRoute(((120.38, 36.07, 0.0), (120.38, 36.07, 60.0), (120.39, 36.07, 60.0)))
    area = AreaRoute(shapely.box(120.30, 36.10, 120.31, 36.11), 0.0, 60.0, 1e12)
    patho = {
        "speed 1e-7 m/s": FlightRequest("P1", DRONE, short, 0.0, 600.0, 1e-7),
        "speed 1e-8 m/s": FlightRequest("P2", DRONE, short, 0.0, 600.0, 1e-8),
        "area duration 1e12 s": FlightRequest("P3", DRONE, area, 0.0, 600.0),
        "100-year window": FlightRequest("P4", DRONE, short, 0.0, 100 * 365.25 * 86400, 10.0),
    }
    p = Planner(QINGDAO, epoch=EPOCH)
    patho_ms = {}
    for name, r in patho.items():
        t0 = time.perf_counter()
        d, _ = p.decide(r, now_s=0.0)
        patho_ms[name] = [
            round((time.perf_counter() - t0) * 1000, 2),
            [str(x.code) for x in d.reasons],
        ]
    out = {
        "requests": args.requests,
        "statuses": statuses,
        "baseline_median_ms": round(float(np.median(base)) * 1000, 3),
        "baseline_p99_ms": round(float(np.percentile(base, 99)) * 1000, 3),
        "bounded_median_ms": round(float(np.median(bounded)) * 1000, 3),
        "bounded_p99_ms": round(float(np.percentile(bounded, 99)) * 1000, 3),
        "median_ratio": round(float(np.median(bounded) / np.median(base)), 3),
        "p99_ratio": round(float(np.percentile(bounded, 99) / np.percentile(base, 99)), 3),
        "pathological_ms_and_codes": patho_ms,
    }
    print(json.dumps(out, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
