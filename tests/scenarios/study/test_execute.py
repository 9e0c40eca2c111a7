"""One run as a worker executes it: the day replayed exactly as `qingkong replay` does, the
airspace the run asks for, and failures returned as rows."""

from __future__ import annotations

import json

from airspace.corridor_gen import grid_network_geojson
from scenarios.format import scenario_from_dict
from scenarios.generate import generate_day
from scenarios.replay import replay
from scenarios.study.execute import execute_run, prepare
from scenarios.study.model import study_from_dict
from scenarios.study.runs import expand


def _runs(base, **kw):
    doc = {"qingkong_study": 1, "name": "s", "scenario": {"generate": {"city": "qingdao"}}, **kw}
    return expand(study_from_dict(doc, base_dir=base))


def test_a_run_gives_the_metrics_of_the_same_replay(tmp_path):
    (run,) = _runs(tmp_path, sweep={"flights": [60], "seed": [4]})
    row = execute_run(run.task)
    doc = replay(scenario_from_dict(generate_day("qingdao", flights=60, seed=4)), progress=False)
    m = doc.document["metrics"]
    assert row["status"] == "ok" and row["error"] == ""
    assert (row["requests"], row["approved"], row["pending"], row["rejected"]) == (
        m["requests"],
        m["approved"],
        m["pending"],
        m["rejected"],
    )
    assert row["delay_p95_s"] == m["delay_s"]["p95"]
    assert row["safety_ok"] is True and row["safety_conflicts"] == 0
    assert row["cpu_s"] > 0 and 0 < row["replay_wall_s"] <= row["wall_s"]
    assert (row["flights"], row["seed"], json.loads(row["params"])) == (
        60,
        4,
        {"flights": 60, "seed": 4},
    )
    use = json.loads(row["corridor_use"])
    assert sum(use.values()) > 0 and row["corridors_used"] == len(use)


def test_layer_spacing_relayers_the_network_and_sets_the_vertical_minimum(tmp_path):
    (run,) = _runs(tmp_path, sweep={"flights": [30], "layer_spacing_m": [15]})
    scenario, airspace = prepare(run.task)
    assert scenario.separation_v_m == 15.0
    layers = {h for _, _, d in airspace.corridors.graph.edges(data=True) for h in d["layers_m"]}
    assert layers <= {67.5, 82.5, 97.5, 112.5} and 112.5 in layers
    row = execute_run(run.task)
    assert row["status"] == "ok" and row["safety_ok"] is True


def test_network_and_zone_set_axes_change_the_airspace(tmp_path):
    (tmp_path / "grid.geojson").write_text(json.dumps(grid_network_geojson(4, 4, 800.0)))
    zone = {
        "id": "TFR-TEST",
        "restriction": "PROHIBITED",
        "geometry": {"type": "Circle", "center": [120.38, 36.07], "radius_m": 500},
        "lower_m": 0,
        "upper_m": 300,
    }
    (run,) = _runs(
        tmp_path,
        sweep={"network": ["grid"], "zones": ["tfr"], "flights": [20]},
        networks={"grid": {"file": "grid.geojson"}},
        zone_sets={"tfr": [zone]},
    )
    scenario, airspace = prepare(run.task)
    assert airspace.corridors.graph.number_of_edges() == 2 * (4 * 3 + 4 * 3)
    assert "TFR-TEST" in {z.identifier for z in airspace.zones}


def test_a_broken_network_gives_a_failed_row_with_its_parameters(tmp_path):
    (tmp_path / "broken.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "C1", "lower_m": 60, "upper_m": 120, "width_m": 30},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[120.3, 36.0], [120.4, 36.0]],
                        },
                    }
                ],
            }
        )
    )
    (run,) = _runs(
        tmp_path,
        sweep={"network": ["broken"], "flights": [20], "seed": [7]},
        networks={"broken": {"file": "broken.geojson"}},
    )
    row = execute_run(run.task)
    assert row["status"] == "failed"
    assert "C1" in row["error"] and "speed_max_mps" in row["error"]
    assert (row["network"], row["flights"], row["seed"]) == ("broken", 20, 7)
