"""Racing requests on two server processes sharing one database: conflicting requests can
never both be approved. Real uvicorn processes on loopback, many concurrent clients, and the
accepted set checked by the independent checker (tests/checker.py)."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import numpy as np
import pytest

from airspace.deployment import QINGDAO
from api.auth import create_user
from api.store import Store
from tests.api.conftest import EAST, NORTH
from tests.checker import check_accepted
from tests.process import free_port, spawn_server, wait_ready

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_processes_never_approve_conflicting_requests(db_url, tmp_path):
    store = Store(db_url)
    store.migrate()
    keys = {}
    with store.write() as s:
        keys["regulator"] = create_user(s, role="regulator")[1]
        for op in ("OP-1", "OP-2", "OP-3", "OP-4"):
            keys[op] = create_user(s, role="operator", operator_id=op)[1]
    store.dispose()

    ports = [free_port(), free_port()]
    logs = [tmp_path / f"server{i}.log" for i in range(2)]
    procs = [spawn_server(db_url, p, log) for p, log in zip(ports, logs, strict=True)]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base, proc, log in zip(bases, procs, logs, strict=True):
            wait_ready(base, proc, log)
        ops = ["OP-1", "OP-2", "OP-3", "OP-4"]
        n_per_op = 6
        for i, op in enumerate(ops):
            for j in range(n_per_op):
                r = httpx.post(
                    f"{bases[i % 2]}/v1/drones",
                    json={
                        "id": f"DR-{op}-{j}",
                        "serial": f"SN-{op}-{j}",
                        "empty_weight_kg": 0.9,
                        "max_takeoff_weight_kg": 1.5,
                        "max_speed_mps": 20.0,
                        "capabilities": ["remote_id", "geofencing", "manual_takeover"],
                    },
                    headers={"Authorization": f"Bearer {keys[op]}"},
                )
                assert r.status_code == 201, r.text
        now = httpx.get(f"{bases[0]}/v1/health").json()["now_s"]
        jobs = []
        for i, op in enumerate(ops):
            for j in range(n_per_op):
                k = i * n_per_op + j
                route = EAST if k % 2 == 0 else NORTH
                window = 0.0 if k % 3 else 240.0  # most have no room to move; some may slide
                body = {
                    "request_id": f"race-{k}",
                    "drone": f"DR-{op}-{j}",
                    "departure": {"earliest": now + 600, "latest": now + 600 + window},
                    "speed_mps": 10.0,
                    "route": {"waypoints": route},
                }
                jobs.append((bases[k % 2], keys[op], body))

        def fire(job):
            base, key, body = job
            return httpx.post(
                f"{base}/v1/flights",
                json=body,
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            )

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            answers = list(pool.map(fire, jobs))
        assert all(a.status_code == 201 for a in answers), [
            a.text for a in answers if a.status_code != 201
        ]
        approved = [a.json() for a in answers if a.json()["status"] == "approved"]
        assert 1 <= len(approved) < len(jobs)

        listed = httpx.get(
            f"{bases[1]}/v1/flights",
            params={"state": ["accepted"], "limit": 1000},
            headers={"Authorization": f"Bearer {keys['regulator']}"},
        ).json()["items"]
        assert {f["flight"] for f in listed} == {f["flight"] for f in approved}
        records = {
            f["flight"]: SimpleNamespace(
                state=f["state"],
                decision=SimpleNamespace(
                    trajectory=np.asarray(f["trajectory"], dtype=float), area=None
                ),
            )
            for f in listed
        }
        assert check_accepted(records, [], QINGDAO, separation_h_m=50.0, separation_v_m=20.0) == []
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.mark.slow
def test_a_replica_sees_flights_and_zones_published_by_another(db_url, tmp_path):
    store = Store(db_url)
    store.migrate()
    with store.write() as s:
        reg = create_user(s, role="regulator")[1]
        op = create_user(s, role="operator", operator_id="OP-1")[1]
    store.dispose()
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"server{i}.log" for i in range(2)]
    procs = [spawn_server(db_url, p, log) for p, log in zip(ports, logs, strict=True)]
    a, b = (f"http://127.0.0.1:{p}" for p in ports)
    auth_op, auth_reg = {"Authorization": f"Bearer {op}"}, {"Authorization": f"Bearer {reg}"}
    try:
        for base, proc, log in zip((a, b), procs, logs, strict=True):
            wait_ready(base, proc, log)
        for i in range(3):
            drone = {
                "id": f"DR-{i}",
                "serial": f"SN-R-{i}",
                "empty_weight_kg": 0.9,
                "max_takeoff_weight_kg": 1.5,
                "max_speed_mps": 20.0,
                "capabilities": ["remote_id", "geofencing", "manual_takeover"],
            }
            assert httpx.post(f"{a}/v1/drones", json=drone, headers=auth_op).status_code == 201
        now = httpx.get(f"{a}/v1/health").json()["now_s"]

        def fly(base: str, drone: str) -> dict:
            body = {
                "drone": drone,
                "departure": {"earliest": now + 600, "latest": now + 600},
                "speed_mps": 10.0,
                "route": {"waypoints": EAST},
            }
            return httpx.post(f"{base}/v1/flights", json=body, headers=auth_op, timeout=60).json()

        first = fly(a, "DR-0")
        assert first["status"] == "approved"
        assert fly(b, "DR-1")["status"] == "rejected"  # B knows A's flight
        zone = {
            "id": "TFR-R",
            "restriction": "PROHIBITED",
            "geometry": {"type": "Circle", "center": [120.31, 36.10], "radius_m": 300},
            "lower_m": 0,
            "upper_m": 200,
        }
        published = httpx.post(f"{b}/v1/zones", json=zone, headers=auth_reg, timeout=60).json()
        assert [c["flight"] for c in published["changes"]] == [first["flight"]]
        q = {"lon": 120.31, "lat": 36.10, "altitude_m": 50, "start": now, "end": now + 60}
        assert [
            h["zone"] for h in httpx.get(f"{a}/v1/geo/point", params=q, headers=auth_op).json()
        ] == ["TFR-R"]
        again = fly(a, "DR-2")  # A now knows the zone (and that the first flight moved or went)
        assert again["status"] == "rejected" and any(
            r.get("zone") == "TFR-R" for r in again["reasons"]
        )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
