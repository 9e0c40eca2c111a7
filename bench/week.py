"""A week of continuous service in compressed time: is memory flat after the first day?

The service's in-memory planner (:class:`planner.decision.Planner`, Qingdao, demo corridors)
takes a steady stream for ``--days`` simulated days: every simulated hour ``--per-hour``
waypoint and corridor (from/to) requests are filed for the next hours, 10 % of the accepted
ones are cancelled, the others land when their trajectory ends, and a temporary zone
(a 600 m circle for one hour) is published somewhere in the city. The resident set size
(``/proc/self/statm``) is sampled every 6 simulated hours after a garbage collection.
Prints one JSON object: RSS per day, and the growth from the end of day 1 to the end.
Memory grows while the router caches fill (one path stream per distinct origin/destination,
about 12 kB) and is flat once they hold ``--router-cache-size`` entries.

    .venv/bin/python bench/week.py --days 7 --per-hour 150
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from airspace.corridors import QINGDAO_CORRIDORS_PATH, CorridorNetwork  # noqa: E402
from airspace.deployment import QINGDAO  # noqa: E402
from airspace.drones import Drone  # noqa: E402
from airspace.formats.inline import zone_from_dict  # noqa: E402
from planner.decision import Planner  # noqa: E402
from planner.requests import CorridorRoute, FlightRequest, State, WaypointRoute  # noqa: E402

EPOCH = datetime.fromisoformat("2026-12-01T00:00:00+08:00")
LON, LAT = (120.30, 120.45), (36.05, 36.15)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--per-hour", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--router-cache-size",
        type=int,
        default=1024,
        help="entries per router cache (the service's QINGKONG_ROUTER_CACHE_SIZE)",
    )
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    corridors = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH, QINGDAO)
    planner = Planner(QINGDAO, epoch=EPOCH, corridors=corridors)
    planner.router_cache_size = args.router_cache_size
    drones = [
        Drone(
            f"DR-{i}",
            operator_id="OP-W",
            empty_weight_kg=0.9,
            max_takeoff_weight_kg=1.5,
            max_speed_mps=15.0,
            capabilities=frozenset({"remote_id", "geofencing", "manual_takeover"}),
        )
        for i in range(200)
    ]
    ends: dict[str, float] = {}
    samples = []
    counts = {"requests": 0, "approved": 0, "cancelled": 0, "ended": 0, "zones": 0}
    t_wall = time.perf_counter()
    n = 0
    for hour in range(24 * args.days):
        now = hour * 3600.0
        for fid in [f for f, end in ends.items() if end <= now]:
            del ends[fid]
            state = planner.record(fid).state if fid in planner.records() else None
            if state == State.ACCEPTED:
                planner.activate(fid, now)
            if state in (State.ACCEPTED, State.ACTIVATED):
                planner.end(fid, now)
                counts["ended"] += 1
            else:  # revoked by a zone published meanwhile
                counts["revoked_before_landing"] = counts.get("revoked_before_landing", 0) + 1
        c = (float(rng.uniform(*LON)), float(rng.uniform(*LAT)))
        zone = {
            "id": f"TFR-{hour}",
            "restriction": "PROHIBITED",
            "geometry": {"type": "Circle", "center": list(c), "radius_m": 600},
            "lower_m": 0,
            "upper_m": 300,
            "schedule": [{"start": now + 1800, "end": now + 5400}],
        }
        planner.publish_zone(zone_from_dict(zone, start=EPOCH, tz=QINGDAO.tz), now)
        counts["zones"] += 1
        if hour >= 2:
            planner.withdraw_zone(f"TFR-{hour - 2}", now)
        for _ in range(args.per_hour):
            n += 1
            a = (float(rng.uniform(*LON)), float(rng.uniform(*LAT)))
            b = (float(rng.uniform(*LON)), float(rng.uniform(*LAT)))
            depart = now + float(rng.uniform(600, 3600))
            if rng.random() < 0.3:
                route = CorridorRoute(a, b)
            else:
                z = float(rng.choice([60.0, 80.0, 100.0]))
                route = WaypointRoute(((*a, 0.0), (*a, z), (*b, z), (*b, 0.0)))
            req = FlightRequest(
                f"W{n}",
                drones[n % len(drones)],
                route,
                depart,
                depart + 1800,
                speed_mps=float(rng.choice([10.0, 12.0, 15.0])),
            )
            decision, _ = planner.decide(req, now)
            counts["requests"] += 1
            status = f"status_{decision.status}"
            counts[status] = counts.get(status, 0) + 1
            if decision.trajectory is not None and str(decision.status) == "approved":
                counts["approved"] += 1
                if rng.random() < 0.1:
                    planner.cancel(req.flight_id, now)
                    counts["cancelled"] += 1
                else:
                    ends[req.flight_id] = float(decision.trajectory[-1][3])
        if (hour + 1) % 6 == 0:
            planner.forget_finished()  # as the service does every 1,000 jobs
            gc.collect()
            samples.append({"day": round((hour + 1) / 24, 2), "rss_mb": round(rss_mb(), 1)})
            if args.progress:
                print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
    day1 = next(s["rss_mb"] for s in samples if s["day"] >= 1)
    end = samples[-1]["rss_mb"]
    print(
        json.dumps(
            {
                "benchmark": "a simulated week of service (compressed time), in-process planner",
                "days": args.days,
                "per_hour": args.per_hour,
                "router_cache_size": args.router_cache_size,
                **counts,
                "wall_s": round(time.perf_counter() - t_wall, 1),
                "rss_mb_end_of_day_1": day1,
                "rss_mb_end": end,
                "growth_after_day_1_mb": round(end - day1, 1),
                "growth_after_day_1_pct": round(100 * (end - day1) / day1, 1),
                "index_slots": len(planner.index._slot_ids),
                "records_kept": len(planner.records()),
                "index_items": planner.index._n_items,
                "samples": samples,
            }
        )
    )


if __name__ == "__main__":
    main()
