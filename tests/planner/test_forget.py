"""A long-running planner forgets finished flights (the store keeps them) and keeps the live."""

from __future__ import annotations

from datetime import datetime

import pytest

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from planner.decision import Planner
from planner.requests import FlightRequest, State, WaypointRoute

EPOCH = datetime.fromisoformat("2026-12-01T00:00:00+08:00")
DRONE = Drone(
    "DR-1",
    operator_id="OP",
    empty_weight_kg=0.9,
    max_takeoff_weight_kg=1.5,
    capabilities=frozenset({"remote_id", "geofencing", "manual_takeover"}),
)


def _request(fid: str, lat: float) -> FlightRequest:
    hop = ((120.30, lat, 0.0), (120.30, lat, 60.0), (120.32, lat, 60.0), (120.32, lat, 0.0))
    return FlightRequest(fid, DRONE, WaypointRoute(hop), 600.0, 2400.0, speed_mps=10.0)


def test_forget_finished_keeps_live_flights_and_their_airspace():
    p = Planner(QINGDAO, epoch=EPOCH)
    for i, fid in enumerate(["ENDED", "CANCELLED", "LIVE"]):
        decision, _ = p.decide(_request(fid, 36.10 + 0.01 * i), 0.0)
        assert decision.status == "approved"
    p.activate("ENDED", 700.0)
    p.end("ENDED", 900.0)
    p.cancel("CANCELLED", 100.0)
    assert p.forget_finished() == 2
    assert list(p.records()) == ["LIVE"]
    with pytest.raises(KeyError):
        p.record("ENDED")
    assert p.record("LIVE").state == State.ACCEPTED
    # the live flight still holds its airspace: the same hop again is delayed
    again, _ = p.decide(_request("AGAIN", 36.12), 0.0)
    assert again.delay_s > 0
