"""Benchmark of off-nominal volumes: what a position batch costs when it (re)publishes a
drone's off-nominal volume, beside a conforming batch in the same process (the baseline).

    python bench/offnominal.py [--flights 60] [--reps 40] [--json]

An in-process service on a temporary SQLite store holds ``--flights`` accepted flights (their
operators' drones on short north-south hops spread over Qingdao) plus two airborne flights:
one conforming, one 111 m off its route. Each rep sends one position of each (one second
later each time); the deviating one republishes its volume every time (refresh 0 s), which
re-checks the accepted flights near it. Reported: median and p99 per batch, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.auth import create_user  # noqa: E402
from api.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402

EAST = [[120.30, 36.10, 0.0], [120.30, 36.10, 60.0], [120.32, 36.10, 60.0], [120.32, 36.10, 0.0]]
SOUTH = [[120.30, 36.08, 0.0], [120.30, 36.08, 60.0], [120.32, 36.08, 60.0], [120.32, 36.08, 0.0]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flights", type=int, default=60, help="accepted flights in the airspace")
    ap.add_argument("--reps", type=int, default=40, help="batches of each kind")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            telemetry_max_ahead_s=7200.0,
            lost_link_s=3600.0,
            offnominal_refresh_s=1e-6,
        )
        app = create_app(settings)
        with app.state.store.write() as s:
            keys = {op: create_user(s, role="operator", operator_id=op)[1] for op in ("A", "B")}
        c = TestClient(app)
        h = {op: {"Authorization": f"Bearer {k}"} for op, k in keys.items()}
        now = c.get("/v1/health").json()["now_s"]

        def drone(op: str, did: str) -> None:
            body = {
                "id": did,
                "serial": f"SN-{did}",
                "max_speed_mps": 20.0,
                "empty_weight_kg": 0.9,
                "max_takeoff_weight_kg": 1.5,
                "capabilities": ["remote_id", "geofencing", "manual_takeover"],
            }
            assert c.post("/v1/drones", json=body, headers=h[op]).status_code == 201

        def fly(op: str, did: str, wps, start_s: float, window_s: float = 3600) -> dict:
            body = {
                "drone": did,
                "speed_mps": 10.0,
                "route": {"waypoints": wps},
                "departure": {"earliest": now + start_s, "latest": now + start_s + window_s},
            }
            r = c.post("/v1/flights", json=body, headers=h[op])
            assert r.status_code == 201, r.text
            return r.json()

        t0 = time.perf_counter()
        rng = np.random.default_rng(7)
        for i in range(a.flights):
            drone("B", f"B-{i}")
            lon = 120.25 + rng.uniform(0, 0.15)
            lat = 36.05 + rng.uniform(0, 0.1)
            fly(
                "B",
                f"B-{i}",
                [[lon, lat, 0], [lon, lat, 50], [lon, lat + 0.01, 50], [lon, lat + 0.01, 0]],
                120 + rng.uniform(0, 1800),
            )
        setup_s = time.perf_counter() - t0
        flights = {}
        for did, wps in (("OFF", EAST), ("OK", SOUTH)):
            drone("A", did)
            flights[did] = f = fly("A", did, wps, 60, 60)
            assert c.post(f"/v1/flights/{f['flight']}/activate", headers=h["A"]).status_code == 200
        svc = app.state.telemetry
        airspace = app.state.airspace

        def position(did: str, k: int, dlat: float) -> dict:
            rows = np.asarray(flights[did]["trajectory"])
            t = rows[0, 3] + 30 + k  # cruising
            lon, lat, alt = (float(np.interp(t, rows[:, 3], rows[:, i])) for i in range(3))
            return {
                "drone": did,
                "time": airspace.to_datetime(t).isoformat(),
                "lon": lon,
                "lat": lat + dlat,
                "altitude_m": alt,
            }

        base, off = [], []
        for k in range(a.reps):
            for did, dlat, out in (("OK", 0.0, base), ("OFF", 0.001, off)):
                p = position(did, k, dlat)
                t1 = time.perf_counter()
                n, refused = svc.ingest([p], operator="A")
                out.append(time.perf_counter() - t1)
                assert n == 1 and not refused, refused
        assert f"OFFNOM-{flights['OFF']['flight']}" in airspace.zones
        c.close()
        svc.stop()
        app.state.store.dispose()

    def stats(xs: list[float]) -> dict:
        ms = np.asarray(xs[1:]) * 1000  # the first of each warms caches
        return {"median_ms": float(np.median(ms)), "p99_ms": float(np.percentile(ms, 99))}

    result = {
        "accepted_flights": a.flights,
        "reps": a.reps,
        "setup_s": setup_s,
        "conforming_batch": stats(base),
        "republishing_batch": stats(off),
    }
    result["ratio_median"] = (
        result["republishing_batch"]["median_ms"] / result["conforming_batch"]["median_ms"]
    )
    if a.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{a.flights} accepted flights, {a.reps} batches each")
        for key in ("conforming_batch", "republishing_batch"):
            r = result[key]
            print(f"  {key}: median {r['median_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms")
        print(f"  ratio (median): {result['ratio_median']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
