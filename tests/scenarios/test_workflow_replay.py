"""Replays under China's workflow: the fifth Qingdao sample misses every deadline and the
replay names each miss by its rule code; scenario files without ``workflow:`` keep the old
behaviour; bad workflow settings are named."""

from __future__ import annotations

from functools import cache

import pytest
import yaml

from scenarios.format import QINGDAO_SCENARIOS, ScenarioError, load_scenario, scenario_from_dict
from scenarios.replay import replay


@cache
def _missed() -> dict:
    return replay(
        load_scenario(QINGDAO_SCENARIOS / "missed-deadlines.yaml"), progress=False
    ).document


def _codes(doc: dict) -> dict[str, list[str]]:
    return {
        d["flight"]: [r["code"] for r in d["reasons"]]
        for d in doc["decisions"]
        if d["kind"] == "request"
    }


def test_missed_deadlines_are_named_by_code():
    doc = _missed()
    codes = _codes(doc)
    assert codes["LATE-1"] == ["FILING_DEADLINE"]
    assert codes["SELF-1"] == ["PRIORITY_NOT_GRANTED"]
    assert codes["EMS-LATE"] == ["EMERGENCY_DEADLINE"]
    assert codes["ONTIME-1"] == ["DRONE_CLASS", "APPLICATION_REQUIRED"]
    errors = {(e["type"], e["error"].split(":")[0]): e["error"] for e in doc["errors"]}
    assert errors[("request", "application")].startswith("application: missing organiser")
    assert errors[("zone", "ZONE_LEAD_TIME")].startswith("ZONE_LEAD_TIME: zone TFR-MARATHON")
    assert "2026-12-01T09:45:00+08:00" in errors[("activate", "ACTIVATION_WINDOW")]
    assert errors[("ready", "READINESS_LATE")].startswith("READINESS_LATE: ONTIME-1")
    assert ("activate", "NOT_CONFIRMED") in errors and len(errors) == 5
    assert codes["LAPSED-1"] == ["DOCUMENT_EXPIRED"]
    wf = doc["metrics"]["workflow"]
    assert wf["decided_after_deadline"] == ["ONTIME-1"] and wf["undecided"] == ["UNREVIEWED-1"]
    assert wf["decision_latency_s"]["max"] == 43200.0
    assert doc["final"]["ONTIME-1"] == "accepted" and doc["final"]["UNREVIEWED-1"] == "pending"
    assert doc["metrics"]["safety"]["ok"]


def test_without_a_workflow_the_same_day_is_waved_through():
    raw = yaml.safe_load((QINGDAO_SCENARIOS / "missed-deadlines.yaml").read_text())
    raw["workflow"] = "none"
    doc = replay(scenario_from_dict(raw, base_dir=QINGDAO_SCENARIOS), progress=False).document
    codes = _codes(doc)
    assert codes["LATE-1"] == ["DRONE_CLASS"] and codes["SELF-1"] == []
    assert [(e["type"], e["error"]) for e in doc["errors"]] == [
        ("ready", "ready: the scenario runs without a workflow (workflow: cn)")
    ]
    assert "workflow" not in doc["metrics"]


def test_bad_workflow_settings_are_named():
    raw = yaml.safe_load((QINGDAO_SCENARIOS / "missed-deadlines.yaml").read_text())
    with pytest.raises(ScenarioError, match="workflow: unknown workflow 'mars'"):
        replay(scenario_from_dict(raw | {"workflow": "mars"}, base_dir=QINGDAO_SCENARIOS))
    with pytest.raises(ScenarioError, match="grants.OP-X: unknown task type 'pizza'"):
        replay(
            scenario_from_dict(raw | {"grants": {"OP-X": ["pizza"]}}, base_dir=QINGDAO_SCENARIOS)
        )
