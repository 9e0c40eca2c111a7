"""What China's workflow costs a filing: the same requests filed through the service functions
(in process, SQLite, one durable commit each) with ``QINGKONG_WORKFLOW=none`` (the baseline)
and ``cn``, interleaved in one process so both see the same machine load; and the pure gate
(who must apply, the filing deadline) on its own.

    python bench/workflow.py --flights 400 --json

The mix: 80 % light drones (exempt), 20 % medium drones applying with the Art. 27 contents for
a departure two days ahead (pending), their registry documents valid. Reports median and p99 filing latency per workflow and
their ratio to the baseline, and the gate's own median cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from airspace.workflow import (  # noqa: E402
    CN_APPLICATION_ITEMS,
    CN_WORKFLOW,
    filing_findings,
    who_must_apply,
)
from api.auth import Principal, Role, create_user  # noqa: E402
from api.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402
from api.models import DroneRow  # noqa: E402
from api.schemas import FlightCreate  # noqa: E402
from api.services.flights import file_flight  # noqa: E402
from api.store import utcnow  # noqa: E402
from api.workflow.models import RegistryDocument  # noqa: E402
from bench.api import OPERATOR, random_request  # noqa: E402

APPLICATION = {k: "bench" for k in CN_APPLICATION_ITEMS}
BJ = ZoneInfo("Asia/Shanghai")


def service(url: str, workflow: str, n_drones: int) -> tuple[Any, Principal]:
    app = create_app(Settings(database_url=url, workflow=workflow))
    with app.state.store.write() as s:
        user, _key = create_user(s, role="operator", operator_id=OPERATOR)
        for i in range(n_drones):
            medium = i % 5 == 0
            s.add(
                DroneRow(
                    id=f"DR-{i:04d}",
                    operator_id=OPERATOR,
                    serial=f"SN-BENCH-{i:06d}",
                    model="bench",
                    empty_weight_kg=30.0 if medium else 2.0,
                    max_takeoff_weight_kg=60.0 if medium else 4.0,
                    max_speed_mps=20.0,
                    max_altitude_m=None,
                    vertical_rate_mps=3.0,
                    capabilities=["remote_id", "geofencing", "manual_takeover"],
                    drone_class="medium" if medium else "light",
                    created_at=utcnow(),
                )
            )
        since, until = utcnow() - timedelta(days=30), utcnow() + timedelta(days=365)
        for kind, drone in [
            (k, None) for k in ("operator_certificate", "insurance", "pilot_licence")
        ] + [("drone_registration", f"DR-{i:04d}") for i in range(0, n_drones, 5)]:
            s.add(
                RegistryDocument(
                    operator_id=OPERATOR,
                    drone_id=drone,
                    kind=kind,
                    number=f"BENCH-{kind}-{drone}",
                    valid_from=since,
                    valid_until=until,
                    created_at=utcnow(),
                )
            )
    return app, Principal(user.id, user.name, Role.OPERATOR, OPERATOR)


def bodies(n: int, n_drones: int, now_s: float, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        raw = random_request(rng, now_s + 2 * 86400.0, n_drones, 6 * 3600.0)
        if int(raw["drone"].split("-")[1]) % 5 == 0:
            raw["application"] = APPLICATION
        out.append(raw)
    return out


def gate_cost_s(repeats: int) -> float:
    dep = datetime(2026, 12, 1, 9, tzinfo=BJ)
    filed = dep - timedelta(days=1, hours=2)
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        ob = who_must_apply(CN_WORKFLOW, drone_class="medium" if i % 5 == 0 else "light", task=None)
        if ob.must_apply:
            filing_findings(CN_WORKFLOW, task=None, filed_at=filed, departure=dep, tz=BJ)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flights", type=int, default=400)
    ap.add_argument("--drones", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        apps = {
            wf: service(f"sqlite:///{Path(tmp) / f'{wf}.sqlite'}", wf, args.drones)
            for wf in ("none", "cn")
        }
        now_s = apps["none"][0].state.airspace.now_s()
        work = bodies(args.flights, args.drones, now_s, args.seed)
        lat: dict[str, list[float]] = {wf: [] for wf in apps}
        mix: dict[str, dict[str, int]] = {wf: {} for wf in apps}
        for i, raw in enumerate(work):
            order = ("none", "cn") if i % 2 == 0 else ("cn", "none")
            for wf in order:
                app, principal = apps[wf]
                body = dict(raw, flight=f"F-{i:05d}")
                t0 = time.perf_counter()
                flight, _ = file_flight(
                    app.state.airspace,
                    principal,
                    FlightCreate.model_validate(body),
                    body,
                    max_vertices=10_000,
                )
                lat[wf].append(time.perf_counter() - t0)
                mix[wf][flight["status"]] = mix[wf].get(flight["status"], 0) + 1
        for app, _ in apps.values():
            app.state.store.dispose()
    out: dict[str, Any] = {"flights": args.flights, "drones": args.drones, "mix": mix}
    for wf, xs in lat.items():
        a = np.asarray(xs) * 1000.0
        out[wf] = {
            "median_ms": round(float(np.median(a)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2),
        }
    out["ratio_median"] = round(out["cn"]["median_ms"] / out["none"]["median_ms"], 3)
    out["ratio_p99"] = round(out["cn"]["p99_ms"] / out["none"]["p99_ms"], 3)
    out["gate_median_us"] = round(gate_cost_s(20_000) * 1e6, 2)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
