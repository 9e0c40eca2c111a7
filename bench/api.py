"""Benchmark of the approval service: a server on loopback, concurrent clients filing flight
requests against a day that already holds many accepted flights.

    python bench/api.py --json                      # SQLite (a fresh file in a temp dir)
    python bench/api.py --json --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeding goes through the same service functions the API calls (in process, one durable
transaction per decision), then ``qingkong serve`` is started as a real process and the clients
talk HTTP to it. Reports decisions/s, p50/p99 latency, the server's start-up time and the
decision mix. PostgreSQL: the service's tables in that database are dropped first.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.auth import Principal, Role, create_user  # noqa: E402
from api.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402
from api.models import DroneRow  # noqa: E402
from api.schemas import FlightCreate  # noqa: E402
from api.services.flights import file_flight  # noqa: E402
from api.store import drop_schema, utcnow  # noqa: E402
from tests.process import free_port, spawn_server, wait_ready  # noqa: E402

OPERATOR = "OP-BENCH"
# Qingdao urban area, inside EPSG:4549.
LON = (120.20, 120.50)
LAT = (36.00, 36.25)


def random_request(
    rng: np.random.Generator, now_s: float, n_drones: int, day_s: float
) -> dict[str, Any]:
    """A delivery-like waypoint flight: climb, cruise 2-8 km on a 10 m layer, descend."""
    lon0, lat0 = rng.uniform(*LON), rng.uniform(*LAT)
    dist_m = rng.uniform(2000, 8000)
    heading = rng.uniform(0, 2 * np.pi)
    dlon = dist_m * np.sin(heading) / (111_320 * np.cos(np.radians(lat0)))
    dlat = dist_m * np.cos(heading) / 110_540
    lon1, lat1 = float(np.clip(lon0 + dlon, *LON)), float(np.clip(lat0 + dlat, *LAT))
    alt = float(rng.choice(np.arange(30, 120, 10)))
    earliest = now_s + 600 + rng.uniform(0, day_s)
    return {
        "drone": f"DR-{int(rng.integers(n_drones)):04d}",
        "departure": {"earliest": earliest, "latest": earliest + 900},
        "speed_mps": float(rng.uniform(10, 15)),
        "route": {
            "waypoints": [
                [lon0, lat0, 0.0],
                [lon0, lat0, alt],
                [lon1, lat1, alt],
                [lon1, lat1, 0.0],
            ]
        },
    }


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset(url: str) -> None:
    if url.startswith("postgresql"):
        drop_schema(url)


def seed(
    url: str, n_flights: int, n_drones: int, rng: np.random.Generator
) -> tuple[str, float, dict[str, int]]:
    """Create the operator key, drones and ``n_flights`` decided flights; returns key, seconds, mix."""
    app = create_app(Settings(database_url=url))
    store, airspace = app.state.store, app.state.airspace
    with store.write() as s:
        user, key = create_user(s, role="operator", operator_id=OPERATOR)
        for i in range(n_drones):
            s.add(
                DroneRow(
                    id=f"DR-{i:04d}",
                    operator_id=OPERATOR,
                    serial=f"SN-BENCH-{i:06d}",
                    model="bench",
                    empty_weight_kg=2.0,
                    max_takeoff_weight_kg=4.0,
                    max_speed_mps=20.0,
                    max_altitude_m=None,
                    vertical_rate_mps=3.0,
                    capabilities=["remote_id", "geofencing", "manual_takeover"],
                    drone_class="light",
                    created_at=utcnow(),
                )
            )
    principal = Principal(user.id, user.name, Role.OPERATOR, OPERATOR)
    now = airspace.now_s()
    mix: dict[str, int] = {}
    bodies = [random_request(rng, now, n_drones, 86_400.0) for _ in range(n_flights)]

    def one(raw: dict[str, Any]) -> str:
        flight, _ = file_flight(
            airspace, principal, FlightCreate.model_validate(raw), raw, max_vertices=10_000
        )
        return flight["status"]

    # Concurrent filers, so the service's group commit batches them as it would live traffic.
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for i, status in enumerate(pool.map(one, bodies)):
            mix[status] = mix.get(status, 0) + 1
            if (i + 1) % 1000 == 0:
                print(
                    f"seeded {i + 1} flights in {time.perf_counter() - t0:.1f} s", file=sys.stderr
                )
    seconds = time.perf_counter() - t0
    store.dispose()
    return key, seconds, mix


def run_clients(
    base: str, key: str, n_requests: int, n_clients: int, n_drones: int, now_s: float, seed_: int
):
    latencies: list[float] = []
    order: list[tuple[float, float]] = []
    statuses: dict[str, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(n_requests))

    host, port = base.removeprefix("http://").split(":")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def client(i: int) -> None:
        # The standard library's keep-alive client: light enough that the clients measure
        # the server, not themselves.
        rng = np.random.default_rng(seed_ + 1000 + i)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            while True:
                with lock:
                    k = next(counter, None)
                if k is None:
                    return
                # bytes, so headers and body leave in one segment (no Nagle / delayed-ACK stall)
                payload = json.dumps(random_request(rng, now_s, n_drones, 86_400.0)).encode()
                t0 = time.perf_counter()
                conn.request("POST", "/v1/flights", body=payload, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    order.append((t0, dt))
                    if resp.status == 201:
                        st = json.loads(data)["status"]
                        statuses[st] = statuses.get(st, 0) + 1
                    else:
                        errors.append(f"{resp.status}: {data[:200]!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if os.environ.get("QINGKONG_BENCH_TRACE"):
        order.sort()
        for t, dt in order:
            if dt > 0.2:
                print(f"slow at +{t - t0:.2f} s: {dt * 1000:.0f} ms", file=sys.stderr)
    return time.perf_counter() - t0, np.asarray(latencies), statuses, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", default=None, help="store URL (default: a fresh SQLite file)")
    ap.add_argument("--flights", type=int, default=10_000, help="accepted flights seeded first")
    ap.add_argument("--requests", type=int, default=3000, help="requests filed by the clients")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--drones", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qingkong-bench-"))
    url = args.database or f"sqlite:///{tmp / 'bench.sqlite'}"
    reset(url)
    rng = np.random.default_rng(args.seed)
    key, seed_s, seed_mix = seed(url, args.flights, args.drones, rng)

    port = free_port()
    log = tmp / "server.log"
    t0 = time.perf_counter()
    proc = spawn_server(url, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, log)
        ready_s = time.perf_counter() - t0
        m = re.search(r"start-up ([0-9.]+) s", log.read_text())
        now = httpx.get(f"{base}/v1/health").json()["now_s"]
        cpu0_s = process_cpu_s(proc.pid)
        wall_s, lat, statuses, errors = run_clients(
            base, key, args.requests, args.clients, args.drones, now, args.seed
        )
        server_cpu_s = process_cpu_s(proc.pid) - cpu0_s
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    result = {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "seeded_flights": args.flights,
        "seeded_mix": seed_mix,
        "seed_s": round(seed_s, 2),
        "seed_decisions_per_s": round(args.flights / seed_s, 1) if seed_s else None,
        "server_startup_s": float(m.group(1)) if m else None,
        "server_ready_s": round(ready_s, 2),
        "requests": int(lat.size),
        "clients": args.clients,
        "decisions_per_s": round(lat.size / wall_s, 1),
        "p50_ms": round(float(np.percentile(lat, 50)) * 1000, 2),
        "p99_ms": round(float(np.percentile(lat, 99)) * 1000, 2),
        # The clients share the machine: the server's own CPU a decision is the fairer figure.
        "server_cpu_ms_per_decision": round(server_cpu_s * 1000 / lat.size, 3),
        "load_avg_1min": float(Path("/proc/loadavg").read_text().split()[0]),
        "statuses": statuses,
        "errors": len(errors),
        "first_errors": errors[:3],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k:>22}: {v}")


if __name__ == "__main__":
    main()
