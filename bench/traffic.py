"""Benchmark of the live traffic picture in process: what the telemetry tracks add to a tactical
cycle, and what ``GET /v1/traffic`` costs, at ``--drones`` drones reporting telemetry.

    python bench/traffic.py --json            # 2,000 and 10,000 drones
    python bench/traffic.py --quick --json    # 1,000 drones

A fresh SQLite store gets one operator and N registered drones; each reports one position
(random speed and track, 30-120 m, spread over 30 x 30 km of Qingdao) through
``TelemetryService.ingest``. Then, ``--cycles`` times each:

- ``source``: ``LiveSky.telemetry_tracks`` (the drones' latest positions as tactical states);
- ``cycle``: ``TacticalMonitor.cycle`` over them (source, detection, encounter tracking,
  notifications for new encounters);
- ``detect only`` (the same-process baseline): ``planner.tactical.detect`` on the same states,
  so ``cycle / detect only`` is what joining telemetry to the cycle costs;
- ``traffic``: ``TrafficService.snapshot`` of a 20 x 20 km box for a police key (every record
  with details) and a public key.

Times are wall-clock medians and p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.auth import Principal, Role  # noqa: E402
from api.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402
from api.models import DroneRow, Operator  # noqa: E402
from api.store import utcnow  # noqa: E402
from planner.tactical import detect  # noqa: E402


def _stats(samples_s: list[float]) -> dict[str, float]:
    ms = np.asarray(samples_s) * 1e3
    return {
        "p50_ms": round(float(np.median(ms)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def _timed(fn: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def run(n_drones: int, cycles: int, seed: int = 7) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    logging.getLogger("qingkong").setLevel(logging.ERROR)  # every drone flies unapproved here
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            Settings(
                database_url=f"sqlite:///{tmp}/b.sqlite",
                tactical_background=False,
                traffic_max_age_s=600.0,  # registering and reporting 10k drones takes a while
            )
        )
        store, airspace = app.state.store, app.state.airspace
        with store.write() as s:
            s.add(Operator(id="OP-BENCH", name="bench", created_at=utcnow()))
            s.flush()
            for i in range(n_drones):
                s.add(
                    DroneRow(
                        id=f"DR-{i:05d}",
                        operator_id="OP-BENCH",
                        serial=f"SN-{i:05d}",
                        max_speed_mps=25.0,
                        drone_class="light",
                        created_at=utcnow(),
                    )
                )
        now = airspace.now_s()
        at = airspace.to_datetime(now).isoformat()
        lon = 120.25 + rng.uniform(0, 0.33, n_drones)  # about 30 km
        lat = 36.0 + rng.uniform(0, 0.27, n_drones)
        positions = [
            {
                "drone": f"DR-{i:05d}",
                "time": at,
                "lon": float(lon[i]),
                "lat": float(lat[i]),
                "altitude_m": float(rng.uniform(30, 120)),
                "speed_mps": float(rng.uniform(0, 25)),
                "track_deg": float(rng.uniform(0, 360)),
                "vertical_speed_mps": 0.0,
            }
            for i in range(n_drones)
        ]
        telemetry = app.state.telemetry
        for k in range(0, n_drones, 5000):
            accepted, refused = telemetry.ingest(positions[k : k + 5000], operator="OP-BENCH")
            assert not refused, refused[:3]
        telemetry.stop()
        sky = app.state.traffic.sky
        monitor = app.state.tactical
        states = sky.telemetry_tracks(now)
        assert len(states.ids) == n_drones
        monitor.cycle(now)  # the first cycle raises every encounter once
        conflicts = monitor.last_cycle["conflicts"]
        t = [now]

        def one_cycle() -> None:
            t[0] += 0.001
            monitor.cycle(t[0])

        police = Principal(1, "police", Role.POLICE, None)
        public = Principal(2, "public", Role.PUBLIC, None)
        box = (120.30, 36.05, 120.52, 36.23)
        traffic = app.state.traffic
        in_box = len(traffic.snapshot(police, box)["tracks"])
        assert in_box > 0
        out = {
            "drones": n_drones,
            "conflicts_per_cycle": conflicts,
            "tracks_in_box": in_box,
            "source": _stats(_timed(lambda: sky.telemetry_tracks(now), cycles)),
            "cycle": _stats(_timed(one_cycle, cycles)),
            "detect_only": _stats(_timed(lambda: detect(states.ids, states.states), cycles)),
            "traffic_police": _stats(_timed(lambda: traffic.snapshot(police, box), cycles)),
            "traffic_public": _stats(_timed(lambda: traffic.snapshot(public, box), cycles)),
        }
        out["cycle_over_detect_p50"] = round(
            out["cycle"]["p50_ms"] / out["detect_only"]["p50_ms"], 2
        )
        store.dispose()
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 drones, 10 cycles")
    ap.add_argument("--cycles", type=int, default=30)
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    args = ap.parse_args()
    sizes = [1000] if args.quick else [2000, 10_000]
    cycles = 10 if args.quick else args.cycles
    results = []
    for n in sizes:
        print(f"bench/traffic: {n} drones ...", file=sys.stderr, flush=True)
        results.append(run(n, cycles))
    if args.json:
        print(json.dumps({"bench": "traffic", "cycles": cycles, "results": results}, indent=2))
    else:
        for r in results:
            print(r)


if __name__ == "__main__":
    main()
