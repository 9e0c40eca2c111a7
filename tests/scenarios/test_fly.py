"""Flying a faulty day: every injected fault is alerted, and nothing else is.

:func:`check_detection` is the independent checker: it reads only the fly document's fault
list and alert list and holds its own table of what each fault must raise and how fast; it
shares no code with :mod:`planner.conformance` or :mod:`scenarios.fly`.
"""

from __future__ import annotations

import json
from functools import cache

import yaml
from click.testing import CliRunner

from cli.main import main
from scenarios.fly import fly
from scenarios.format import QINGDAO_SCENARIOS, load_scenario, scenario_from_dict

MUST_RAISE = {
    "drift": {"OFF_ROUTE", "OUTSIDE_AREA"},
    "altitude": {"OFF_ALTITUDE"},
    "late": {"OFF_SCHEDULE"},
    "lost_link": {"LOST_LINK"},
    "stranger": {"UNAUTHORISED_FLIGHT"},
    "wrong_operator": {"TELEMETRY_MISMATCH"},
}
MAY_ALSO_RAISE = {"altitude": {"CEILING_BREACH"}, "stranger": {"CEILING_BREACH", "ZONE_BREACH"}}


def check_detection(doc: dict) -> list[str]:
    """Problems found: faults without a timely alert of the right code, alerts without fault."""
    lost_link_s = doc["thresholds"]["lost_link_s"]
    problems = []
    for f in doc["faults"]:
        within = lost_link_s + 2.0 if f["kind"] == "lost_link" else 1.0  # positions come at 1 Hz
        hits = [
            a
            for a in doc["alerts"]
            if (a["flight"] == f["flight"] or (a["flight"] is None and a["drone"] == f["drone"]))
            and a["code"] in MUST_RAISE[f["kind"]]
            and f["start"] <= a["t"] <= f["start"] + within
        ]
        if not hits:
            problems.append(f"fault {f} was not alerted within {within} s")
    for a in doc["alerts"]:
        causes = [
            f
            for f in doc["faults"]
            if (a["flight"] == f["flight"] or a["drone"] == f["drone"])
            and a["code"] in MUST_RAISE[f["kind"]] | MAY_ALSO_RAISE.get(f["kind"], set())
            and a["t"] >= f["start"]
        ]
        if not causes:
            problems.append(f"alert {a} has no injected fault behind it")
    return problems


@cache
def _day(seed: int) -> dict:
    scenario = load_scenario(QINGDAO_SCENARIOS / "morning-delivery-peak.yaml")
    return fly(scenario, faults=0.12, seed=seed)


def test_a_faulty_day_alerts_every_fault_and_nothing_else():
    doc = _day(3)
    assert {f["kind"] for f in doc["faults"]} == set(MUST_RAISE)  # all six kinds injected
    assert check_detection(doc) == []
    m = doc["metrics"]
    assert m["missed"] == [] and m["false_alerts"] == []
    # a position spoofed by another operator does not make the real flight nonconforming
    deviated = {
        f["flight"] for f in doc["faults"] if f["kind"] not in ("stranger", "wrong_operator")
    }
    assert m["conforming_share"] == round((m["flights"] - len(deviated)) / m["flights"], 4)
    assert m["detection_latency_s"]["max"] <= doc["thresholds"]["lost_link_s"] + 2


def test_the_checker_is_not_a_rubber_stamp():
    doc = json.loads(json.dumps(_day(3)))
    late = next(a for a in doc["alerts"] if a["code"] == "OFF_SCHEDULE")
    doc["alerts"].remove(late)
    doc["alerts"].append({"code": "OFF_ROUTE", "flight": "DEL-NOMINAL", "drone": "D", "t": 1.0})
    problems = check_detection(doc)
    assert any("was not alerted" in p for p in problems)
    assert any("no injected fault" in p for p in problems)


def test_a_nominal_day_raises_nothing():
    scenario = load_scenario(QINGDAO_SCENARIOS / "emergency-priority.yaml")
    doc = fly(scenario, faults=0.0)
    assert doc["alerts"] == [] and doc["metrics"]["conforming_share"] == 1.0


def test_scenario_telemetry_events_are_flown(tmp_path):
    raw = yaml.safe_load((QINGDAO_SCENARIOS / "emergency-priority.yaml").read_text())
    raw["events"].append(
        {
            "t": 100,
            "type": "telemetry",
            "positions": [
                {"drone": "DR-JD-0001", "lon": 120.36, "lat": 36.07, "altitude_m": 50},
                {"drone": "DR-JD-0001", "lon": 120.361, "lat": 36.07, "altitude_m": 50, "t": 101},
            ],
        }
    )
    doc = fly(scenario_from_dict(raw, base_dir=QINGDAO_SCENARIOS), faults=0.0)
    assert [(a["code"], a["drone"]) for a in doc["alerts"]] == [
        ("UNAUTHORISED_FLIGHT", "DR-JD-0001")
    ]
    raw["events"][-1]["positions"][0]["lat"] = 120.36
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    r = CliRunner().invoke(main, ["scenario", "fly", str(path)])
    assert r.exit_code == 2 and "positions[0]" in r.output


def test_fly_command_reports_and_exits_0_when_everything_is_found():
    path = QINGDAO_SCENARIOS / "emergency-priority.yaml"
    r = CliRunner().invoke(main, ["scenario", "fly", str(path), "--faults", "0%", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output[r.output.index("{") :])["metrics"]["false_alerts"] == []
    bad = CliRunner().invoke(main, ["scenario", "fly", str(path), "--faults", "ten"])
    assert bad.exit_code == 2 and "5%" in bad.output
