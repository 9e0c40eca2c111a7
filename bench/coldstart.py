"""Cold start of ``qingkong serve`` on a fresh machine: an empty numba cache.

Starts the service (demo airspace, a new SQLite store, a new empty ``NUMBA_CACHE_DIR``) and
measures the seconds until ``/v1/health`` answers, until ``/v1/ready`` answers 200 (kernels
compiled), and what a flight filed right after health gets (it waits for the kernels). Then
starts it again on the now-warm cache. Prints one JSON object.

    .venv/bin/python bench/coldstart.py
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# bench/planner.py must not shadow the planner package; the repository root holds tests/
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from airspace.workflow import CN_APPLICATION_ITEMS  # noqa: E402
from tests.process import free_port, spawn_server  # noqa: E402

BEIJING = ZoneInfo("Asia/Shanghai")

EAST = [[120.30, 36.10, 0.0], [120.30, 36.10, 60.0], [120.32, 36.10, 60.0], [120.32, 36.10, 0.0]]


def _file_flight(base: str, key: str, out: dict) -> None:
    """File one complete request the way an operator of the Qingdao demo would (the demo runs
    China's workflow: registry documents, an application, filed before the deadline)."""
    h = {"Authorization": f"Bearer {key}"}
    t0 = time.perf_counter()
    drone = {
        "id": "DR-COLD",
        "serial": "SN-COLD",
        "empty_weight_kg": 0.9,
        "max_takeoff_weight_kg": 1.5,
        "max_speed_mps": 20.0,
        "capabilities": ["remote_id", "geofencing", "manual_takeover"],
    }
    httpx.post(f"{base}/v1/drones", json=drone, headers=h, timeout=600)
    now = datetime.now(BEIJING)
    kinds = [{"kind": k} for k in ("operator_certificate", "insurance", "pilot_licence")]
    for i, doc in enumerate([*kinds, {"kind": "drone_registration", "drone": "DR-COLD"}]):
        doc |= {
            "number": f"DOC-COLD-{i}",
            "valid_from": (now - timedelta(days=365)).isoformat(),
            "valid_until": (now + timedelta(days=365)).isoformat(),
        }
        httpx.post(f"{base}/v1/documents", json=doc, headers=h, timeout=600)
    day = now.date() + timedelta(days=2)  # the 12:00-the-day-before deadline is ahead
    departure = datetime(day.year, day.month, day.day, 9, tzinfo=BEIJING)
    body = {
        "drone": "DR-COLD",
        "departure": {
            "earliest": departure.isoformat(),
            "latest": (departure + timedelta(minutes=30)).isoformat(),
        },
        "speed_mps": 10.0,
        "route": {"waypoints": EAST},
        "application": {k: f"{k} (cold-start benchmark)" for k in CN_APPLICATION_ITEMS}
        | {"aircraft_count": 1},
    }
    r = httpx.post(f"{base}/v1/flights", json=body, headers=h, timeout=900)
    out["flight_status_code"] = r.status_code
    out["flight_status"] = r.json().get("status")
    out["flight_answered_after_s"] = round(time.perf_counter() - t0, 2)


def start_once(cache: str, workdir: Path, label: str) -> dict:
    os.environ["NUMBA_CACHE_DIR"] = cache
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / f"{label}.log"
    t0 = time.perf_counter()
    proc = spawn_server(f"sqlite:///{workdir / (label + '.sqlite')}", port, log, demo=True)
    out: dict = {}
    flight: dict = {}
    filer = None
    try:
        while "health_s" not in out:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text()[-2000:])
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    out["health_s"] = round(time.perf_counter() - t0, 2)
            except httpx.HTTPError:
                time.sleep(0.05)
        r = httpx.get(f"{base}/v1/ready", timeout=10)
        out["ready_at_health"] = r.status_code == 200
        out["progress_at_health"] = r.json().get("kernels")
        key = re.search(r"demo operator key: (\S+)", log.read_text())
        if key:
            filer = threading.Thread(target=_file_flight, args=(base, key.group(1), flight))
            filer.start()
        while True:
            r = httpx.get(f"{base}/v1/ready", timeout=10)
            if r.status_code == 200:
                out["ready_s"] = round(time.perf_counter() - t0, 2)
                break
            time.sleep(0.2)
        if filer is not None:
            filer.join(900)
        out.update(flight)
        out["serve_output"] = [
            line
            for line in log.read_text().splitlines()
            if line.startswith("qingkong: ") and "key:" not in line
        ]
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cache = str(work / "numba-cache")
        result = {
            "benchmark": "qingkong serve cold start (empty numba cache), then warm",
            "load_average_start": [round(v, 2) for v in os.getloadavg()],
            "cold": start_once(cache, work, "cold"),
            "warm": start_once(cache, work, "warm"),
            "load_average_end": [round(v, 2) for v in os.getloadavg()],
        }
    result["health_within_5_s"] = result["cold"]["health_s"] <= 5.0
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
