"""BlueSky scenarios and openutm trajectories as traffic sources: what becomes a request and
what is reported as not understood."""

from __future__ import annotations

import json

import pytest
import yaml

from scenarios.format import load_scenario
from scenarios.readers.bluesky import BlueSkyError, read_bluesky_traffic
from scenarios.readers.bluesky_scenario import bluesky_to_scenario
from scenarios.readers.openutm import TrajectoryFileError, openutm_to_scenario, read_tracks


def test_manhattan_drone_route_becomes_a_request(interop, tmp_path):
    doc, report = bluesky_to_scenario([interop / "bluesky" / "M2AP1.scn"], out_dir=tmp_path)
    (ev,) = doc["events"]
    wps = ev["route"]["waypoints"]
    assert wps[0][:2] == [-73.98894, 40.75388]  # creation position, [lon, lat]
    assert len(wps) == 7  # CRE + 6 waypoints; HEROS is not defined in the file
    assert abs(wps[0][2] - 90 * 0.3048) < 0.01  # 90 ft
    assert abs(ev["speed_mps"] - 15 * 1852 / 3600) < 0.01  # 15 kt
    assert any("HEROS" in r["command"] and r["status"] == "not understood" for r in report)
    assert doc["airspace"]["zones"]  # the POLY geofences, read by the zone reader
    p = tmp_path / "m2ap1.yaml"
    p.write_text(yaml.safe_dump(doc))
    sc = load_scenario(p)  # the written scenario reads back
    assert sc.zone_sources[0].file == (interop / "bluesky" / "M2AP1.scn").resolve()
    assert sc.deployment.crs is None


def test_crewed_traffic_is_skipped_and_said_so(interop, tmp_path):
    bf = read_bluesky_traffic(interop / "openutm_verification" / "bern" / "blue_sky_sim_bern.scn")
    assert {a.type for a in bf.aircraft.values()} == {"A320", "B738", "E190", "EC35"}
    with pytest.raises(BlueSkyError, match="no drone flight"):
        bluesky_to_scenario([bf.path], out_dir=tmp_path)
    doc, report = bluesky_to_scenario(
        [bf.path, interop / "bluesky" / "nycGrid_test.scn"], out_dir=tmp_path
    )
    assert [e["flight"] for e in doc["events"]] == ["nycGrid_test-Drone0"]
    skipped = [r for r in report if r["status"] == "skipped"]
    assert len(skipped) == 5 and all("crewed" in r["why"] for r in skipped)
    assert any(r["command"] == "ADDWPT FLYBY" for r in report)


def test_later_commands_are_not_understood(interop):
    bf = read_bluesky_traffic(interop / "bluesky" / "ASAS-02.scn")
    assert [n.command for n in bf.notes if n.status == "not understood"] == ["ALT HV296"]


def test_bad_bluesky_line_names_file_and_line(tmp_path):
    p = tmp_path / "bad.scn"
    p.write_text("00:00:00.00>CRE D1,M600,40.7,-73.9,90,100\n")
    with pytest.raises(BlueSkyError, match=r"bad.scn:1: CRE"):
        read_bluesky_traffic(p)


def test_bern_tracks_become_requests(interop, tmp_path):
    files = sorted((interop / "openutm_verification" / "bern").glob("trajectory_f*.json"))
    doc, report = openutm_to_scenario(files, altitude_m=60, speed_mps=10)
    assert [e["flight"] for e in doc["events"]] == [f"trajectory_f{i}" for i in range(1, 6)]
    wps = doc["events"][0]["route"]["waypoints"]
    assert wps[0][2] == 0.0 and wps[1][2] == 60.0 and wps[-1][2] == 0.0
    assert all(r["status"] == "assumed" for r in report)
    p = tmp_path / "bern.yaml"
    p.write_text(yaml.safe_dump(doc))
    assert len(load_scenario(p).requests) == 5
    bad = tmp_path / "x.json"
    bad.write_text('{"type": "Point", "coordinates": [7, 46]}')
    with pytest.raises(TrajectoryFileError, match="LineString"):
        read_tracks(bad)


def test_import_bluesky_cli_then_replay(interop, tmp_path):
    from click.testing import CliRunner

    from cli.main import main

    out = tmp_path / "nyc.yaml"
    files = [str(interop / "bluesky" / "M2AP1.scn"), str(interop / "bluesky" / "nycGrid_test.scn")]
    res = CliRunner().invoke(main, ["scenario", "import-bluesky", *files, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "not understood" in res.output and "HEROS" in res.output
    res = CliRunner().invoke(main, ["replay", str(out), "--json", "--quiet"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    status = {
        d["flight"]: (d["status"], [r["code"] for r in d["reasons"]]) for d in doc["decisions"]
    }
    # the Manhattan drone keeps to the streets between the geofenced blocks; the other flies at
    # 550 ft (168 m), above China's 120 m true-height ceiling the scenario's rules use
    assert status["M2AP1-HX2"] == ("approved", [])
    assert status["nycGrid_test-Drone0"] == ("pending", ["CEILING"])


def test_bern_tracks_replay_with_delays_where_they_cross(interop, tmp_path):
    from scenarios.format import scenario_from_dict
    from scenarios.replay import replay

    files = sorted((interop / "openutm_verification" / "bern").glob("trajectory_f*.json"))
    doc, _ = openutm_to_scenario(files, altitude_m=60, speed_mps=10)
    result = replay(scenario_from_dict(doc, base_dir=tmp_path), progress=False)
    decisions = [d for d in result.document["decisions"] if d["kind"] == "request"]
    assert all(d["status"] == "approved" for d in decisions)
    assert any(d["delay_s"] > 0 for d in decisions)  # the tracks overlap near the same start time
    assert result.ok
