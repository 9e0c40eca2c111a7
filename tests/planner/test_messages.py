"""Messages say times as people read them (RFC 3339 in the deployment's time zone) and name the
real state of a conflicting flight."""

from __future__ import annotations

from datetime import UTC, datetime

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from planner.decision import Planner
from planner.requests import FlightRequest, WaypointRoute

EPOCH = datetime(2026, 12, 1, tzinfo=UTC)
HIGH = WaypointRoute(((120.38, 36.07, 0.0), (120.38, 36.07, 130.0), (120.39, 36.07, 130.0)))


def _messages(decision) -> str:
    return " | ".join(r.message for r in decision.reasons)


def test_times_in_messages_are_local_rfc3339():
    p = Planner(QINGDAO, epoch=EPOCH)
    late = FlightRequest("F-1", Drone("D-1", drone_class="light"), HIGH, 0.0, 60.0, 10.0)
    d, _ = p.decide(late, now_s=3600.0)
    msg = _messages(d)
    assert "2026-12-01T08:01:" in msg and "+08:00" in msg and "before now" in msg, msg
    assert "e+0" not in msg


def test_a_conflict_names_the_flights_real_state_and_the_later_slot_in_local_time():
    p = Planner(QINGDAO, epoch=EPOCH)
    first = FlightRequest("F-1", Drone("D-1", drone_class="light"), HIGH, 300.0, 300.0, 10.0)
    d1, _ = p.decide(first, now_s=0.0)
    assert str(d1.status) == "pending"  # above the 120 m ceiling: holds its slot for review
    second = FlightRequest("F-2", Drone("D-2", drone_class="light"), HIGH, 300.0, 300.0, 10.0)
    d2, _ = p.decide(second, now_s=0.0)
    msg = _messages(d2)
    assert "conflicts with pending flight F-1" in msg, msg
    assert "the earliest later departure that fits is 2026-12-01T08:" in msg, msg
