"""Replaying the sample Qingdao scenarios in process: what users see in the replay document,
determinism, and the command line."""

from __future__ import annotations

import json
from functools import cache

import pytest
import yaml
from click.testing import CliRunner

from cli.main import main
from scenarios.format import QINGDAO_SCENARIOS, load_scenario, scenario_from_dict
from scenarios.replay import replay


@cache
def _run(name: str) -> dict:
    return replay(load_scenario(QINGDAO_SCENARIOS / name), progress=False).document


def _by(doc: dict, kind: str) -> dict[str, dict]:
    return {d["flight"]: d for d in doc["decisions"] if d["kind"] == kind}


def _without_timing(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc["metrics"].pop("timing")
    return doc


def test_emergency_flight_outranks_deliveries():
    doc = _run("emergency-priority.yaml")
    req = _by(doc, "request")
    # It carries dangerous goods: it applies (holding its slot) and the regulator approves it.
    assert req["EMS-1"]["status"] == "pending" and req["EMS-1"]["departure"] == 3000.0
    assert [r["code"] for r in req["EMS-1"]["reasons"]] == ["APPLICATION_REQUIRED"]
    assert _by(doc, "review")["EMS-1"]["status"] == "approved"
    assert req["DEL-1"]["exemption"]["rule"] == "CN-2024-ART31-EXEMPT-SUITABLE"
    assert req["DEL-3"]["status"] == "rejected"
    assert any(r.get("alternative_departure") for r in req["DEL-3"]["reasons"])
    revoked, replanned = _by(doc, "revoked"), _by(doc, "replanned")
    assert revoked and replanned
    for d in [*revoked.values(), *replanned.values()]:
        assert d["event"] == 4 and d["cause"]["flight"] == "EMS-1"
    assert {d["cause"]["code"] for d in revoked.values()} == {"OUTRANKED"}
    assert doc["final"]["EMS-1"] == "ended"
    assert all(doc["final"][f] == "revoked" for f in revoked)
    m = doc["metrics"]
    assert (m["revocations"], m["replans"]) == (len(revoked), len(replanned))
    assert m["safety"]["ok"] and m["safety"]["flights"] >= 3


def test_replay_is_deterministic():
    sc = load_scenario(QINGDAO_SCENARIOS / "emergency-priority.yaml")
    a = replay(sc, progress=False).document
    b = replay(
        load_scenario(QINGDAO_SCENARIOS / "emergency-priority.yaml"), progress=False
    ).document
    assert json.dumps(_without_timing(a), sort_keys=True) == json.dumps(
        _without_timing(b), sort_keys=True
    )
    assert a["metrics"]["timing"]["decisions"] == 7  # six requests and one review


def test_sailing_week_restriction_forces_replans():
    doc = _run("sailing-week.yaml")
    changes = [d for d in doc["decisions"] if d["kind"] in ("replanned", "revoked")]
    assert changes and all(
        d["t"] == 14400.0 and d["cause"]["zone"] == "TFR-SAILING-WEEK" for d in changes
    )
    assert any(d["kind"] == "replanned" for d in changes)
    assert {d["flight"] for d in changes if d["kind"] == "revoked"} <= {
        "PHOTO-1",
        "PHOTO-2",
        "PHOTO-3",
        "PHOTO-4",
    }
    for d in changes:
        if d["kind"] == "replanned":
            assert d["departure"] >= 14400.0
    assert doc["metrics"]["safety"] == {
        **doc["metrics"]["safety"],
        "ok": True,
        "zone_violations": 0,
    }


def test_airport_requests_go_to_review():
    doc = _run("airport-review.yaml")
    req = _by(doc, "request")
    codes = {f: [r["code"] for r in d["reasons"]] for f, d in req.items()}
    assert req["AIR-1"]["status"] == "pending" and "ZONE_REQ_AUTHORISATION" in codes["AIR-1"]
    assert req["AIR-3"]["status"] == "rejected" and "ZONE_PROHIBITED" in codes["AIR-3"]
    assert req["AIR-4"]["status"] == "pending" and "CEILING" in codes["AIR-4"]
    assert req["AIR-6"]["status"] == "approved"
    reviews = _by(doc, "review")
    assert reviews["AIR-1"]["status"] == "approved" and reviews["AIR-2"]["status"] == "rejected"
    # Filed the day before; the hub flights apply and await the 21:00 decision deadline.
    assert "APPLICATION_REQUIRED" in codes["AIR-1"] and req["AIR-6"]["exemption"]
    deadline = next(r for r in req["AIR-1"]["reasons"] if r["code"] == "APPLICATION_REQUIRED")
    assert deadline["decide_by"] == "2026-11-30T21:00:00+08:00"
    wf = doc["metrics"]["workflow"]
    assert wf["undecided"] == ["AIR-8"] and wf["decided_after_deadline"] == []
    assert doc["errors"] == []  # AIR-1 passed the pre-departure gate
    assert doc["final"] == {
        "AIR-1": "ended",
        "AIR-2": "rejected",
        "AIR-3": "rejected",
        "AIR-4": "accepted",
        "AIR-5": "accepted",
        "AIR-6": "cancelled",
        "AIR-7": "accepted",
        "AIR-8": "pending",
    }
    m = doc["metrics"]
    assert m["pending_by_reason"]["ZONE_REQ_AUTHORISATION"] >= 4 and m["reviews"] == 5
    assert m["safety"]["ok"]


def test_morning_peak_delays_but_stays_separated():
    doc = _run("morning-delivery-peak.yaml")
    m = doc["metrics"]
    assert m["requests"] == 114
    assert m["approved"] > 80 and m["delay_s"]["delayed"] > 0 and m["delay_s"]["max"] > 0
    assert m["peak_airborne"] > 10
    assert m["safety"]["ok"] and m["safety"]["conflicts"] == 0
    # Filed the day before; the port-hub flights fly under their operators' long-term
    # applications (approved at once), every other one is exempt.
    lt = [d for d in doc["decisions"] if d.get("long_term")]
    assert len(lt) == 15 and all(d["long_term"]["id"].endswith("-QIANWAN") for d in lt)
    assert m["approved"] == m["requests"] and doc["errors"] == []
    approved = [d for d in doc["decisions"] if d["kind"] == "request" and d["status"] == "approved"]
    for d in approved:
        assert d["trajectory"][0][3] == pytest.approx(d["departure"])
        assert d["route"]["edges"]


def test_refused_events_are_reported_not_fatal(tmp_path):
    sc = yaml.safe_load((QINGDAO_SCENARIOS / "emergency-priority.yaml").read_text())
    n = len(sc["events"])
    sc["events"].append({"t": 3000, "type": "cancel", "flight": "NOPE-1"})
    sc["events"].append({"t": 3000, "type": "review", "flight": "DEL-4", "verdict": "approve"})
    doc = replay(scenario_from_dict(sc, base_dir=QINGDAO_SCENARIOS), progress=False).document
    assert [e["event"] for e in doc["errors"]] == [n, n + 1]
    assert "NOPE-1" in doc["errors"][0]["error"]
    assert doc["metrics"]["event_errors"] == 2


def test_cli_replay_writes_json_and_plots(tmp_path):
    out, plots = tmp_path / "r.json", tmp_path / "plots"
    res = CliRunner().invoke(
        main,
        [
            "replay",
            str(QINGDAO_SCENARIOS / "emergency-priority.yaml"),
            "--out",
            str(out),
            "--plots",
            str(plots),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "final safety check" in res.output and "OK" in res.output
    doc = json.loads(out.read_text())
    assert doc["qingkong_replay"] == 1 and doc["scenario"] == "qingdao-emergency-priority"
    assert sorted(p.name for p in plots.iterdir()) == [
        "airborne.png",
        "corridor_use.png",
        "delays.png",
        "map.png",
    ]


def test_cli_bad_scenario_exits_2(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(
        "qingkong_scenario: 1\nstart: 2026-12-01T07:00:00+08:00\nevents: [{t: 0, type: cancel}]\n"
    )
    res = CliRunner().invoke(main, ["replay", str(p), "--quiet"])
    assert res.exit_code == 2
    assert "event 0" in res.output and "flight" in res.output


def test_cli_generate_then_check(tmp_path):
    out = tmp_path / "day.json"
    res = CliRunner().invoke(
        main, ["scenario", "generate", "--flights", "50", "--seed", "2", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["scenario", "check", str(out)])
    assert res.exit_code == 0 and "request 50" in res.output


def test_unmanaged_baseline_fails_the_safety_check_and_exits_1(tmp_path):
    out = tmp_path / "r.json"
    res = CliRunner().invoke(
        main,
        [
            "replay",
            str(QINGDAO_SCENARIOS / "emergency-priority.yaml"),
            "--unmanaged",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 1
    assert "FAILED" in res.output and "safety check failed" in res.output
    doc = json.loads(out.read_text())
    assert doc["backend"] == "unmanaged"
    conflicts = doc["metrics"]["safety"]["conflict_details"]
    assert {"EMS-1", "DEL-1"} in [set(c["flights"]) for c in conflicts]


def test_unmanaged_sailing_week_flies_into_the_restriction():
    from scenarios.backends import UnmanagedBackend

    sc = load_scenario(QINGDAO_SCENARIOS / "sailing-week.yaml")
    result = replay(sc, backend=UnmanagedBackend(sc), progress=False)
    assert not result.ok
    hits = {(v.flight_id, v.zone_id) for v in result.safety.violations}
    assert ("PHOTO-3", "TFR-SAILING-WEEK") in hits and ("PHOTO-1", "TFR-SAILING-WEEK") not in hits


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_generated_days_replay_safely(seed, tmp_path):
    from scenarios.generate import generate_day

    doc = generate_day("qingdao", flights=400, seed=seed, out_dir=tmp_path)
    result = replay(scenario_from_dict(doc, base_dir=tmp_path), progress=False)
    m = result.document["metrics"]
    assert result.ok, m["safety"]
    assert m["requests"] == 400 and m["approved"] > 300
    assert m["safety"]["flights"] == sum(
        1 for s in result.document["final"].values() if s == "accepted"
    )


def test_the_scenario_separation_spaces_the_corridor_layers():
    """``separation.vertical_m`` is the layer spacing the corridors are flown at, not only the
    minimum the planner checks: with 30 m the layers are 30 m apart."""
    from scenarios.replay import load_airspace

    path = QINGDAO_SCENARIOS / "morning-delivery-peak.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["separation"] = {"horizontal_m": 50, "vertical_m": 30}
    net = load_airspace(scenario_from_dict(doc, base_dir=path.parent)).corridors
    assert net.separation_vertical_m == 30.0
