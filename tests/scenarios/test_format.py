"""Reading scenario files: what a valid file becomes, and errors that say where to look."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from scenarios.format import ScenarioError, load_scenario, scenario_from_dict

BASE = {
    "qingkong_scenario": 1,
    "name": "tiny",
    "start": "2026-12-01T07:00:00+08:00",
    "separation": {"horizontal_m": 50, "vertical_m": 20},
    "drones": [{"id": "DR-1", "operator": "OP", "class": "light", "max_speed_mps": 20}],
    "events": [
        {
            "t": 0,
            "type": "request",
            "flight": "F-1",
            "drone": "DR-1",
            "departure": {"earliest": 300, "latest": 1800},
            "speed_mps": 12,
            "route": {
                "waypoints": [
                    [120.38, 36.07, 0],
                    [120.38, 36.07, 90],
                    [120.42, 36.09, 90],
                    [120.42, 36.09, 0],
                ]
            },
        },
        {"t": 100, "type": "cancel", "flight": "F-1"},
        {"t": 50, "type": "review", "flight": "F-1", "verdict": "approve"},
    ],
}


def doc(**changes):
    d = copy.deepcopy(BASE)
    d.update(changes)
    return d


def event_error(mutate) -> str:
    d = copy.deepcopy(BASE)
    mutate(d["events"][0])
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(d)
    return str(exc.value)


def test_valid_scenario_is_read_in_time_order():
    sc = scenario_from_dict(doc())
    assert sc.start.utcoffset().total_seconds() == 8 * 3600
    assert [e.type for e in sc.events] == ["request", "review", "cancel"]
    assert [e.index for e in sc.events] == [0, 2, 1]
    req = sc.events[0].request
    assert req.flight_id == "F-1" and req.earliest_s == 300.0 and req.latest_s == 1800.0
    assert sc.drones["DR-1"].drone_class == "light"
    assert sc.horizon_s() == 1800.0
    assert sc.deployment.name == "qingdao"


def test_errors_name_event_index_and_field():
    msg = event_error(lambda e: e["departure"].update(latest=10))
    assert msg.startswith("event 0 (request F-1): departure.latest") and "before" in msg
    msg = event_error(lambda e: e["route"]["waypoints"].__setitem__(1, [36.07, 120.38, 90]))
    assert "event 0 (request F-1): route.waypoints[1]" in msg and "[lon, lat]" in msg
    msg = event_error(lambda e: e.update(drone="DR-404"))
    assert "event 0" in msg and "drone" in msg and "DR-404" in msg
    msg = event_error(lambda e: e["route"].update({"from": [120.3, 36.0]}))
    assert "exactly one of" in msg
    msg = event_error(lambda e: e.update(t="soon"))
    assert "event 0 (request F-1): t: expected a number" in msg


def test_other_errors():
    with pytest.raises(ScenarioError, match="qingkong_scenario"):
        scenario_from_dict(doc(qingkong_scenario=2))
    with pytest.raises(ScenarioError, match="start.*no time zone"):
        scenario_from_dict(doc(start="2026-12-01T07:00:00"))
    bad = doc()
    bad["events"].append({"t": 5, "type": "teleport"})
    with pytest.raises(ScenarioError, match=r"event 3\.type: 'teleport'"):
        scenario_from_dict(bad)
    dup = doc()
    dup["events"].append(copy.deepcopy(dup["events"][0]))
    with pytest.raises(ScenarioError, match="already requested by event 0"):
        scenario_from_dict(dup)
    with pytest.raises(ScenarioError, match=r"airspace.zones\[0\].file: .*does not exist"):
        scenario_from_dict(doc(airspace={"zones": [{"file": "nope.json"}]}))


def test_files_resolve_relative_to_the_scenario(tmp_path):
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / "z.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": []})
    )
    d = doc(airspace={"ceiling_m": 120, "zones": [{"file": "zones/z.geojson"}]})
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(d))
    sc = load_scenario(p)
    assert sc.zone_sources[0].file == (tmp_path / "zones" / "z.geojson").resolve()
    assert sc.ceiling_m == 120
    j = tmp_path / "s.json"
    j.write_text("{not json")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        load_scenario(j)


def test_deployment_elsewhere():
    sc = scenario_from_dict(doc(deployment={"centre": [7.48, 46.98], "timezone": "Europe/Zurich"}))
    assert sc.deployment.crs is None and sc.deployment.timezone == "Europe/Zurich"


def test_zone_event_errors_are_found_when_reading():
    bad = doc()
    bad["events"].append(
        {"t": 10, "type": "zone", "zone": {"id": "TFR", "restriction": "FORBIDDEN", "geometry": {}}}
    )
    with pytest.raises(ScenarioError, match=r"event 3: .*TFR.*restriction"):
        scenario_from_dict(bad)
    good = doc()
    circle = {"type": "Circle", "center": [120.43, 36.05], "radius_m": 800}
    good["events"].append(
        {
            "t": 10,
            "type": "zone",
            "zone": {"id": "TFR", "restriction": "PROHIBITED", "geometry": circle},
        }
    )
    (ev,) = [e for e in scenario_from_dict(good).events if e.type == "zone"]
    assert ev.zone.identifier == "TFR" and ev.zone.volumes[0].horizontal.radius_m == 800
