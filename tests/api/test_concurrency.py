"""Concurrent requests inside one process: retries with one request_id make one flight, and
conflicting requests filed at once are never both approved (independent checker)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np

from airspace.deployment import QINGDAO
from tests.api.conftest import EAST, NORTH
from tests.checker import check_accepted


def test_concurrent_retries_make_one_flight(service):
    service.drone("a", "DR-A1")
    now = service.now_s()
    body = {
        "request_id": "same-everywhere",
        "drone": "DR-A1",
        "departure": {"earliest": now + 600, "latest": now + 900},
        "speed_mps": 10.0,
        "route": {"waypoints": EAST},
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(
                lambda _: service.client.post("/v1/flights", json=body, headers=service.h("a")),
                range(8),
            )
        )
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["flight"] for a in answers}) == 1
    assert service.client.get("/v1/flights", headers=service.h("a")).json()["count"] == 1


def test_concurrent_conflicting_requests_stay_separated(service):
    for i in range(12):
        service.drone("a" if i % 2 else "b", f"DR-{i}")
    now = service.now_s()

    def fire(i: int):
        body = {
            "drone": f"DR-{i}",
            "departure": {"earliest": now + 600, "latest": now + 600 + (0 if i % 3 else 120)},
            "speed_mps": 10.0,
            "route": {"waypoints": EAST if i % 2 else NORTH},
        }
        return service.client.post(
            "/v1/flights", json=body, headers=service.h("a" if i % 2 else "b")
        ).json()

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(fire, range(12)))
    approved = [a for a in answers if a["status"] == "approved"]
    assert 1 <= len(approved) < 12
    records = {
        a["flight"]: SimpleNamespace(
            state="accepted",
            decision=SimpleNamespace(trajectory=np.asarray(a["trajectory"]), area=None),
        )
        for a in approved
    }
    assert check_accepted(records, [], QINGDAO, separation_h_m=50.0, separation_v_m=20.0) == []
