"""The workflow gate inside the planner's decision: nothing is committed when it refuses, and
an authorisation zone's ED-318 ``intervalBefore`` is enforced."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from airspace.formats import zone_from_dict
from airspace.workflow import CN_APPLICATION_ITEMS, CN_WORKFLOW, duration_s
from planner.decision import Planner
from planner.requests import FlightRequest, WaypointRoute
from planner.workflow_gate import ApplicationIncomplete, WorkflowFacts, WorkflowGate

BJ = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(2026, 12, 1, 0, 0, tzinfo=BJ)
ROUTE = WaypointRoute(((120.38, 36.07, 0), (120.38, 36.07, 60), (120.39, 36.07, 60)))
APP = dict.fromkeys(CN_APPLICATION_ITEMS, "x")


def _zone(interval: str | None):
    z = zone_from_dict(
        {
            "id": "QD-PORT",
            "restriction": "REQ_AUTHORISATION",
            "geometry": {"type": "Circle", "center": [120.385, 36.07], "radius_m": 300},
            "lower_m": 0,
            "upper_m": 120,
        },
        start=EPOCH,
        tz=BJ,
    )
    if interval is None:
        return z
    return replace(z, authority=({"purpose": "AUTHORIZATION", "intervalBefore": interval},))


def _decide(planner, facts, *, filed_s, depart_s, fid="F-1"):
    req = FlightRequest(
        fid, Drone("D-1", drone_class="light"), ROUTE, depart_s, depart_s + 600, 10.0
    )
    gate = WorkflowGate(CN_WORKFLOW, facts, frozenset(), EPOCH, BJ, filed_s)
    return planner.decide(req, filed_s, gate=gate)[0]


def test_ED318_INTERVAL_BEFORE_of_an_authorisation_zone_is_enforced():
    assert duration_s("P10DT00H") == 864000.0 and duration_s("P1W") == 604800.0
    with pytest.raises(ValueError, match="ISO 8601"):
        duration_s("10 days")
    p = Planner(QINGDAO, epoch=EPOCH, zones=[_zone("P2DT00H")])
    facts = WorkflowFacts(application=APP)
    late = _decide(p, facts, filed_s=0.0, depart_s=86400.0)
    assert [(r.code, r.rule) for r in late.reasons] == [
        ("ZONE_INTERVAL_BEFORE", "CN-2024-ED318-INTERVAL-BEFORE")
    ]
    assert "P2DT00H" in late.reasons[0].message
    on_time = _decide(p, facts, filed_s=0.0, depart_s=3 * 86400.0, fid="F-2")
    codes = [str(r.code) for r in on_time.reasons]
    assert str(on_time.status) == "pending" and codes == [
        "ZONE_REQ_AUTHORISATION",
        "APPLICATION_REQUIRED",
    ]
    assert on_time.reasons[0].detail == {"interval_before": "P2DT00H"}


def test_a_refusing_gate_commits_nothing():
    p = Planner(QINGDAO, epoch=EPOCH, zones=[_zone(None)])
    with pytest.raises(ApplicationIncomplete, match="missing organiser"):
        _decide(p, WorkflowFacts(), filed_s=0.0, depart_s=2 * 86400.0)
    with pytest.raises(KeyError):
        p.record("F-1")
    assert "F-1" not in p.index
